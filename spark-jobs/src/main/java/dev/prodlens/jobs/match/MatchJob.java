package dev.prodlens.jobs.match;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sort_array;

import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.ParquetOutput;
import dev.prodlens.jobs.Progress;
import dev.prodlens.jobs.evaluate.ShopeeF1;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * match: duplicate listings (issue 21). For every listing of a bundle, the other listings predicted
 * to be the same product: its nearest listings through the bundle's own index (every photo of the
 * listing searched in the executors, each neighbour at its best score), those scoring at least a
 * threshold. The threshold is configured, or chosen where labels exist: the best Shopee F1 on a
 * share of the label groups, reported on the others (never tuned on). The predicted pairs join
 * listings into connected groups.
 *
 * <p>Writes {@code listings.parquet} (item_id, label_group, matches: [{item_id, score}] best first,
 * group_id, group_size) and {@code groups.parquet} (group_id, size, item_ids; groups of two or
 * more) under {@code match.output}/&lt;version&gt;, and a page with the largest groups and the
 * borderline pairs ({@link DuplicatesPage}). Scales with the catalogue: the search runs in the
 * executors; the driver holds the listings' ids and the predicted pairs (those above the threshold)
 * to join the groups.
 */
public final class MatchJob {
    private MatchJob() {}

    /**
     * Matches the listings of {@code bundle} (sealed or still staging); the page goes to {@code
     * pageDir} (null: none). Empty when the bundle has fewer than two listings.
     */
    public static Optional<MatchResult> run(
            SparkSession spark, JobSettings settings, Path bundle, Path pageDir) {
        long start = System.nanoTime();
        Progress.Laps laps = new Progress.Laps("match");
        MatchSettings match = MatchSettings.from(settings);
        BundleManifest manifest = Bundles.readManifest(bundle);
        if (!manifest.index().metric().equalsIgnoreCase("inner_product"))
            throw new JobException(
                    "match needs an inner-product index (scores are cosines), but bundle "
                            + bundle
                            + " has "
                            + manifest.index().metric()
                            + "; rebuild it with reindex");
        List<BundleItem> items = Bundles.readItems(bundle);
        if (items.size() < 2) {
            Progress.stage("match", "skipped: fewer than two listings", 0, "", start);
            return Optional.empty();
        }
        Dataset<Row> listings = listings(spark, items);
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<Labels> labels =
                context.broadcast(Labels.of(items, manifest.adapt(), match.tuneShare()));
        int partitions = spark.sparkContext().defaultParallelism();
        // a listing's photos side by side in one partition: the search merges their answers
        Dataset<Row> photos =
                spark.read()
                        .parquet(settings.embeddingsPath())
                        .filter(col("error_code").isNull())
                        .select("item_id", "embedding")
                        .join(listings, "item_id")
                        .select("ordinal", "embedding")
                        .repartition(partitions, col("ordinal"))
                        .sortWithinPartitions("ordinal");
        int most = manifest.vectors() == null ? 1 : manifest.vectors().maxImagesPerItem();
        NeighbourSearch search =
                new NeighbourSearch(
                        bundle.resolve(BundleFiles.INDEX).toString(),
                        manifest.index().searchParameters(),
                        manifest.imageBits(),
                        match.neighbours(),
                        Math.min(MAX_VECTORS, (match.neighbours() + 1) * most),
                        Bundles.readProjection(bundle, manifest));
        Dataset<Row> neighbours =
                spark.createDataFrame(
                                photos.queryExecution().toRdd().toJavaRDD().mapPartitions(search),
                                NeighbourSearch.SCHEMA)
                        .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            neighbours.count(); // the search runs once, into the cache
            laps.lap("search");
            Threshold threshold = threshold(neighbours, labels, match);
            laps.lap("threshold");
            DuplicateGroups groups = new DuplicateGroups(items.size());
            long predicted = 0;
            for (Iterator<Long> it =
                            neighbours
                                    .mapPartitions(Pairs.above(threshold.value()), Encoders.LONG())
                                    .toLocalIterator();
                    it.hasNext(); ) {
                long pair = it.next();
                groups.join(Pairs.first(pair), Pairs.second(pair));
                predicted++;
            }
            laps.lap("groups");
            String output = match.outputOf(manifest.version());
            GroupCounts counts =
                    write(spark, context, neighbours, groups, items, threshold.value(), output);
            laps.lap("write");
            MatchResult result =
                    new MatchResult(
                            items.size(),
                            threshold.value(),
                            threshold.choice(),
                            threshold.f1().tune().items(),
                            threshold.f1().heldOut().items(),
                            f1(threshold.f1().tune(), threshold.value()),
                            f1(threshold.f1().heldOut(), threshold.value()),
                            f1(threshold.f1().all(match.neighbours()), threshold.value()),
                            threshold.curve(),
                            predicted,
                            counts.duplicateListings(),
                            counts.groups(),
                            counts.largest(),
                            output,
                            (System.nanoTime() - start) / 1e9,
                            Labels.byAdaptSplit(manifest.adapt()) ? "adapt" : "tune-share");
            if (pageDir != null) {
                new DuplicatesPage(
                                settings,
                                spark.sparkContext().hadoopConfiguration(),
                                items,
                                match.reportRows())
                        .write(result, neighbours, groups, pageDir);
                laps.lap("page");
            }
            laps.print();
            Progress.stage(
                    "match",
                    String.format(
                            Locale.ROOT,
                            "%,d listings: %,d in %,d groups of duplicates (largest %,d) at"
                                    + " threshold %.2f (%s)%s; %s",
                            result.listings(),
                            result.duplicateListings(),
                            result.groups(),
                            result.largestGroup(),
                            result.threshold(),
                            result.thresholdChoice(),
                            result.f1HeldOut() == null
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            ", Shopee F1 %.3f on %,d held-out listings",
                                            result.f1HeldOut(),
                                            result.heldOutListings()),
                            output),
                    result.listings(),
                    "listing",
                    start);
            return Optional.of(result);
        } finally {
            neighbours.unpersist();
            listings.unpersist();
            labels.destroy();
        }
    }

    /** The most vectors one photo's search asks Faiss for. */
    static final int MAX_VECTORS = 4096;

    /** The threshold, how it was set, and the F1 sums of the labelled listings. */
    record Threshold(double value, String choice, SplitF1 f1, List<Double> curve) {}

    /**
     * The configured threshold, or the one with the best F1 on the tune groups (all labelled groups
     * when the tune side is empty), or {@link MatchSettings#UNLABELLED_THRESHOLD} without labels.
     * The F1 sums are made either way, to report.
     */
    static Threshold threshold(
            Dataset<Row> neighbours, Broadcast<Labels> labels, MatchSettings match) {
        SplitF1 sums =
                neighbours
                        .mapPartitions(
                                SplitF1.summing(match.neighbours(), labels),
                                Encoders.javaSerialization(SplitF1.class))
                        .collectAsList()
                        .stream() // one per partition
                        .reduce(SplitF1.empty(match.neighbours()), SplitF1::merge);
        ShopeeF1 chooseOn = sums.tune().items() > 0 ? sums.tune() : sums.all(match.neighbours());
        List<Double> curve = new ArrayList<>();
        if (chooseOn.items() > 0) for (double f : chooseOn.result().f1ByThreshold()) curve.add(f);
        if (match.threshold() != null)
            return new Threshold(match.threshold(), "configured", sums, curve);
        if (chooseOn.items() == 0)
            return new Threshold(MatchSettings.UNLABELLED_THRESHOLD, "default", sums, curve);
        return new Threshold(chooseOn.result().threshold(), "chosen", sums, curve);
    }

    private static Double f1(ShopeeF1 sums, double threshold) {
        return sums.items() == 0 ? null : sums.f1At(threshold);
    }

    /** Listings in groups of two or more, those groups, the largest. */
    record GroupCounts(long duplicateListings, long groups, long largest) {}

    /**
     * Writes listings.parquet (from each listing's neighbours, in the executors) and groups.parquet
     * under {@code output}.
     */
    private static GroupCounts write(
            SparkSession spark,
            JavaSparkContext context,
            Dataset<Row> neighbours,
            DuplicateGroups groups,
            List<BundleItem> items,
            double threshold,
            String output) {
        int n = items.size();
        String[] ids = new String[n];
        String[] labelGroups = new String[n];
        String[] groupIds = new String[n];
        int[] sizes = new int[n];
        long duplicates = 0;
        long groupCount = 0;
        long largest = 1;
        for (int i = 0; i < n; i++) {
            ids[i] = items.get(i).id();
            labelGroups[i] = items.get(i).labelGroup();
        }
        for (int i = 0; i < n; i++) {
            sizes[i] = groups.sizeOf(i);
            int group = groups.groupOf(i);
            groupIds[i] = ids[group];
            if (sizes[i] > 1) {
                duplicates++;
                if (group == i) groupCount++;
                largest = Math.max(largest, sizes[i]);
            }
        }
        Broadcast<ListingRows> rows =
                context.broadcast(new ListingRows(ids, labelGroups, groupIds, sizes, threshold));
        try {
            ParquetOutput.replace(
                    spark,
                    neighbours.map(
                            (MapFunction<Row, Row>) r -> rows.value().of(r),
                            ExpressionEncoder.apply(ListingRows.SCHEMA)),
                    output + "/listings.parquet");
        } finally {
            rows.destroy();
        }
        ParquetOutput.replace(
                spark,
                spark.read()
                        .parquet(output + "/listings.parquet")
                        .filter(col("group_size").gt(1))
                        .groupBy("group_id")
                        .agg(
                                count(lit(1)).as("size"),
                                sort_array(collect_list(col("item_id"))).as("item_ids")),
                output + "/groups.parquet");
        return new GroupCounts(duplicates, groupCount, largest);
    }

    private static final StructType LISTINGS =
            new StructType()
                    .add("ordinal", DataTypes.IntegerType, false)
                    .add("item_id", DataTypes.StringType, false);

    /** The bundle's listings: ordinal (line in items.jsonl) and id. */
    private static Dataset<Row> listings(SparkSession spark, List<BundleItem> items) {
        List<Row> rows = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) rows.add(RowFactory.create(i, items.get(i).id()));
        return spark.createDataFrame(rows, LISTINGS).persist(StorageLevel.MEMORY_AND_DISK());
    }
}
