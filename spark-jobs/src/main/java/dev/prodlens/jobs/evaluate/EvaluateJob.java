package dev.prodlens.jobs.evaluate;

import static org.apache.spark.sql.functions.col;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.Progress;
import dev.prodlens.jobs.catalogue.ImageRefs;
import dev.prodlens.jobs.embed.EmbeddingsTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * evaluate: a bundle's items with their embeddings, labelled by {@code label_group} or by a pairs
 * file ({@code evaluate.pairs}), searched exactly and through the bundle's index at its tuned
 * parameters → {@code report/} in the bundle (metrics.json, index.html, plots, thumbnails). Runs on
 * the driver: the evaluation set must fit there (10k items × 1,280 floats is 51 MB).
 */
public final class EvaluateJob {
    private EvaluateJob() {}

    /**
     * Evaluates the bundle in {@code bundle} (sealed or still staging); empty when there is no
     * ground truth.
     */
    public static Optional<EvalResult> run(
            SparkSession spark, JobSettings settings, java.nio.file.Path bundle) {
        long start = System.nanoTime();
        BundleManifest manifest = Bundles.readManifest(bundle);
        EvalData raw = load(spark, settings, bundle, manifest.model().dim());
        Projection projection = Bundles.readProjection(bundle, manifest);
        EvalData data =
                projection == null
                        ? raw
                        : raw.projected(projection::applyAll, projection.outputDimension());
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Relevance relevance =
                settings.config()
                        .find(ConfigKeys.EVALUATE_PAIRS)
                        .map(
                                pairs ->
                                        Relevance.fromPairs(
                                                data,
                                                PairsCsv.read(
                                                        JobSettings.location(
                                                                pairs,
                                                                java.nio.file.Path.of("")
                                                                        .toAbsolutePath()),
                                                        hadoop)))
                        .orElseGet(() -> Relevance.fromLabelGroups(data));
        boolean anyQuery = false;
        for (int i = 0; i < data.size() && !anyQuery; i++) anyQuery = relevance.isQuery(i);
        if (!anyQuery) {
            Progress.stage(
                    "evaluate",
                    "skipped: no item has a labelled match (no label_group column and no evaluate.pairs)",
                    0,
                    "",
                    start);
            return Optional.empty();
        }
        EvalResult result;
        Evaluator.Settings evaluation = Evaluator.Settings.from(settings.config());
        try (FaissIndex index = FaissIndex.read(bundle.resolve(BundleFiles.INDEX))) {
            result =
                    new Evaluator(evaluation)
                            .evaluate(data, relevance, index, manifest.index().searchOptions());
        }
        if (manifest.adapt() != null) {
            AdaptComparison comparison =
                    AdaptComparison.of(
                            manifest.adapt(),
                            raw,
                            projection,
                            evaluation,
                            settings.config().get(ConfigKeys.ADAPT_SAMPLE_ITEMS),
                            hadoop);
            result = result.withAdapt(comparison);
            if (comparison != null) printComparison(comparison);
        }
        new ReportWriter(
                        ImageSource.hadoop(
                                hadoop,
                                EmbedderConfig.fromResolved(settings.embedderSettings())
                                        .maxBytes()))
                .write(result, data, bundle.resolve(BundleFiles.REPORT));
        Map<String, Double> exact = result.exact().headline();
        Map<String, Double> ann = result.ann().headline();
        Progress.stage(
                "evaluate",
                String.format(
                        Locale.ROOT,
                        "%,d queries over %,d items (%s): recall@10 exact %.3f / index %.3f, "
                                + "mAP@R %.3f / %.3f%s; report in the bundle's %s/",
                        result.queries(),
                        result.items(),
                        relevance.kind().key,
                        exact.getOrDefault("recall@10", Double.NaN),
                        ann.getOrDefault("recall@10", Double.NaN),
                        exact.get("map@r"),
                        ann.get("map@r"),
                        exact.containsKey("shopee_f1")
                                ? String.format(
                                        Locale.ROOT,
                                        ", Shopee F1 %.3f at threshold %.2f",
                                        exact.get("shopee_f1"),
                                        exact.get("shopee_threshold"))
                                : "",
                        BundleFiles.REPORT),
                result.queries(),
                "query",
                start);
        return Optional.of(result);
    }

