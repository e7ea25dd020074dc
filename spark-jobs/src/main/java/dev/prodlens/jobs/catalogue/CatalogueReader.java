package dev.prodlens.jobs.catalogue;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.udf;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Reads a catalogue (CSV with a header, JSON lines or Parquet; by file extension unless given) from
 * any Hadoop file system into the canonical columns the jobs use: {@code item_id, images, title,
 * label_group, category, price}, all text as written (a price is typed by {@link RowCheck}, so that
 * a bad one is that row's warning, not a failed cast), plus where each row was: {@code source_file}
 * and {@code source_row}, which orders the rows of one file as they are in it. {@code images} is
 * the row's list of images ({@code array<string>}, see {@link ImageColumn}): a list column as it
 * is, a text one split. Id and image columns are required; the others are null when the source
 * lacks them.
 */
public final class CatalogueReader {
    /** The canonical column names, in order. */
    public static final List<String> COLUMNS =
            List.of("item_id", "images", "title", "label_group", "category", "price");

    /**
     * The rows' file, and their order in it: taken at the scan, before any shuffle can reorder
     * them.
     */
    public static final List<String> SOURCE = List.of("source_file", "source_row");

    private CatalogueReader() {}

    /**
     * {@code format}: csv, jsonl (or json) or parquet; null or "auto" picks by the path's
     * extension.
     */
    public static Dataset<Row> read(
            SparkSession spark, String path, String format, CatalogueColumns columns) {
        return read(spark, path, format, columns, ImageColumn.DEFAULTS);
    }

    /** As above, the image column read as {@code images} says. */
    public static Dataset<Row> read(
            SparkSession spark,
            String path,
            String format,
            CatalogueColumns columns,
            ImageColumn images) {
        String chosen =
                format == null || format.equalsIgnoreCase("auto")
                        ? formatOf(path)
                        : format.toLowerCase(Locale.ROOT);
        if (!List.of("csv", "jsonl", "json", "parquet").contains(chosen)) {
            throw new CatalogueException(
                    "catalogue format '"
                            + chosen
                            + "' is not supported; use csv, jsonl or parquet");
        }
        requireExists(spark, path);
        Dataset<Row> raw =
                switch (chosen) {
                    case "csv" ->
                            spark.read()
                                    .option("header", "true")
                                    .option("multiLine", "true")
                                    .option("escape", "\"")
                                    .csv(path);
                    case "jsonl", "json" -> spark.read().json(path);
                    default -> spark.read().parquet(path);
                };
        List<String> present = Arrays.asList(raw.columns());
        require(present, columns.id(), "catalogue.column.id", path);
        require(present, columns.image(), "catalogue.column.image", path);
        // monotonically_increasing_id numbers a scan's rows partition by partition, and a file's
        // splits go to
        // partitions in offset order: (source_file, source_row) is file order
        return raw.select(
                col(quoted(columns.id())).cast(DataTypes.StringType).as("item_id"),
                images(raw, columns.image(), images).as("images"),
                optional(present, columns.title()).as("title"),
                optional(present, columns.labelGroup()).as("label_group"),
                optional(present, columns.category()).as("category"),
                optional(present, columns.price()).as("price"),
                col("_metadata.file_path").as("source_file"),
                monotonically_increasing_id().as("source_row"));
    }

    /**
     * The image column as a list: a list column (JSON lines array, Parquet array) as it is, any
     * other split as text by {@code images}.
     */
    private static Column images(Dataset<Row> raw, String column, ImageColumn images) {
        Column source = col(quoted(column));
        if (raw.schema().apply(column).dataType() instanceof ArrayType) {
            return source.cast(STRINGS);
        }
        return udf((UDF1<String, List<String>>) images::split, STRINGS)
                .apply(source.cast(DataTypes.StringType));
    }

    private static final ArrayType STRINGS = DataTypes.createArrayType(DataTypes.StringType, true);

    /** Spark would say "[PATH_NOT_FOUND]" in a stack trace, after starting the job. */
    private static void requireExists(SparkSession spark, String path) {
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path);
        boolean exists;
        try {
            exists = file.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(file);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new CatalogueException(
                    "cannot open catalogue "
                            + path
                            + " ("
                            + e.getMessage()
                            + "); check catalogue.path");
        }
        if (!exists) {
            throw new CatalogueException(
                    "catalogue " + path + " does not exist; check catalogue.path");
        }
    }

    static String formatOf(String path) {
        String name = path.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (name.endsWith(".csv") || name.endsWith(".csv.gz")) return "csv";
        if (name.endsWith(".jsonl")
                || name.endsWith(".json")
                || name.endsWith(".jsonl.gz")
                || name.endsWith(".ndjson")) return "jsonl";
        if (name.endsWith(".parquet")) return "parquet";
        throw new CatalogueException(
                "cannot tell the format of catalogue "
                        + path
                        + " from its name; name it .csv, .jsonl or .parquet or set catalogue.format");
    }

    private static void require(List<String> present, String column, String key, String path) {
        if (!present.contains(column)) {
            throw new CatalogueException(
                    "catalogue "
                            + path
                            + " has no column '"
                            + column
                            + "' ("
                            + key
                            + "); its columns are "
                            + present
                            + ": map the right one with "
                            + key);
        }
    }

    private static Column optional(List<String> present, String column) {
        return present.contains(column)
                ? col(quoted(column)).cast(DataTypes.StringType)
                : lit(null).cast(DataTypes.StringType);
    }

    /** Column names with dots or spaces must be back-quoted in Spark expressions. */
    private static String quoted(String name) {
        return "`" + name.replace("`", "``") + "`";
    }
}
