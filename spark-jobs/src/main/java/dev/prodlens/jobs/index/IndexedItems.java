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
 *
 * <p>Only the numbered metadata is cached (about a hundred bytes per item). The vectors are read
 * from the embeddings table on each pass ({@link #vectors()}, {@link #rows()}): a cached copy of
 * every vector cost more memory than the index itself (issue 20: 1M × 1,280 floats, 5 GB of cache
 * beside a 2.4 GB index) and took longer to build than the few streamed passes build-index makes.
 * Callers that pass over the rows many times (the adapt stage) cache them themselves.
 */
public final class IndexedItems implements AutoCloseable {
    private static final StructType METADATA =
            new StructType()
                    .add("ordinal", DataTypes.LongType, false)
                    .add("item_id", DataTypes.StringType, false)
                    .add("title", DataTypes.StringType, true)
                    .add("category", DataTypes.StringType, true)
                    .add("price", DataTypes.DoubleType, true)
                    .add("image", DataTypes.StringType, true)
                    .add("label_group", DataTypes.StringType, true);

    /** The metadata columns, in items.jsonl's order after the ordinal. */
    static final String[] METADATA_COLUMNS = {
        "item_id", "title", "category", "price", "image", "label_group"
    };

    /** Buckets of the per-item hash that splits training sample and held-out queries. */
    private static final long HASH_BUCKETS = 1L << 20;

    private final Dataset<Row> metadata;
    private final Dataset<Row> embedded;
    private final long count;

    private IndexedItems(Dataset<Row> metadata, Dataset<Row> embedded, long count) {
        this.metadata = metadata;
        this.embedded = embedded;
        this.count = count;
    }

    /**
     * Reads the embeddings table (checked to be of {@code card}'s model) and the catalogue, and
     * numbers the items; the numbered metadata is cached until {@link #close()}.
     */
    public static IndexedItems load(SparkSession spark, EmbedJob.Spec spec, ModelCard card) {
        Progress.Laps laps = new Progress.Laps("build-index load");
        Dataset<Row> table = EmbeddingsTable.read(spark, spec.output(), card);
        laps.lap("model check");
        // Number the narrow metadata rows; the wide embeddings join them by item id on each pass
        // (a broadcast join): sorting the vectors themselves would move every float several times.
        Dataset<Row> embedded =
                table.filter(col("error_code").isNull()).select("item_id", "embedding");
        Dataset<Row> catalogue =
                EmbedJob.catalogue(spark, spec)
                        .filter(col("error_code").isNull())
                        .select(
                                col("item_id"),
                                col("title"),
                                col("category"),
                                col("price"),
                                col("image"),
                                col("label_group"));
        // As many partitions as cores, not spark.sql.shuffle.partitions: the metadata is small, and
        // every partition costs each later pass a task and items.jsonl's write a job of its own.
        Dataset<Row> sorted =
                embedded.select("item_id")
                        .join(catalogue, "item_id")
                        .repartitionByRange(
                                spark.sparkContext().defaultParallelism(), col("item_id"))
                        .sortWithinPartitions("item_id")
                        .select("item_id", "title", "category", "price", "image", "label_group")
                        // zipWithIndex runs its input twice (partition sizes, then the rows):
                        // cached, the catalogue is read, checked and sorted once
                        .persist(StorageLevel.MEMORY_AND_DISK());
        sorted.count();
        laps.lap("catalogue read and checked, joined with the table's ids, sorted");
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
        long count = metadata.count();
        sorted.unpersist();
        laps.lap("numbered");
        laps.print();
        return new IndexedItems(metadata, embedded, count);
    }

    /** How many items: the index's size. */
    public long count() {
        return count;
    }

    /**
     * The numbered metadata (ordinal and {@link #METADATA_COLUMNS}), cached, in ordinal order
     * partition by partition.
     */
    public Dataset<Row> metadata() {
        return metadata;
    }

    /**
     * (ordinal, embedding) of every item, read from the embeddings table on each action; only (item
     * id, ordinal) pairs are broadcast to join them.
     */
    public Dataset<Row> vectors() {
        return embedded.join(broadcast(metadata.select("item_id", "ordinal")), "item_id")
                .select("ordinal", "embedding");
    }

    /** Every column (ordinal, item_id, embedding, then the metadata), read on each action. */
    public Dataset<Row> rows() {
        return embedded.join(broadcast(metadata), "item_id")
                .select(
                        "ordinal",
                        "item_id",
                        "embedding",
                        "title",
                        "category",
                        "price",
                        "image",
                        "label_group");
    }

    /** Releases the cached metadata. */
    @Override
    public void close() {
        metadata.unpersist();
    }

    /** A deterministic uniform number in [0, 1) per item, to draw disjoint samples by ranges. */
    static org.apache.spark.sql.Column uniform() {
        return pmod(xxhash64(col("ordinal"), lit(0x5eedL)), lit(HASH_BUCKETS))
                .divide(lit((double) HASH_BUCKETS));
    }
}