    /** The before/after of the held-out test groups, on the console. */
    private static void printComparison(AdaptComparison c) {
        Map<String, Double> before = c.before().headline();
        Map<String, Double> after = c.after().headline();
        System.out.printf(
                Locale.ROOT,
                "evaluate adapt: %s/%d on %,d held-out test items (%,d groups, never learned or"
                        + " chosen on), exact search:%n  %-10s %10s %10s%n",
                c.adapt().method(),
                c.adapt().dim(),
                c.items(),
                c.groups(),
                "",
                "before",
                "after");
        before.forEach(
                (key, value) -> {
                    if (!key.equals("shopee_threshold")) {
                        System.out.printf(
                                Locale.ROOT, "  %-10s %10.3f %10.3f%n", key, value, after.get(key));
                    }
                });
    }

    /**
     * The bundle's items, in index order, with the model's own vectors from the embeddings table
     * (not projected), their label groups and categories.
     */
    public static EvalData modelVectors(
            SparkSession spark, JobSettings settings, java.nio.file.Path bundle) {
        return load(spark, settings, bundle, Bundles.readManifest(bundle).model().dim());
    }

    /**
     * The bundle's items, in index order, each with its first image's vector as its query, and
     * every indexed image's vector under its Faiss id ({@link Gallery}), from the embeddings table.
     */
    private static EvalData load(
            SparkSession spark, JobSettings settings, java.nio.file.Path bundle, int dim) {
        List<BundleItem> items = Bundles.readItems(bundle);
        int imageBits = Bundles.readManifest(bundle).imageBits();
        Map<String, Integer> ordinal = new HashMap<>();
        for (int i = 0; i < items.size(); i++) ordinal.put(items.get(i).id(), i);
        // each item's embedded images by catalogue position: the index numbers them in this order
        List<TreeMap<Integer, float[]>> images = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) images.add(new TreeMap<>());
        for (java.util.Iterator<Row> rows =
                        EmbeddingsTable.withImageIndex(
                                        spark.read().parquet(settings.embeddingsPath()))
                                .filter(col("error_code").isNull())
                                .select("item_id", "image_index", "embedding")
                                .toLocalIterator();
                rows.hasNext(); ) {
            Row r = rows.next();
            Integer i = ordinal.get(r.getString(0));
            if (i == null) continue;
            List<Float> v = r.getList(2);
            if (v.size() != dim)
                throw new JobException(
                        "embedding of "
                                + r.getString(0)
                                + " has "
                                + v.size()
                                + " dimensions, the bundle "
                                + dim
                                + "; the embeddings table does not belong to this bundle");
            float[] vector = new float[dim];
            for (int d = 0; d < dim; d++) vector[d] = v.get(d);
            images.get(i).put(r.getInt(1), vector);
        }
        String[] ids = new String[items.size()];
        String[] groups = new String[items.size()];
        String[] categories = new String[items.size()];
        String[] refs = new String[items.size()];
        float[] queries = new float[items.size() * dim];
        int vectors = images.stream().mapToInt(TreeMap::size).sum();
        long[] galleryIds = new long[vectors];
        float[] gallery = new float[vectors * dim];
        String root = ImageRefs.root(settings.imagesRoot(), settings.cataloguePath());
        int v = 0;
        for (int i = 0; i < items.size(); i++) {
            BundleItem item = items.get(i);
            if (images.get(i).size() != item.imageCount()) {
                throw new JobException(
                        "item "
                                + item.id()
                                + " of bundle "
                                + bundle
                                + " has "
                                + item.imageCount()
                                + " indexed images but "
                                + images.get(i).size()
                                + " embedded ones in the embeddings table "
                                + settings.embeddingsPath()
                                + "; evaluate a bundle built from this table");
            }
            int image = 0;
            for (float[] vector : images.get(i).values()) {
                if (image == 0) System.arraycopy(vector, 0, queries, i * dim, dim);
                galleryIds[v] = VectorIds.of(i, image++, imageBits);
                System.arraycopy(vector, 0, gallery, v++ * dim, dim);
            }
            ids[i] = item.id();
            groups[i] = item.labelGroup();
            categories[i] = item.category();
            refs[i] = ImageRefs.resolve(root, item.image());
        }
        return new EvalData(
                ids,
                queries,
                dim,
                groups,
                categories,
                refs,
                new Gallery(galleryIds, gallery, imageBits));
    }
}
