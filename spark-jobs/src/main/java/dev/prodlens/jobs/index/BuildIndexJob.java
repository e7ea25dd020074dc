package dev.prodlens.jobs.index;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.bundle.VectorIds;
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
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * build-index: embeddings table + catalogue → a bundle directory with {@code index.faiss}, {@code
 * items.jsonl} and {@code manifest.json}. The index holds one vector per embedded image of every
 * item ({@link IndexedItems}: ids {@link VectorIds#of}(ordinal, image)). Plans the index ({@link
 * IndexPlanner}) for that many vectors, trains it on a sample, adds the vectors (encoded in
 * parallel by the executors for inverted lists, on the driver for Flat/HNSW), then tunes its search
 * parameters on held-out queries against exact search.
 */
public final class BuildIndexJob {
    /** The filled bundle directory (not yet sealed) and its manifest. */
    public record Built(Path directory, BundleManifest manifest) {}

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
        try (IndexedItems items = load(spark, spec, card, start)) {
            Adapted adapted = adapt(spark, settings, items, card.dim());
            try {
                return build(
                        spark,
                        settings,
                        indexSettings,
                        spec,
                        directory,
                        version,
                        items,
                        adapted,
                        card,
                        embedder,
                        start);
            } finally {
                adapted.vectors().unpersist();
            }
        }
    }

    /** The steps after load and adapt: plan, sample, train, add, tune, write. */
    private static Built build(
            SparkSession spark,
            JobSettings settings,
            IndexSettings indexSettings,
            EmbedJob.Spec spec,
            Path directory,
            String version,
            IndexedItems items,
            Adapted adapted,
            ModelCard card,
            EmbedderConfig embedder,
            long start) {
        int dim = adapted.dim();
        if (dim != card.dim()) indexSettings.requireBuildable(dim);
        // the index holds every image of every item: it is planned, sampled and tuned by vectors
        long n = items.vectorCount();
        IndexPlan plan = indexSettings.planner().plan(n, dim);
        System.out.println("build-index: " + plan.reason());
        Samples samples =
                Samples.choose(
                        items.vectorIds(),
                        n,
                        dim,
                        plan.trainVectors(),
                        indexSettings.tuneQueries());
        try (FaissIndex index = FaissIndex.create(dim, plan.factory(), Metric.INNER_PRODUCT)) {
            train(index, adapted.vectors(), plan, samples, dim);
            int k = (int) Math.min(indexSettings.tuneK(), n);
            ExactNeighbours.Result exact =
                    add(spark, adapted.vectors(), index, plan, samples, dim, k);
            Tuned tuned =
                    tune(
                            spark,
                            index,
                            adapted.vectors(),
                            plan,
                            indexSettings,
                            samples,
                            exact,
                            dim,
                            k);
            if (adapted.projection() != null) {
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
                            adapted.entry(),
                            start);
            return new Built(directory, manifest);
        }
    }

    /**
     * The vectors to index, (vector_id, embedding): the model's, read from the table on each pass,
     * or the adapt stage's projection of them (cached: projecting again on every pass would cost
     * more than the cache); what the stage chose (null entry when it is off), and their dimension.
     */
    private record Adapted(
            Dataset<Row> vectors, Projection projection, BundleManifest.Adapt entry, int dim) {}

    /**
     * The adapt stage ({@code adapt.*}) on the loaded items, their rows cached for its many passes
     * and released after it.
     */
    private static Adapted adapt(
            SparkSession spark, JobSettings settings, IndexedItems items, int dim) {
        AdaptSettings adapt = AdaptSettings.from(settings.config());
        if (!adapt.enabled()) return new Adapted(items.vectors(), null, null, dim);
        return AdaptStage.runCached(
                spark,
                adapt,
                new CandidateScorer(Evaluator.Settings.from(settings.config())),
                items,
                dim,
                (outcome, rows) ->
                        outcome.projection() == null
                                ? new Adapted(items.vectors(), null, outcome.entry(), dim)
                                : new Adapted(
                                        ProjectedItems.of(
                                                rows.select("vector_id", "embedding"),
                                                outcome.projection()),
                                        outcome.projection(),
                                        outcome.entry(),
                                        outcome.entry().dim()));
    }

    /** The embedded items joined with the catalogue and numbered (their metadata cached). */
    private static IndexedItems load(
            SparkSession spark, EmbedJob.Spec spec, ModelCard card, long start) {
        IndexedItems items = IndexedItems.load(spark, spec, card);
        Progress.stage(
                "build-index load",
                String.format(
                        Locale.ROOT,
                        "%,d embedded items (%,d images, at most %d per item) joined with the"
                                + " catalogue, numbered",
                        items.count(),
                        items.vectorCount(),
                        items.maxImagesPerItem()),
                items.count(),
                "item",
                start);
        return items;
    }

    /**
     * Trains the index, when its type needs training, on a sample drawn in one pass with the tuning
     * queries.
     */
    private static void train(
            FaissIndex index, Dataset<Row> vectors, IndexPlan plan, Samples samples, int dim) {
        if (plan.trainVectors() == 0) return;
        long start = System.nanoTime(); // its own time, as add and tune report theirs
        samples.drawBoth(vectors);
        float[] sample = samples.train();
        double drawn = (System.nanoTime() - start) / 1e9;
        index.train(sample);
        int trained = sample.length / dim;
        Progress.stage(
                "build-index train",
                String.format(
                        Locale.ROOT,
                        "%s on %,d vectors (%.1f s drawing them and the tuning queries)",
                        plan.factory(),
                        trained,
                        drawn),
                trained,
                "vec",
                start);
    }

    /** The search parameters chosen, and what they were tuned on. */
    private record Tuned(Tuner.Tuning tuning, int k, int queries, double target) {}

    /**
     * Tunes the search parameters to the target recall@k against exact search of held-out queries:
     * {@code exact} when the add pass found it, else found by a pass of its own.
     */
    private static Tuned tune(
            SparkSession spark,
            FaissIndex index,
            Dataset<Row> vectors,
            IndexPlan plan,
            IndexSettings settings,
            Samples samples,
            ExactNeighbours.Result exact,
            int dim,
            int k) {
        long start = System.nanoTime();
        float[] queries = samples.queries();
        int held = queries.length / dim;
        double target = settings.targetRecall();
        if (exact == null) exact = ExactNeighbours.search(spark, vectors, queries, dim, k);
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
     * Writes index.faiss, items.jsonl (in ordinal order: the index's ids name their item by it,
     * {@link VectorIds}) and manifest.json into {@code directory}. The manifest's catalogue counts
     * are items ({@code rows}: catalogue rows read, {@code indexed}: items in the index), its
     * failures and warnings images, by code.
     */
    private static BundleManifest write(
            SparkSession spark,
            JobSettings settings,
            EmbedJob.Spec spec,
            Path directory,
            String version,
            FaissIndex index,
            IndexedItems items,
            IndexPlan plan,
            Tuned tuned,
            ModelCard card,
            EmbedderConfig embedder,
            BundleManifest.Adapt adapt,
            long start) {
        index.write(directory.resolve(BundleFiles.INDEX));
        // the cached metadata: partition by partition, it is in ordinal order already
        Iterator<Row> rows = items.metadata().toLocalIterator();
        Bundles.writeItems(
                directory,
                new Iterator<>() {
                    private long next;

                    public boolean hasNext() {
                        return rows.hasNext();
                    }

                    public BundleItem next() {
                        Row r = rows.next();
                        if (r.getLong(0) != next++) {
                            throw new IllegalStateException(
                                    "items out of ordinal order at " + r.getLong(0));
                        }
                        return new BundleItem(
                                r.getAs("item_id"),
                                r.getAs("title"),
                                r.getAs("category"),
                                r.getAs("price"),
                                r.getAs("image"),
                                r.getAs("label_group"),
                                List.copyOf(r.<String>getList(r.fieldIndex("images"))));
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
                                counts.catalogueRows(),
                                items.count(),
                                counts.failedByCode(),
                                counts.warnedByCode(),
                                EmbedJob.imagesRoot(spec)),
                        spec.fold().manifestEntry(),
                        adapt,
                        new BundleManifest.Vectors(
                                VectorIds.IMAGE_BITS, index.size(), items.maxImagesPerItem()));
        Bundles.writeManifest(directory, manifest);
        Progress.stage(
                "build-index",
                String.format(
                        Locale.ROOT,
                        "%,d items, %,d vectors, %s, %,d MB",
                        items.count(),
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
     * Adds every vector: on the driver for Flat and HNSW (picking out the tuning queries' vectors
     * on the way), encoded by the executors and merged for inverted lists, which find the queries'
     * exact top k in the same pass (returned; null otherwise).
     */
    private static ExactNeighbours.Result add(
            SparkSession spark,
            Dataset<Row> vectors,
            FaissIndex index,
            IndexPlan plan,
            Samples samples,
            int dim,
            int k) {
        long start = System.nanoTime();
        String how;
        ExactNeighbours.Result exact = null;
        if (plan.kind() == IndexPlan.Kind.IVF) {
            // an inverted-list index trains, which drew the tuning queries beside its sample
            if (!samples.queriesDrawn()) throw new IllegalStateException("queries not drawn");
            exact = addShards(spark, vectors, index, samples.queries(), dim, k);
            how = "encoded in the executors with the queries' exact neighbours, merged";
        } else {
            // one chunk at a time: fetching the next while Faiss adds this one was measured (issue
            // 20, 2 cores) to gain nothing, since Faiss's add already uses every core
            VectorChunks.Added added =
                    VectorChunks.addAll(
                            index,
                            VectorChunks.of(vectors, dim).toLocalIterator(),
                            dim,
                            samples::offerQuery);
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
        return exact;
    }

    /**
     * Inverted lists: each partition encoded into a shard of the trained index, then merged; the
     * partitions' exact top k of {@code queries}, merged.
     */
    static ExactNeighbours.Result addShards(
            SparkSession spark,
            Dataset<Row> vectors,
            FaissIndex index,
            float[] queries,
            int dim,
            int k) {
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<byte[]> trained = context.broadcast(index.toBytes());
        Broadcast<float[]> shared = context.broadcast(queries);
        Iterator<ShardEncoder.Encoded> shards =
                Vectors.internalRows(vectors)
                        .mapPartitions(new ShardEncoder(trained, shared, dim, k))
                        .toLocalIterator();
        ExactNeighbours.TopK exact = new ExactNeighbours.TopK(queries.length / dim, k);
        while (shards.hasNext()) {
            ShardEncoder.Encoded encoded = shards.next();
            try (FaissIndex shard = FaissIndex.fromBytes(encoded.shard())) {
                index.mergeFrom(shard);
            }
            exact.merge(encoded.exact());
        }
        trained.destroy();
        shared.destroy();
        return exact.result();
    }

    /**
     * The number of inverted lists in an IVF factory string ("IVF1024,SQ8" → 1024), 1 otherwise.
     */
    static int lists(IndexPlan plan) {
        var m = java.util.regex.Pattern.compile("IVF(\\d+)").matcher(plan.factory());
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }
}
