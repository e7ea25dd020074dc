package dev.prodlens.jobs.embed;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import ai.djl.engine.Engine;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.EmbedError;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.Progress;
import dev.prodlens.jobs.catalogue.CatalogueColumns;
import dev.prodlens.jobs.catalogue.CatalogueRows;
import dev.prodlens.jobs.catalogue.ImageColumn;
import dev.prodlens.jobs.catalogue.ImageRefs;
import dev.prodlens.jobs.catalogue.LogFold;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.util.LongAccumulator;

/**
 * The embed job: catalogue rows, one per image, checked ({@link CatalogueRows}) → images read and
 * embedded in the executors → the {@link EmbeddingsTable} (its columns and contract are there). A
 * bad row never stops the job: a refused image (no id, duplicate id, no image, too many images, an
 * image outside the root, a missing file, an undecodable image, over a cap) is kept with its error
 * and no embedding, and its item keeps its other images; a row with a warning (a price that is not
 * a number, text that is not UTF-8) is embedded and keeps the warning.
 */
public final class EmbedJob {
    /**
     * What to embed and where to write it. {@code images}: how the image column lists an item's
     * images. {@code imagesRoot} null: the catalogue's own directory. {@code fold}: the update log
     * folded into the catalogue (reindex), {@link LogFold#NONE} for the catalogue alone.
     */
    public record Spec(
            String catalogue,
            String format,
            CatalogueColumns columns,
            ImageColumn images,
            String imagesRoot,
            String output,
            Map<String, String> embedderSettings,
            LogFold fold) {
        /** The catalogue alone, its image column read with the defaults. */
        public Spec(
                String catalogue,
                String format,
                CatalogueColumns columns,
                String imagesRoot,
                String output,
                Map<String, String> embedderSettings) {
            this(
                    catalogue,
                    format,
                    columns,
                    ImageColumn.DEFAULTS,
                    imagesRoot,
                    output,
                    embedderSettings,
                    LogFold.NONE);
        }

        /** This spec with the update log {@code fold} folded into the catalogue. */
        public Spec withFold(LogFold fold) {
            return new Spec(
                    catalogue, format, columns, images, imagesRoot, output, embedderSettings, fold);
        }

        /** This spec with the image column read as {@code images} says. */
        public Spec withImages(ImageColumn images) {
            return new Spec(
                    catalogue, format, columns, images, imagesRoot, output, embedderSettings, fold);
        }

        /** What the configuration says. */
        public static Spec of(JobSettings settings) {
            return new Spec(
                    settings.cataloguePath(),
                    settings.catalogueFormat(),
                    settings.columns(),
                    ImageColumn.from(settings.config()),
                    settings.imagesRoot(),
                    settings.embeddingsPath(),
                    settings.embedderSettings(),
                    LogFold.NONE);
        }
    }

    private EmbedJob() {}

    /**
     * Embeds the catalogue into {@code spec.output()}. When that table exists already (an earlier
     * run), it must be of the same model; images whose sha256 it holds are not embedded again.
     */
    public static EmbeddingsTable.Summary run(SparkSession spark, Spec spec) {
        long start = System.nanoTime();
        EmbedderConfig embedder = EmbedderConfig.fromResolved(spec.embedderSettings());
        requireEngine(embedder);
        ModelCard card = ModelCard.read(embedder.modelDir());
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        LongAccumulator modelImages = spark.sparkContext().longAccumulator("model images");
        EmbedPartition embed = new EmbedPartition(spec.embedderSettings(), hadoop, modelImages);

        Dataset<Row> catalogue = catalogue(spark, spec);
        // an explicit partition count: adaptive execution would coalesce the small (id, path)
        // shuffle into one
        // partition, and the model would then run on one core
        Dataset<Row> accepted =
                catalogue
                        .filter(col("error_code").isNull())
                        .select(EmbeddingsTable.columns(EmbedPartition.INPUT))
                        .repartition(embedPartitions(spark, spec));
        Optional<Dataset<Row>> previous = EmbeddingsTable.previous(spark, spec.output(), card);
        Dataset<Row> embedded =
                previous.isEmpty()
                        ? accepted.mapPartitions(
                                embed, ExpressionEncoder.apply(EmbedPartition.SCHEMA))
                        : incremental(accepted, previous.get(), embed, embedder.maxBytes(), hadoop);
        Dataset<Row> refused =
                catalogue
                        .filter(col("error_code").isNotNull())
                        .select(
                                col("item_id"),
                                col("image_index"),
                                lit(null)
                                        .cast(DataTypes.createArrayType(DataTypes.FloatType, false))
                                        .as("embedding"),
                                lit(null).cast(DataTypes.StringType).as("image_sha256"),
                                col("error_code"),
                                col("error"),
                                col("warning_code"),
                                col("warning"));
        Dataset<Row> table =
                embedded.unionByName(refused)
                        .withColumn("model_id", lit(card.id()))
                        .withColumn("model_fingerprint", lit(card.fingerprint()));

        EmbeddingsTable.write(spark, table, spec.output());
        EmbeddingsTable.Summary summary =
                EmbeddingsTable.summarise(spark, spec.output(), modelImages.value());
        Progress.stage(
                "embed",
                String.format(
                        Locale.ROOT,
                        "%,d rows, %,d ok, %,d failed %s, warnings %s, %,d images through the"
                                + " embedder (a row is an image: of %,d catalogue rows, %,d items"
                                + " embedded)",
                        summary.rows(),
                        summary.embedded(),
                        summary.failed(),
                        summary.failedByCode(),
                        summary.warnedByCode(),
                        summary.modelImages(),
                        summary.catalogueRows(),
                        summary.embeddedItems()),
                summary.modelImages(),
                "img",
                start);
        return summary;
    }

