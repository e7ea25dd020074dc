package dev.prodlens.jobs.catalogue;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode_outer;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.api.java.UDF8;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;

/**
 * The catalogue as the jobs use it: one row per image of every catalogue row read ({@link
 * CatalogueReader}; {@code image_index} is the image's place in its row's list, from 0; a row
 * listing no image is one row without one), each checked ({@link RowCheck}) and, among catalogue
 * rows of one id, every image of all but the first in file order (by file name, then position in
 * the file) refused as {@link RowCheck.Error#DUPLICATE_ID}. Rows with an {@code error_code} are
 * refused; the others are embedded, with their warning if any.
 */
public final class CatalogueRows {
    /**
     * The columns: {@code image} is what the bundle stores ({@link ImageRefs#bundleRef}), {@code
     * path} where the image is read, {@code price} a number or null.
     */
    public static final List<String> COLUMNS =
            List.of(
                    "item_id",
                    "image_index",
                    "image",
                    "path",
                    "title",
                    "label_group",
                    "category",
                    "price",
                    "error_code",
                    "error",
                    "warning_code",
                    "warning");

    private CatalogueRows() {}

    /** {@code root}: the images root ({@link ImageRefs#root}). */
    public static Dataset<Row> read(
            SparkSession spark,
            String catalogue,
            String format,
            CatalogueColumns columns,
            String root) {
        return read(spark, catalogue, format, columns, ImageColumn.DEFAULTS, root, LogFold.NONE);
    }

    /**
     * As above, the image column read as {@code images} says, with the update log folded in ({@link
     * LogFold}): its rows are checked as the catalogue's are (a relative image reference resolves
     * under the images root).
     */
    public static Dataset<Row> read(
            SparkSession spark,
            String catalogue,
            String format,
            CatalogueColumns columns,
            ImageColumn images,
            String root,
            LogFold fold) {
        RowCheck check = new RowCheck(columns, root, images.maxImages());
        Column file = element_at(split(col("source_file"), "/"), -1);
        Dataset<Row> read =
                fold.apply(spark, CatalogueReader.read(spark, catalogue, format, columns, images));
        // outer: a row listing no image stays, as one row without an image (MISSING_IMAGE)
        Dataset<Row> exploded =
                read.select(
                                col("*"),
                                posexplode_outer(col("images")).as(new String[] {"at", "image"}))
                        .withColumn("image_index", coalesce(col("at"), lit(0)))
                        .drop("images", "at");
        Dataset<Row> checked =
                exploded.withColumn("source_name", file)
                        .withColumn(
                                "check",
                                udf(
                                                (UDF8<
                                                                String,
                                                                String,
                                                                String,
                                                                Integer,
                                                                String,
                                                                String,
                                                                String,
                                                                String,
                                                                Row>)
                                                        check::check,
                                                RowCheck.RESULT)
                                        .apply(
                                                col("source_name"),
                                                col("item_id"),
                                                col("image"),
                                                col("image_index"),
                                                col("price"),
                                                col("title"),
                                                col("category"),
                                                col("label_group")))
                        .withColumn(
                                "item_id",
                                when(
                                                col("check.error_code")
                                                        .equalTo(RowCheck.Error.MISSING_ID.name()),
                                                lit(null))
                                        .otherwise(col("item_id")));

        // a row's images share its source position: every one of a later row is the duplicate
        WindowSpec byId =
                Window.partitionBy("item_id").orderBy("source_file", "source_row", "image_index");
        Column duplicate =
                col("item_id")
                        .isNotNull()
                        .and(
                                col("source_file")
                                        .notEqual(first("source_file").over(byId))
                                        .or(
                                                col("source_row")
                                                        .notEqual(first("source_row").over(byId))));
        Column message =
                udf(
                                (UDF4<String, String, String, String, String>) RowCheck::duplicate,
                                DataTypes.StringType)
                        .apply(
                                col("item_id"),
                                first("image").over(byId),
                                first("source_name").over(byId),
                                col("image"));
        return checked.select(
                col("item_id"),
                col("image_index"),
                col("check.image_ref").as("image"),
                col("check.path").as("path"),
                col("title"),
                col("label_group"),
                col("category"),
                col("check.price").as("price"),
                when(duplicate, lit(RowCheck.Error.DUPLICATE_ID.name()))
                        .otherwise(col("check.error_code"))
                        .as("error_code"),
                when(duplicate, message).otherwise(col("check.error")).as("error"),
                col("check.warning_code").as("warning_code"),
                col("check.warning").as("warning"));
    }
}
