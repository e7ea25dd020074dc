package dev.prodlens.jobs.index;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.jobs.Progress;
import dev.prodlens.jobs.embed.EmbedJob;
import dev.prodlens.jobs.embed.EmbeddingsTable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The items that go into the index: every embedded row joined with its catalogue metadata, sorted
 * by item id and numbered 0…N-1. The number is the item's 64-bit id in Faiss and its line in {@code
 * items.jsonl}; sorting makes it the same on any cluster for the same input.
 */
public final class IndexedItems {
    private static final StructType METADATA =
            new StructType()
                    .add("ordinal", DataTypes.LongType, false)
                    .add("item_id", DataTypes.StringType, false)
                    .add("title", DataTypes.StringType, true)
                    .add("category", DataTypes.StringType, true)
                    .add("price", DataTypes.DoubleType, true)
                    .add("image", DataTypes.StringType, true)
                    .add("label_group", DataTypes.StringType, true);

    /** Buckets of the per-item hash that splits training sample and held-out queries. */
    private static final long HASH_BUCKETS = 1L << 20;

    private IndexedItems() {}

    /**
     * Reads the embeddings table (checked to be of {@code card}'s model) and the catalogue; the
     * result is cached.
     */
    public static Dataset<Row> load(SparkSession spark, EmbedJob.Spec spec, ModelCard card) {
        Progress.Laps laps = new Progress.Laps("build-index load");
        Dataset<Row> table = EmbeddingsTable.read(spark, spec.output(), card);
        laps.lap("model check");
        // Number the narrow metadata rows, then attach the wide embeddings with a broadcast join:
        // sorting or converting the vectors themselves would move every float several times.
        Dataset<Row> embedded =
                table.filter(col("error_code").isNull()).select("item_id", "embedding");
        Dataset<Row> catalogue =
                EmbedJob.catalogue(spark, spec)
                        .filter(col("error_code").isNull())
                        .select("item_id", "title", "category", "price", "image", "label_group");
        Dataset<Row> sorted =
                embedded.select("item_id")
                        .join(catalogue, "item_id")
                        .orderBy("item_id")
                        .select("item_id", "title", "category", "price", "image", "label_group");
        JavaRDD<Row> numbered =
                sorted.javaRDD()
                        .zipWithIndex()
                        .map(
                                t -> {
                                    Row r = t._1();
                                    return RowFactory.create(
                                            t._2(), r.get(0), r.get(1), r.get(2), r.get(3),
                                            r.get(4), r.get(5));
                                });
        Dataset<Row> metadata =
                spark.createDataFrame(numbered, METADATA).persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> items =
                embedded.join(broadcast(metadata), "item_id")
                        .select(
                                "ordinal",
                                "item_id",
                                "embedding",
                                "title",
                                "category",
                                "price",
                                "image",
                                "label_group")
                        .persist(StorageLevel.MEMORY_AND_DISK());
        items.count();
        metadata.unpersist();
        laps.lap("catalogue read, numbered, joined with the vectors and cached");
        laps.print();
        return items;
    }

    /** A deterministic uniform number in [0, 1) per item, to draw disjoint samples by ranges. */
    static org.apache.spark.sql.Column uniform() {
        return pmod(xxhash64(col("ordinal"), lit(0x5eedL)), lit(HASH_BUCKETS))
                .divide(lit((double) HASH_BUCKETS));
    }
}
