package dev.prodlens.jobs;

import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.jobs.catalogue.LogFold;
import dev.prodlens.jobs.embed.EmbedJob;
import dev.prodlens.jobs.embed.EmbeddingsTable;
import dev.prodlens.jobs.evaluate.EvaluateJob;
import dev.prodlens.jobs.evaluate.Evaluator;
import dev.prodlens.jobs.index.BuildIndexJob;
import dev.prodlens.jobs.index.IndexSettings;
import dev.prodlens.jobs.match.MatchJob;
import dev.prodlens.jobs.match.MatchSettings;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * reindex: fold the update log → embed (incremental) → build-index → match (duplicate listings,
 * {@code match.enabled}) → evaluate → publish, in one submission. Everything is written into a
 * staging directory next to the versions; only a complete bundle is renamed to its version and only
 * then does {@code CURRENT} switch to it. A run that fails or is killed at any point leaves the
 * previous {@code CURRENT} and its bundle untouched.
 */
public final class ReindexJob {
    /** What was published. */
    public record Result(Path bundle, String version, EmbeddingsTable.Summary embed) {}

    private ReindexJob() {}

    /**
     * The settings the later stages read, checked before any work (the index's and the
     * evaluation's): a typo fails in a second, not after the embed stage.
     */
    public static IndexSettings check(JobSettings settings) {
        Evaluator.Settings.from(settings.config());
        MatchSettings.from(settings);
        return BuildIndexJob.check(settings);
    }

    /**
     * Reads the update log ({@code live.*}) up to its end at this moment and folds it: the
     * catalogue rows this reindex embeds are the export's with the log's changes applied, and the
     * manifest records the last position folded in (docs/live.md).
     */
    static LogFold fold(JobSettings settings) {
        long start = System.nanoTime();
        LogFold fold = LogFold.read(settings.config(), Path.of("").toAbsolutePath());
        if (fold.enabled()) {
            Progress.stage(
                    "reindex fold",
                    String.format(
                            Locale.ROOT,
                            "update log %s up to position %d: %,d items changed",
                            fold.manifestEntry().log(),
                            fold.position(),
                            fold.touched()),
                    fold.touched(),
                    "item",
                    start);
        }
        return fold;
    }

    public static Result run(SparkSession spark, JobSettings settings) {
        long start = System.nanoTime();
        IndexSettings index = check(settings);
        LogFold fold = fold(settings);
        EmbedJob.Spec spec = EmbedJob.Spec.of(settings).withFold(fold);
        EmbeddingsTable.Summary embedded = EmbedJob.run(spark, spec);
        Path catalogueDir = Path.of(settings.catalogueBundles());
        String version = Bundles.newVersion();
        Path staging = Bundles.createStaging(catalogueDir, version);
        try {
            BuildIndexJob.run(spark, settings, index, spec, staging, version);
            if (MatchSettings.from(settings).enabled())
                MatchJob.run(spark, settings, staging, staging.resolve(BundleFiles.DUPLICATES));
            EvaluateJob.run(spark, settings, staging);
            Path bundle = Bundles.seal(staging, version);
            Bundles.publish(catalogueDir, version);
            Progress.stage("reindex", "published " + bundle + " as CURRENT", 0, "", start);
            return new Result(bundle, version, embedded);
        } catch (RuntimeException e) {
            FileTrees.deleteQuietly(staging);
            throw e;
        }
    }
}
