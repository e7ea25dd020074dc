package dev.prodlens.jobs.index;

import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.Progress;
import dev.prodlens.jobs.adapt.AdaptSettings;
import dev.prodlens.jobs.adapt.AdaptStage;
import dev.prodlens.jobs.adapt.CandidateScorer;
import dev.prodlens.jobs.adapt.ProjectedItems;
import dev.prodlens.jobs.embed.EmbedJob;
import dev.prodlens.jobs.embed.EmbeddingsTable;
import dev.prodlens.jobs.evaluate.Evaluator;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * build-index: embeddings table + catalogue → a bundle directory with {@code index.faiss}, {@code
 * items.jsonl} and {@code manifest.json}. Plans the index ({@link IndexPlanner}), trains it on a
 * sample, adds the vectors (encoded in parallel by the executors for inverted lists, on the driver
 * for Flat/HNSW), then tunes its search parameters on held-out queries against exact search.
 */
public final class BuildIndexJob {
    /**
     * The filled bundle directory (not yet sealed), its manifest, and the cached numbered items.
     */
    public record Built(Path directory, BundleManifest manifest, Dataset<Row> items) {}

    private BuildIndexJob() {}

    /**
     * The index settings, checked: the keys' values, and the configured factory against Faiss at
     * the model's dimension. Cheap (no Spark, an empty index): callers run it before any work.
     */
    public static IndexSettings check(JobSettings settings) {
        IndexSettings index = IndexSettings.from(settings.config());
        AdaptSettings.from(settings.config());
        index.requireBuildable(ModelCard.read(embedderConfig(settings).modelDir()).dim());
        return index;
    }

    /**
     * Builds into {@code directory}, a staging directory the caller seals into a bundle version.
     */
    public static Built run(
            SparkSession spark, JobSettings settings, Path directory, String version) {
        return run(spark, settings, check(settings), directory, version);
    }

    /**
     * As above, with the settings {@link #check} returned. The steps, each below: load the items,
     * plan the index, train it on a sample, add every vector, tune its search parameters on
     * held-out queries, write the bundle's files.
     */
    public static Built run(
            SparkSession spark,
            JobSettings settings,
            IndexSettings indexSettings,
            Path directory,
            String version) {
        return run(spark, settings, indexSettings, EmbedJob.Spec.of(settings), directory, version);
    }

    /**
     * As above, reading the catalogue as {@code spec} says: reindex's, with the update log folded
     * in, which the manifest records ({@link BundleManifest#live()}).
     */
    public static Built run(
            SparkSession spark,
            JobSettings settings,
            IndexSettings indexSettings,
            EmbedJob.Spec spec,
            Path directory,
            String version) {
        long start = System.nanoTime();
        EmbedderConfig embedder = embedderConfig(settings);
        ModelCard card = ModelCard.read(embedder.modelDir());
        Dataset<Row> items = load(spark, spec, card, start);
        AdaptStage.Outcome adapted = adapt(spark, settings, items, card.dim());
        if (adapted != null && adapted.projection() != null) {
            Dataset<Row> projected = ProjectedItems.of(items, adapted.projection());
            items.unpersist();
            items = projected;
        }
        int dim = adapted == null ? card.dim() : adapted.entry().dim();
        if (dim != card.dim()) indexSettings.requireBuildable(dim);
        long n = items.count();
        IndexPlan plan = indexSettings.planner().plan(n, dim);
        System.out.println("build-index: " + plan.reason());
        Samples samples = Samples.of(plan, indexSettings, n);
        try (FaissIndex index = FaissIndex.create(dim, plan.factory(), Metric.INNER_PRODUCT)) {
            train(index, items, plan, samples, dim);
            add(spark, items, index, plan, dim);
            Tuned tuned = tune(spark, index, items, plan, indexSettings, samples, dim, n);
            if (adapted != null && adapted.projection() != null) {
                adapted.projection().write(directory.resolve(BundleFiles.PROJECTION));
            }
            BundleManifest manifest =
                    write(
                            spark,
                            settings,
                            spec,
                            directory,
                            version,
                            index,
                            items,
                            plan,
                            tuned,
                            card,
                            embedder,
                            adapted == null ? null : adapted.entry(),
                            start);
            return new Built(directory, manifest, items);
        }
    }

