package dev.prodlens.jobs.index;

import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.Progress;
import dev.prodlens.jobs.embed.EmbedJob;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * build-index: embeddings table + catalogue → a bundle directory with {@code index.faiss},
 * {@code items.jsonl} and {@code manifest.json}. Plans the index ({@link IndexPlanner}), trains it
 * on a sample, adds the vectors (encoded in parallel by the executors for inverted lists, on the
 * driver for Flat/HNSW), then tunes its search parameters on held-out queries against exact search.
 */
public final class BuildIndexJob {
    /** The filled bundle directory (not yet sealed), its manifest, and the cached numbered items. */
    public record Built(Path directory, BundleManifest manifest, Dataset<Row> items) {
    }

    private BuildIndexJob() {
    }

    /**
     * The index settings, checked: the keys' values, and the configured factory against Faiss at
     * the model's dimension. Cheap (no Spark, an empty index): callers run it before any work.
     */
    public static IndexSettings check(JobSettings settings) {
        IndexSettings index = IndexSettings.from(settings.config());
        index.requireBuildable(ModelCard.read(embedderConfig(settings).modelDir()).dim());
        return index;
    }

    /** Builds into {@code directory}, a staging directory the caller seals into a bundle version. */
    public static Built run(SparkSession spark, JobSettings settings, Path directory, String version) {
        return run(spark, settings, check(settings), directory, version);
    }

    /** As above, with the settings {@link #check} returned. */
    public static Built run(SparkSession spark, JobSettings settings, IndexSettings indexSettings, Path directory, String version) {
        EmbedderConfig embedder = embedderConfig(settings);
        ModelCard card = ModelCard.read(embedder.modelDir());
        int dim = card.dim();
        long start = System.nanoTime();

        EmbedJob.Spec spec = EmbedJob.Spec.of(settings);
        Dataset<Row> items = IndexedItems.load(spark, spec, card);
        long n = items.count();
        Progress.stage("build-index load", String.format(Locale.ROOT, "%,d embedded items joined with the catalogue, numbered", n),
                n, "item", start);
        IndexPlan plan = indexSettings.planner().plan(n, dim);
        int k = indexSettings.tuneK();
        int tuneQueries = indexSettings.tuneQueries();
        double target = indexSettings.targetRecall();
        System.out.println("build-index: " + plan.reason());

        try (FaissIndex index = FaissIndex.create(dim, plan.factory(), Metric.INNER_PRODUCT)) {
            double trainFraction = plan.trainVectors() == 0 ? 0 : Math.min(0.5, 1.2 * plan.trainVectors() / n);
            if (plan.trainVectors() > 0) {
                List<Row> sample = items.filter(IndexedItems.uniform().lt(trainFraction)).select("ordinal", "embedding")
                        .limit(plan.trainVectors()).collectAsList();
                index.train(IndexedItems.collect(sample, dim, null));
                Progress.stage("build-index train", String.format(Locale.ROOT, "%s on %,d vectors", plan.factory(), sample.size()),
                        sample.size(), "vec", start);
            }
            long addStart = System.nanoTime();
            add(spark, items, index, plan, dim);
            Progress.stage("build-index add", String.format(Locale.ROOT, "%,d vectors (%s)", index.size(),
                    plan.kind() == IndexPlan.Kind.IVF ? "encoded in the executors, merged" : "on the driver"), index.size(), "vec", addStart);

            long tuneStart = System.nanoTime();
            double queryFraction = Math.min(1 - trainFraction, 1.2 * tuneQueries / n);
            List<Row> held = items.filter(IndexedItems.uniform().geq(1 - queryFraction)).select("ordinal", "embedding")
                    .limit(tuneQueries).collectAsList();
            float[] queries = IndexedItems.collect(held, dim, null);
            int kk = (int) Math.min(k, n);
            ExactNeighbours.Result exact = ExactNeighbours.search(spark, items, queries, dim, kk);
            Tuner.Tuning tuning = Tuner.tune(index, plan.kind(), lists(plan), queries, exact, kk, target);
            Progress.stage("build-index tune", String.format(Locale.ROOT, "recall@%d %.3f vs exact (target %.2f%s) at %s on %,d held-out "
                    + "queries; tried %s", kk, tuning.recall(), target, tuning.reached() ? "" : ", NOT reached", tuning.search(),
                    held.size(), tuning.tried()), held.size(), "query", tuneStart);

            index.write(directory.resolve(BundleFiles.INDEX));
            Iterator<Row> rows = items.orderBy("ordinal").toLocalIterator();
            Bundles.writeItems(directory, new Iterator<>() {
                public boolean hasNext() {
                    return rows.hasNext();
                }

                public BundleItem next() {
                    Row r = rows.next();
                    return new BundleItem(r.getAs("item_id"), r.getAs("title"), r.getAs("category"), r.getAs("price"),
                            r.getAs("image"), r.getAs("label_group"));
                }
            });
            double seconds = (System.nanoTime() - start) / 1e9;
            EmbedJob.Summary counts = EmbedJob.summarise(spark.read().parquet(spec.output()), 0);
            BundleManifest manifest = new BundleManifest(BundleManifest.FORMAT_VERSION, version, Instant.now().toString(),
                    new BundleManifest.Model(card.id(), card.fingerprint(), dim, embedder.engine().name(), card.json()),
                    new BundleManifest.Index(plan.factory(), plan.reason(), "inner_product", index.size(), tuning.search(),
                            seconds, tuning.recall(), kk, held.size(), target, index.memoryUsageBytes()),
                    new BundleManifest.Catalogue(settings.catalogueName(), settings.cataloguePath(), counts.rows(), index.size(),
                            counts.failedByCode(), counts.warnedByCode(), EmbedJob.imagesRoot(spec)));
            Bundles.writeManifest(directory, manifest);
            Progress.stage("build-index", String.format(Locale.ROOT, "%,d items, %s, %,d MB", index.size(), plan.factory(),
                    index.memoryUsageBytes() >> 20), index.size(), "vec", start);
            return new Built(directory, manifest, items);
        }
    }

    private static EmbedderConfig embedderConfig(JobSettings settings) {
        return EmbedderConfig.from(Config.of(settings.embedderSettings()), Path.of("/"));
    }

    private static void add(SparkSession spark, Dataset<Row> items, FaissIndex index, IndexPlan plan, int dim) {
        Dataset<Row> vectors = items.select("ordinal", "embedding");
        if (plan.kind() != IndexPlan.Kind.IVF) {
            Vectors.addAll(index, vectors.toLocalIterator(), dim);
            return;
        }
        Broadcast<byte[]> trained = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(index.toBytes());
        Iterator<byte[]> shards = vectors.mapPartitions(new ShardEncoder(trained, dim), Encoders.BINARY()).toLocalIterator();
        while (shards.hasNext()) {
            try (FaissIndex shard = FaissIndex.fromBytes(shards.next())) {
                index.mergeFrom(shard);
            }
        }
        trained.destroy();
    }

    /** The number of inverted lists in an IVF factory string ("IVF1024,SQ8" → 1024), 1 otherwise. */
    static int lists(IndexPlan plan) {
        var m = java.util.regex.Pattern.compile("IVF(\\d+)").matcher(plan.factory());
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }
}
