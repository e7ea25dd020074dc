package dev.prodlens.jobs.index;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.shiftleft;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.xxhash64;

import dev.prodlens.core.bundle.VectorIds;
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
 * The items that go into the index: every item with at least one embedded image, joined with its
 * catalogue metadata, sorted by item id and numbered 0…N-1: the item's ordinal, its line in {@code
 * items.jsonl}; sorting makes it the same on any cluster for the same input. An item's embedded
 * images are numbered 0…m-1 in catalogue order (an image that failed leaves no gap), and image i of
 * the item at ordinal o is the vector {@link VectorIds#of}(o, i, {@link VectorIds#IMAGE_BITS}) in
 * Faiss.
 *
 * <p>Only the numbered metadata and the (item, image) → vector id map are cached (about a hundred
 * bytes per item, a few tens per image). The vectors are read from the embeddings table on each
 * pass ({@link #vectors()}, {@link #rows()}): a cached copy of every vector cost more memory than
 * the index itself (issue 20: 1M × 1,280 floats, 5 GB of cache beside a 2.4 GB index) and took
 * longer to build than the few streamed passes build-index makes. Callers that pass over the rows
 * many times (the adapt stage) cache them themselves.
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
                    .add("label_group", DataTypes.StringType, true)
                    .add("images", DataTypes.createArrayType(DataTypes.StringType, false), false)
                    .add(
                            "image_indexes",
                            DataTypes.createArrayType(DataTypes.IntegerType, false),
                            false);

    /** The metadata columns, in items.jsonl's order after the ordinal. */
    static final String[] METADATA_COLUMNS = {
        "item_id", "title", "category", "price", "image", "label_group", "images"
    };

    /** Buckets of the per-vector hash that splits training sample and held-out queries. */
    private static final long HASH_BUCKETS = 1L << 20;

    private final Dataset<Row> metadata;
    private final Dataset<Row> vectorIds;
    private final Dataset<Row> embedded;
    private final long count;
    private final long vectorCount;
    private final int maxImagesPerItem;

    private IndexedItems(
            Dataset<Row> metadata,
            Dataset<Row> vectorIds,
            Dataset<Row> embedded,
            long count,
            long vectorCount,
            int maxImagesPerItem) {
        this.metadata = metadata;
        this.vectorIds = vectorIds;
        this.embedded = embedded;
        this.count = count;
        this.vectorCount = vectorCount;
        this.maxImagesPerItem = maxImagesPerItem;
    }

    /**
     * Reads the embeddings table (checked to be of {@code card}'s model) and the catalogue, and
     * numbers the items and their images; the numbered metadata is cached until {@link #close()}.
     */
    public static IndexedItems load(SparkSession spark, EmbedJob.Spec spec, ModelCard card) {
        Progress.Laps laps = new Progress.Laps("build-index load");
        Dataset<Row> table = EmbeddingsTable.read(spark, spec.output(), card);
        laps.lap("model check");
        // Number the narrow metadata rows; the wide embeddings join them by (item id, image) on
        // each pass (a broadcast join): sorting the vectors themselves would move every float
        // several times.
        Dataset<Row> embedded =
                table.filter(col("error_code").isNull())
                        .select("item_id", "image_index", "embedding");
        Dataset<Row> catalogue =
                EmbedJob.catalogue(spark, spec)
                        .filter(col("error_code").isNull())
                        .select(
                                col("item_id"),
                                col("image_index"),
                                col("title"),
                                col("category"),
                                col("price"),
                                col("image"),
                                col("label_group"));
        // an item's fields come from its one catalogue row (a later row of its id is refused), so
        // any image's are the item's; its images sort by their place in the row
        Dataset<Row> items =
                embedded.select("item_id", "image_index")
                        .join(catalogue, BY_IMAGE)
                        .groupBy("item_id")
                        .agg(
                                first("title").as("title"),
                                first("category").as("category"),
                                first("price").as("price"),
                                first("label_group").as("label_group"),
                                sort_array(collect_list(struct("image_index", "image")))
                                        .as("images"));
        // As many partitions as cores, not spark.sql.shuffle.partitions: the metadata is small, and
        // every partition costs each later pass a task and items.jsonl's write a job of its own.
        Dataset<Row> sorted =
                items.repartitionByRange(spark.sparkContext().defaultParallelism(), col("item_id"))
                        .sortWithinPartitions("item_id")
                        .select(
                                col("item_id"),
                                col("title"),
                                col("category"),
                                col("price"),
                                col("images.image").getItem(0).as("image"),
                                col("label_group"),
                                col("images.image").as("images"),
                                col("images.image_index").as("image_indexes"))
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
                                    Object[] values = new Object[r.size() + 1];
                                    values[0] = t._2();
                                    for (int i = 0; i < r.size(); i++) values[i + 1] = r.get(i);
                                    return RowFactory.create(values);
                                });
        Dataset<Row> metadata =
                spark.createDataFrame(numbered, METADATA).persist(StorageLevel.MEMORY_AND_DISK());
        long count = metadata.count();
        sorted.unpersist();
        laps.lap("numbered");
        Dataset<Row> vectorIds =
                metadata.select(
                                col("ordinal"),
                                col("item_id"),
                                posexplode(col("image_indexes"))
                                        .as(new String[] {"image", "image_index"}))
                        .select(
                                col("item_id"),
                                col("image_index"),
                                shiftleft(col("ordinal"), VectorIds.IMAGE_BITS)
                                        .bitwiseOR(col("image"))
                                        .as("vector_id"))
                        .persist(StorageLevel.MEMORY_AND_DISK());
        long vectorCount = vectorIds.count();
        Row most = metadata.agg(max(size(col("images")))).first();
        int maxImages = most.isNullAt(0) ? 0 : most.getInt(0);
        laps.lap("images numbered");
        laps.print();
        return new IndexedItems(metadata, vectorIds, embedded, count, vectorCount, maxImages);
    }

    /** How many items: lines of items.jsonl. */
    public long count() {
        return count;
    }

    /** How many vectors: every embedded image of every item, the index's size. */
    public long vectorCount() {
        return vectorCount;
    }

    /** The most images one item has in the index. */
    public int maxImagesPerItem() {
        return maxImagesPerItem;
    }

    /**
     * The numbered metadata (ordinal and {@link #METADATA_COLUMNS}, then the catalogue {@code
     * image_index} of each of {@code images}), cached, in ordinal order partition by partition.
     */
    public Dataset<Row> metadata() {
        return metadata;
    }

    /** (item_id, image_index, vector_id) of every image in the index, cached. */
    public Dataset<Row> vectorIds() {
        return vectorIds;
    }

    /**
     * (vector_id, embedding) of every image, read from the embeddings table on each action; only
     * the (item id, image, vector id) map is broadcast to join them.
     */
    public Dataset<Row> vectors() {
        return embedded.join(broadcast(vectorIds), BY_IMAGE).select("vector_id", "embedding");
    }

    /**
     * Every image with its item's metadata (vector_id, item_id, embedding, title, category, price,
     * image, label_group), read on each action.
     */
    public Dataset<Row> rows() {
        Dataset<Row> described =
                vectorIds.join(
                        metadata.select(
                                "item_id", "title", "category", "price", "image", "label_group"),
                        "item_id");
        return embedded.join(broadcast(described), BY_IMAGE)
                .select(
                        "vector_id",
                        "item_id",
                        "embedding",
                        "title",
                        "category",
                        "price",
                        "image",
                        "label_group");
    }

    /** What an image of an item is known by in the table and the catalogue. */
    private static final String[] BY_IMAGE = {"item_id", "image_index"};

    /** Releases the cached metadata. */
    @Override
    public void close() {
        vectorIds.unpersist();
        metadata.unpersist();
    }

    /** A deterministic uniform number in [0, 1) per vector, to draw disjoint samples by ranges. */
    static org.apache.spark.sql.Column uniform() {
        return pmod(xxhash64(col("vector_id"), lit(0x5eedL)), lit(HASH_BUCKETS))
                .divide(lit((double) HASH_BUCKETS));
    }
}