    /**
     * The adapt stage ({@code adapt.*}), on the loaded items: null when {@code adapt.method = off},
     * else what it chose (the index then holds the chosen projection's vectors).
     */
    private static AdaptStage.Outcome adapt(
            SparkSession spark, JobSettings settings, Dataset<Row> items, int dim) {
        AdaptSettings adapt = AdaptSettings.from(settings.config());
        if (!adapt.enabled()) return null;
        return AdaptStage.run(
                spark,
                adapt,
                new CandidateScorer(Evaluator.Settings.from(settings.config())),
                items,
                dim);
    }

    /** The embedded items joined with the catalogue and numbered (cached). */
    private static Dataset<Row> load(
            SparkSession spark, EmbedJob.Spec spec, ModelCard card, long start) {
        Dataset<Row> items = IndexedItems.load(spark, spec, card);
        long n = items.count();
        Progress.stage(
                "build-index load",
                String.format(
                        Locale.ROOT, "%,d embedded items joined with the catalogue, numbered", n),
                n,
                "item",
                start);
        return items;
    }

    /**
     * Which items train the index and which are held out to tune it, as fractions of the items'
     * uniform hash: the training sample from the bottom, the queries from the top, never the same.
     */
    private record Samples(double trainFraction, double queryFraction) {
        static Samples of(IndexPlan plan, IndexSettings settings, long n) {
            double train =
                    plan.trainVectors() == 0 ? 0 : Math.min(0.5, 1.2 * plan.trainVectors() / n);
            return new Samples(train, Math.min(1 - train, 1.2 * settings.tuneQueries() / n));
        }
    }

    /** Trains the index on up to the plan's sample size, when its type needs training. */
    private static void train(
            FaissIndex index, Dataset<Row> items, IndexPlan plan, Samples samples, int dim) {
        if (plan.trainVectors() == 0) return;
        long start = System.nanoTime(); // its own time, as add and tune report theirs
        float[] sample =
                VectorChunks.collect(
                        items.filter(IndexedItems.uniform().lt(samples.trainFraction())),
                        dim,
                        plan.trainVectors());
        index.train(sample);
        int trained = sample.length / dim;
        Progress.stage(
                "build-index train",
                String.format(Locale.ROOT, "%s on %,d vectors", plan.factory(), trained),
                trained,
                "vec",
                start);
    }

    /** The search parameters chosen, and what they were tuned on. */
    private record Tuned(Tuner.Tuning tuning, int k, int queries, double target) {}

    /**
     * Tunes the search parameters to the target recall@k against exact search of held-out queries.
     */
    private static Tuned tune(
            SparkSession spark,
            FaissIndex index,
            Dataset<Row> items,
            IndexPlan plan,
            IndexSettings settings,
            Samples samples,
            int dim,
            long n) {
        long start = System.nanoTime();
        float[] queries =
                VectorChunks.collect(
                        items.filter(IndexedItems.uniform().geq(1 - samples.queryFraction())),
                        dim,
                        settings.tuneQueries());
        int held = queries.length / dim;
        int k = (int) Math.min(settings.tuneK(), n);
        double target = settings.targetRecall();
        ExactNeighbours.Result exact = ExactNeighbours.search(spark, items, queries, dim, k);
        Tuner.Tuning tuning =
                Tuner.tune(index, plan.kind(), lists(plan), queries, exact, k, target);
        Progress.stage(
                "build-index tune",
                String.format(
                        Locale.ROOT,
                        "recall@%d %.3f vs exact (target %.2f%s) at %s on %,d held-out "
                                + "queries; tried %s",
                        k,
                        tuning.recall(),
                        target,
                        tuning.reached() ? "" : ", NOT reached",
                        tuning.searchParameters().isEmpty()
                                ? "no search parameters (exact)"
                                : tuning.searchParameters(),
                        held,
                        tuning.tried()),
                held,
                "query",
                start);
        return new Tuned(tuning, k, held, target);
    }

