package dev.prodlens.jobs.adapt;

import com.google.gson.GsonBuilder;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.embed.EmbedJob;
import dev.prodlens.jobs.evaluate.Evaluator;
import dev.prodlens.jobs.index.IndexedItems;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code prodlens-jobs adapt}: the adapt stage on its own, on the embeddings table the embed stage
 * wrote (with {@code adapt.method = auto} when the configuration leaves it {@code off}): prints
 * what each method scores on the validation groups and what it would choose, and writes the choice
 * next to the embeddings ({@code adapt/adapt.json}, and {@code adapt/projection.bin} when a
 * projection was chosen). Build-index and reindex learn again with the same settings (the same
 * split, the same result), so this command changes no bundle.
 */
public final class AdaptJob {
    private AdaptJob() {}

    public static AdaptStage.Outcome run(SparkSession spark, JobSettings settings) {
        AdaptSettings adapt = AdaptSettings.from(settings.config());
        if (!adapt.enabled()) adapt = adapt.withMethod(AdaptSettings.AUTO);
        ModelCard card =
                ModelCard.read(EmbedderConfig.fromResolved(settings.embedderSettings()).modelDir());
        try (IndexedItems items = IndexedItems.load(spark, EmbedJob.Spec.of(settings), card)) {
            AdaptStage.Outcome outcome =
                    AdaptStage.runCached(
                            spark,
                            adapt,
                            new CandidateScorer(Evaluator.Settings.from(settings.config())),
                            items,
                            card.dim(),
                            (chosen, rows) -> chosen);
            write(settings, outcome);
            return outcome;
        }
    }

    private static void write(JobSettings settings, AdaptStage.Outcome outcome) {
        if (settings.embeddingsPath().contains("://")) {
            return; // a remote table (hdfs://, s3a://): the console has the figures
        }
        Path dir = Path.of(settings.embeddingsPath()).resolveSibling("adapt");
        try {
            Files.createDirectories(dir);
            Files.writeString(
                    dir.resolve("adapt.json"),
                    new GsonBuilder().setPrettyPrinting().create().toJson(outcome.entry()),
                    StandardCharsets.UTF_8);
            Path projection = dir.resolve(BundleFiles.PROJECTION);
            if (outcome.projection() != null) outcome.projection().write(projection);
            else Files.deleteIfExists(projection);
            System.out.println("adapt: wrote " + dir);
        } catch (IOException e) {
            throw new JobException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }
}