    /**
     * Fails on the driver, before any task, when the jar lacks the configured engine: the default
     * jobs jar carries ONNX Runtime only (the executors run the same jar).
     */
    private static void requireEngine(EmbedderConfig embedder) {
        String engine = embedder.engine().djlName();
        if (!Engine.hasEngine(engine)) {
            throw new JobException(
                    "model.engine = "
                            + engine
                            + ", but DJL's "
                            + engine
                            + " engine is not on the classpath"
                            + " (the default jobs jar carries ONNX Runtime only): build the jar with -Pwith-pytorch (docs/spark.md)"
                            + " or set model.engine = OnnxRuntime");
        }
    }

    /**
     * Hash every image (cheap, no decode), reuse the earlier result of each hash it already holds
     * (vector or a deterministic failure), and embed only the rest. Rows whose file could not be
     * hashed go to the embed pass, which records the reason. Warnings are this run's (the
     * catalogue's text may have changed while the image did not).
     */
    private static Dataset<Row> incremental(
            Dataset<Row> accepted,
            Dataset<Row> previous,
            EmbedPartition embed,
            long maxBytes,
            Configuration hadoop) {
        Dataset<Row> known =
                previous.filter(
                                col("image_sha256")
                                        .isNotNull()
                                        .and(
                                                col("error_code")
                                                        .isNull()
                                                        .or(
                                                                col("error_code")
                                                                        .isin(
                                                                                REUSABLE_FAILURES
                                                                                        .toArray()))))
                        .dropDuplicates("image_sha256")
                        .select(
                                col("image_sha256").as("known_sha256"),
                                col("embedding"),
                                col("error_code"),
                                col("error"));
        Dataset<Row> hashed =
                accepted.mapPartitions(
                                new HashPartition(maxBytes, hadoop),
                                ExpressionEncoder.apply(HashPartition.SCHEMA))
                        .join(known, col("image_sha256").equalTo(col("known_sha256")), "left");
        // an earlier version wrote the decoder's description of an unrecognised file, which may
        // quote its text
        Column error =
                when(
                                col("error_code")
                                        .equalTo(EmbedError.Code.UNSUPPORTED_FORMAT.name()),
                                ImageFiles.unrecognised(col("path")))
                        .otherwise(col("error"));
        Dataset<Row> reused =
                hashed.filter(col("known_sha256").isNotNull())
                        .select(
                                col("item_id"),
                                col("image_index"),
                                col("embedding"),
                                col("image_sha256"),
                                col("error_code"),
                                error.as("error"),
                                col("warning_code"),
                                col("warning"));
        Dataset<Row> fresh =
                hashed.filter(col("known_sha256").isNull())
                        .select(EmbeddingsTable.columns(EmbedPartition.INPUT))
                        .mapPartitions(embed, ExpressionEncoder.apply(EmbedPartition.SCHEMA));
        return reused.unionByName(fresh);
    }

    /**
     * Failures that the same bytes would meet again. Those that depend on the run are retried: a
     * model failure, and a decode that ran out of time, waited too long for decode memory or was
     * cancelled (a busier or slower executor, not the image).
     */
    private static final List<String> REUSABLE_FAILURES =
            Arrays.stream(EmbedError.Code.values())
                    .filter(
                            c ->
                                    !EnumSet.of(
                                                    EmbedError.Code.MODEL_FAILED,
                                                    EmbedError.Code.TIMED_OUT,
                                                    EmbedError.Code.BUSY,
                                                    EmbedError.Code.CANCELLED)
                                            .contains(c))
                    .map(Enum::name)
                    .toList();

    /**
     * The catalogue's rows, checked ({@link CatalogueRows#COLUMNS}): those without an {@code
     * error_code} are embedded.
     */
    public static Dataset<Row> catalogue(SparkSession spark, Spec spec) {
        return CatalogueRows.read(
                spark,
                spec.catalogue(),
                spec.format(),
                spec.columns(),
                spec.images(),
                imagesRoot(spec),
                spec.fold());
    }

    /** The root relative images resolve against ({@link ImageRefs#root}). */
    public static String imagesRoot(Spec spec) {
        return ImageRefs.root(spec.imagesRoot(), spec.catalogue());
    }

    /**
     * {@code embed.partitions}, or 0 (the default): four per core, so that uneven partitions still
     * keep every core busy.
     */
    private static int embedPartitions(SparkSession spark, Spec spec) {
        int configured = Config.of(spec.embedderSettings()).get(ConfigKeys.EMBED_PARTITIONS);
        return configured > 0
                ? configured
                : PARTITIONS_PER_CORE * spark.sparkContext().defaultParallelism();
    }

    private static final int PARTITIONS_PER_CORE = 4;
}
