package dev.prodlens.jobs.embed;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.when;

import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.ParquetOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The embeddings table, the contract between embed and the jobs that read its output (as {@code
 * Bundles} is for bundles): one Parquet row per image of each catalogue row (a row listing no image
 * is one row, refused), read by column name.
 *
 * <ul>
 *   <li>{@code item_id}: the catalogue's id (null for a row without one);
 *   <li>{@code image_index}: the image's place in its catalogue row's list of images, from 0
 *       (tables from before several images per item lack it: read as 0, {@link #read});
 *   <li>{@code embedding}: the L2-normalised vector, null when the row has an error;
 *   <li>{@code model_id}, {@code model_fingerprint}: the model that made it (a table never mixes
 *       models);
 *   <li>{@code image_sha256}: the image's hash, what an incremental run reuses vectors by (across
 *       items and image positions: the same bytes are embedded once);
 *   <li>{@code error_code}, {@code error}: why the row has no embedding (a {@code RowCheck.Error}
 *       or an {@code EmbedError.Code}), one line for people;
 *   <li>{@code warning_code}, {@code warning}: what is odd about a row that is embedded all the
 *       same (comma-separated codes; tables from before warnings lack these two columns).
 * </ul>
 *
 * It is written under a temporary name and renamed into place: a failed run leaves the earlier
 * table, never half of a new one.
 */
public final class EmbeddingsTable {
    /** The columns every embeddings table has (an earlier version's table lacks the newer ones). */
    static final String IMAGE_INDEX = "image_index";

    static final List<String> REQUIRED =
            List.of(
                    "item_id",
                    "embedding",
                    "model_id",
                    "model_fingerprint",
                    "image_sha256",
                    "error_code",
                    "error");

    /** The columns written now, in order: the required ones, the warnings, the image index. */
    static final List<String> COLUMNS =
            Stream.concat(REQUIRED.stream(), Stream.of("warning_code", "warning", IMAGE_INDEX))
                    .toList();

    private static final int MODEL_LIST_LIMIT = 3;

    private EmbeddingsTable() {}

    /**
     * Rows in (images); rows with an embedding; images that went through the model in this run (the
     * rest were reused from the earlier table by image hash); failures by error code; rows with a
     * warning by warning code (embedded all the same); catalogue rows (their first image's rows);
     * items with at least one embedded image.
     */
    public record Summary(
            long rows,
            long embedded,
            long modelImages,
            Map<String, Long> failedByCode,
            Map<String, Long> warnedByCode,
            long catalogueRows,
            long embeddedItems) {
        public long failed() {
            return rows - embedded;
        }
    }

    /**
     * The table at {@code path}, checked to be of {@code card}'s model, with {@code image_index}
     * ({@link #withImageIndex}).
     */
    public static Dataset<Row> read(SparkSession spark, String path, ModelCard card) {
        Dataset<Row> table = withImageIndex(spark.read().parquet(path));
        requireModel(table, path, card);
        return table;
    }

    /**
     * {@code table} with its {@code image_index}: 0 on every row of a table written before items
     * had several images (one image per row then, its item's only one).
     */
    public static Dataset<Row> withImageIndex(Dataset<Row> table) {
        return Arrays.asList(table.columns()).contains(IMAGE_INDEX)
                ? table
                : table.withColumn(IMAGE_INDEX, lit(0));
    }

    /**
     * The earlier table at {@code output}, if any, checked to be an embeddings table of this model:
     * vectors of two models must never be mixed in one table.
     */
    static Optional<Dataset<Row>> previous(SparkSession spark, String output, ModelCard card) {
        Path target = new Path(output);
        Dataset<Row> table;
        try {
            if (!target.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(target))
                return Optional.empty();
            table = spark.read().parquet(output);
        } catch (IOException | RuntimeException e) {
            throw new JobException(
                    "cannot read the existing embeddings table "
                            + output
                            + " ("
                            + e.getMessage()
                            + "); remove it or choose another embed output");
        }
        if (!Arrays.asList(table.columns()).containsAll(REQUIRED)) {
            throw new JobException(
                    output
                            + " exists but is not an embeddings table (columns "
                            + Arrays.toString(table.columns())
                            + "); remove it or choose another embed output");
        }
        requireModel(table, output, card);
        return Optional.of(withImageIndex(table));
    }

    /**
     * Refuses an embeddings table holding vectors of another model (id or weights/preprocessing
     * fingerprint): vectors of two models are not comparable and must never be mixed or indexed
     * together.
     */
    public static void requireModel(Dataset<Row> table, String path, ModelCard card) {
        for (Row r :
                table.select("model_id", "model_fingerprint")
                        .distinct()
                        .limit(MODEL_LIST_LIMIT)
                        .collectAsList()) {
            String id = r.getAs("model_id");
            String fingerprint = r.getAs("model_fingerprint");
            if (!card.id().equals(id) || !card.fingerprint().equals(fingerprint)) {
                throw new JobException(
                        "embeddings table "
                                + path
                                + " was made with model "
                                + id
                                + " ("
                                + fingerprint
                                + "), but the configuration runs "
                                + card.id()
                                + " ("
                                + card.fingerprint()
                                + "); vectors of different models cannot be mixed: run with model.id="
                                + id
                                + ", or embed into another output (jobs.embeddings) or remove the table");
            }
        }
    }

    /**
     * Writes {@code table} (its {@link #COLUMNS}) to {@code output} under a temporary name, then
     * renames it into place.
     */
    static void write(SparkSession spark, Dataset<Row> table, String output) {
        ParquetOutput.replace(spark, table.select(columns(COLUMNS)), output);
    }

    /**
     * Counts of the table at {@code path} by error code and by warning code; {@code modelImages} as
     * the caller measured it.
     */
    public static Summary summarise(SparkSession spark, String path, long modelImages) {
        Dataset<Row> table = withImageIndex(spark.read().parquet(path));
        long rows = 0;
        long embedded = 0;
        Map<String, Long> failed = new LinkedHashMap<>();
        for (Row r : table.groupBy("error_code").count().orderBy("error_code").collectAsList()) {
            long n = r.getAs("count");
            rows += n;
            if (r.isNullAt(0)) embedded += n;
            else failed.put(r.getAs("error_code"), n);
        }
        Map<String, Long> warned = new LinkedHashMap<>();
        if (Arrays.asList(table.columns()).contains("warning_code")) {
            // a row may carry several warnings, comma-separated: each is counted
            for (Row r :
                    table.filter(col("warning_code").isNotNull())
                            .select(explode(split(col("warning_code"), ",")).as("code"))
                            .groupBy("code")
                            .count()
                            .orderBy("code")
                            .collectAsList()) {
                warned.put(r.getAs("code"), r.getAs("count"));
            }
        }
        Row items =
                table.agg(
                                count(when(col(IMAGE_INDEX).equalTo(0), lit(1))),
                                countDistinct(when(col("error_code").isNull(), col("item_id"))))
                        .first();
        return new Summary(
                rows, embedded, modelImages, failed, warned, items.getLong(0), items.getLong(1));
    }

    static Column[] columns(List<String> names) {
        return names.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new);
    }
}
