package dev.prodlens.jobs.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.jobs.catalogue.CatalogueColumns;
import dev.prodlens.jobs.catalogue.CatalogueReader;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

/**
 * The embed job: catalogue → image paths (relative to the images root, or absolute/URIs) →
 * images read and embedded in the executors → Parquet of {@code item_id, embedding, model_id,
 * model_fingerprint, image_sha256, error_code, error}. Bad rows (missing file, corrupt image,
 * over a cap, duplicate id) are kept with their error; the table is written under a temporary
 * name and renamed into place, so a failed run leaves no half-written output.
 */
public final class EmbedJob {
    public static final String DUPLICATE_ID = "DUPLICATE_ID";

    /** What to embed and where to write it. {@code imagesRoot} null: the catalogue's own directory. */
    public record Spec(String catalogue, String format, CatalogueColumns columns, String imagesRoot, String output,
                       Map<String, String> embedderSettings) {
    }

    /** Rows in, rows embedded, failures by error code. */
    public record Summary(long rows, long embedded, Map<String, Long> failedByCode) {
    }

    private EmbedJob() {
    }

    public static Summary run(SparkSession spark, Spec spec) {
        EmbedderConfig embedder = EmbedderConfig.from(Config.of(spec.embedderSettings()), java.nio.file.Path.of("/"));
        ModelCard card = ModelCard.read(embedder.modelDir());
        String root = spec.imagesRoot() != null ? spec.imagesRoot() : new Path(spec.catalogue()).getParent().toString();

        Dataset<Row> catalogue = CatalogueReader.read(spark, spec.catalogue(), spec.format(), spec.columns())
                .withColumn("path", resolved(col("image"), root))
                .withColumn("copy", row_number().over(Window.partitionBy("item_id").orderBy("path")));
        Dataset<Row> embedded = catalogue.filter(col("copy").equalTo(1)).select("item_id", "path")
                .mapPartitions(new EmbedPartition(spec.embedderSettings(), spark.sparkContext().hadoopConfiguration()),
                        ExpressionEncoder.apply(EmbedPartition.SCHEMA));
        Dataset<Row> duplicates = catalogue.filter(col("copy").gt(1)).select(
                col("item_id"),
                lit(null).cast(DataTypes.createArrayType(DataTypes.FloatType, false)).as("embedding"),
                lit(null).cast(DataTypes.StringType).as("image_sha256"),
                lit(DUPLICATE_ID).as("error_code"),
                concat(lit("item id appears more than once in the catalogue; this copy ("), col("path"),
                        lit(") is skipped: make ids unique")).as("error"));
        Dataset<Row> table = embedded.unionByName(duplicates)
                .withColumn("model_id", lit(card.id()))
                .withColumn("model_fingerprint", lit(card.fingerprint()))
                .select("item_id", "embedding", "model_id", "model_fingerprint", "image_sha256", "error_code", "error");

        writeAtomically(spark, table, spec.output());
        return summarise(spark.read().parquet(spec.output()));
    }

    /** Absolute paths and URIs (scheme:/...) as they are; anything else under {@code root}. */
    static Column resolved(Column image, String root) {
        String prefix = root.endsWith("/") ? root : root + "/";
        return when(image.rlike("^([a-zA-Z][a-zA-Z0-9+.-]*:/|/)"), image).otherwise(concat(lit(prefix), image));
    }

    private static void writeAtomically(SparkSession spark, Dataset<Row> table, String output) {
        Path target = new Path(output);
        Path staging = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        try {
            FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try {
                table.write().parquet(staging.toString());
            } catch (RuntimeException e) {
                fs.delete(staging, true);
                throw e;
            }
            if (fs.exists(target) && !fs.delete(target, true)) throw new IOException("cannot replace " + target);
            if (!fs.rename(staging, target)) throw new IOException("cannot rename " + staging + " to " + target);
        } catch (IOException e) {
            throw new UncheckedIOException("writing embeddings to " + output + ": " + e.getMessage(), e);
        }
    }

    private static Summary summarise(Dataset<Row> table) {
        long rows = 0;
        long embedded = 0;
        Map<String, Long> failed = new LinkedHashMap<>();
        for (Row r : table.groupBy("error_code").count().orderBy("error_code").collectAsList()) {
            long n = r.getLong(1);
            rows += n;
            if (r.isNullAt(0)) embedded += n;
            else failed.put(r.getString(0), n);
        }
        return new Summary(rows, embedded, failed);
    }
}