    /**
     * Writes index.faiss, items.jsonl (in ordinal order: the index's ids) and manifest.json into
     * {@code directory}.
     */
    private static BundleManifest write(
            SparkSession spark,
            JobSettings settings,
            EmbedJob.Spec spec,
            Path directory,
            String version,
            FaissIndex index,
            Dataset<Row> items,
            IndexPlan plan,
            Tuned tuned,
            ModelCard card,
            EmbedderConfig embedder,
            BundleManifest.Adapt adapt,
            long start) {
        index.write(directory.resolve(BundleFiles.INDEX));
        // the metadata only: sorting the rows with their vectors would shuffle every float and turn
        // each into a boxed Float on the way to the driver
        Iterator<Row> rows =
                items.select(
                                "ordinal",
                                "item_id",
                                "title",
                                "category",
                                "price",
                                "image",
                                "label_group")
                        .orderBy("ordinal")
                        .toLocalIterator();
        Bundles.writeItems(
                directory,
                new Iterator<>() {
                    public boolean hasNext() {
                        return rows.hasNext();
                    }

                    public BundleItem next() {
                        Row r = rows.next();
                        return new BundleItem(
                                r.getAs("item_id"),
                                r.getAs("title"),
                                r.getAs("category"),
                                r.getAs("price"),
                                r.getAs("image"),
                                r.getAs("label_group"));
                    }
                });
        double seconds = (System.nanoTime() - start) / 1e9;
        EmbeddingsTable.Summary counts = EmbeddingsTable.summarise(spark, spec.output(), 0);
        BundleManifest manifest =
                new BundleManifest(
                        BundleManifest.FORMAT_VERSION,
                        version,
                        Instant.now().toString(),
                        new BundleManifest.Model(
                                card.id(),
                                card.fingerprint(),
                                card.dim(),
                                embedder.engine().name(),
                                card.json()),
                        new BundleManifest.Index(
                                plan.factory(),
                                plan.reason(),
                                "inner_product",
                                index.size(),
                                tuned.tuning().searchParameters(),
                                seconds,
                                tuned.tuning().recall(),
                                tuned.k(),
                                tuned.queries(),
                                tuned.target(),
                                index.memoryUsageBytes()),
                        new BundleManifest.Catalogue(
                                settings.catalogueName(),
                                settings.cataloguePath(),
                                counts.rows(),
                                index.size(),
                                counts.failedByCode(),
                                counts.warnedByCode(),
                                EmbedJob.imagesRoot(spec)),
                        spec.fold().manifestEntry(),
                        adapt);
        Bundles.writeManifest(directory, manifest);
        Progress.stage(
                "build-index",
                String.format(
                        Locale.ROOT,
                        "%,d items, %s, %,d MB",
                        index.size(),
                        plan.factory(),
                        index.memoryUsageBytes() >> 20),
                index.size(),
                "vec",
                start);
        return manifest;
    }

    private static EmbedderConfig embedderConfig(JobSettings settings) {
        return EmbedderConfig.fromResolved(settings.embedderSettings());
    }

    /**
     * Adds every vector: on the driver for Flat and HNSW, encoded by the executors and merged for
     * inverted lists.
     */
    private static void add(
            SparkSession spark, Dataset<Row> items, FaissIndex index, IndexPlan plan, int dim) {
        long start = System.nanoTime();
        String how;
        if (plan.kind() == IndexPlan.Kind.IVF) {
            addShards(spark, items, index, dim);
            how = "encoded in the executors, merged";
        } else {
            // one chunk at a time: fetching the next while Faiss adds this one was measured (issue
            // 20, 2 cores) to gain nothing, since Faiss's add already uses every core
            VectorChunks.Added added =
                    VectorChunks.addAll(index, VectorChunks.of(items, dim).toLocalIterator(), dim);
            how =
                    String.format(
                            Locale.ROOT,
                            "on the driver: %.1f s reading, %.1f s in Faiss",
                            added.readSeconds(),
                            added.addSeconds());
        }
        Progress.stage(
                "build-index add",
                String.format(Locale.ROOT, "%,d vectors (%s)", index.size(), how),
                index.size(),
                "vec",
                start);
    }

    /** Inverted lists: each partition encoded into a shard of the trained index, then merged. */
    private static void addShards(
            SparkSession spark, Dataset<Row> items, FaissIndex index, int dim) {
        Broadcast<byte[]> trained =
                JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(index.toBytes());
        Iterator<byte[]> shards =
                Vectors.internalRows(items)
                        .mapPartitions(new ShardEncoder(trained, dim))
                        .toLocalIterator();
        while (shards.hasNext()) {
            try (FaissIndex shard = FaissIndex.fromBytes(shards.next())) {
                index.mergeFrom(shard);
            }
        }
        trained.destroy();
    }

    /**
     * The number of inverted lists in an IVF factory string ("IVF1024,SQ8" → 1024), 1 otherwise.
     */
    static int lists(IndexPlan plan) {
        var m = java.util.regex.Pattern.compile("IVF(\\d+)").matcher(plan.factory());
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }
}
