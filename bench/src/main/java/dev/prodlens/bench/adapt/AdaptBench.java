package dev.prodlens.bench.adapt;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.MetricHead;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.adapt.Scatter;
import dev.prodlens.core.adapt.Whitening;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Issue 18's first measurement, on a published bundle's own vectors and label groups: the raw
 * embedding against PCA-whitening, learned whitening (with and without a ridge) and the metric head
 * ({@link MetricHead}, on a GPU when PyTorch sees one) at several output dimensions, learned on the
 * train groups, chosen on the validation groups, and scored on the test groups only (a {@link
 * GroupSplit}: no group is in two parts). Exact search among the test items (Faiss Flat, inner
 * product on L2-normalised vectors). Prints a table and a last summary line.
 */
public final class AdaptBench {
    private static final int[] DIMS = {32, 64, 128, 256, 512};

    /** The metric head's dimensions, and the ridge of the learned whitening it starts from. */
    private static final int[] HEAD_DIMS = {256, 512};

    private static final double RIDGE = 1;

    /** One labelled item: its group and its raw vector. */
    private record Item(String group, float[] vector) {}

    /** Test-split figures of one method. */
    private record Row(
            String method,
            int dim,
            double validationMapR,
            double recall1,
            double recall10,
            double mapR,
            long bytes,
            double learnSeconds) {}

    public static void main(String[] args) {
        Path bundle = Path.of(args[0]);
        List<BundleItem> bundleItems = Bundles.readItems(bundle);
        List<Item> train = new ArrayList<>();
        List<Item> validation = new ArrayList<>();
        List<Item> test = new ArrayList<>();
        int dim;
        try (FaissIndex index = FaissIndex.read(bundle.resolve(BundleFiles.INDEX))) {
            dim = index.dimension();
            for (int i = 0; i < bundleItems.size(); i++) {
                String group = bundleItems.get(i).labelGroup();
                if (group == null || group.isBlank()) continue;
                Item item = new Item(group, index.reconstruct(i).orElseThrow());
                switch (GroupSplit.DEFAULT.of(group)) {
                    case TRAIN -> train.add(item);
                    case VALIDATION -> validation.add(item);
                    case TEST -> test.add(item);
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "bundle %s: %d labelled items of dimension %d; split by SHA-256 of label_group:"
                        + " train %d, validation %d, test %d items (%d / %d / %d groups)%n",
                bundle.getFileName(),
                train.size() + validation.size() + test.size(),
                dim,
                train.size(),
                validation.size(),
                test.size(),
                groups(train),
                groups(validation),
                groups(test));

        long t = System.nanoTime();
        Scatter all = new Scatter(dim);
        Scatter pairs = new Scatter(dim);
        Map<String, List<float[]>> byGroup = new HashMap<>();
        for (Item item : train) {
            all.add(item.vector());
            byGroup.computeIfAbsent(item.group(), g -> new ArrayList<>()).add(item.vector());
        }
        for (List<float[]> members : byGroup.values()) {
            for (int a = 0; a < members.size(); a++) {
                for (int b = a + 1; b < members.size(); b++) {
                    pairs.addDifference(members.get(a), members.get(b));
                }
            }
        }
        double momentSeconds = (System.nanoTime() - t) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "moments: %d train vectors, %d matching pairs in %.1f s%n",
                all.count(),
                pairs.count(),
                momentSeconds);

        List<Row> rows = new ArrayList<>();
        rows.add(score("raw", dim, null, validation, test, 0));
        for (int d : DIMS) {
            if (d > dim) continue;
            for (String method : List.of("pca-whitening", "learned-whitening")) {
                long start = System.nanoTime();
                Projection p =
                        method.equals("pca-whitening")
                                ? Whitening.pca(all, d)
                                : Whitening.learned(all, pairs, d);
                double seconds = momentSeconds + (System.nanoTime() - start) / 1e9;
                rows.add(score(method, d, p, validation, test, seconds));
            }
        }
        // the metric head, from the learned whitening with a ridge (without one, the whitening has
        // all but merged the train pairs and leaves the head nothing to learn), and that start
        float[][] trainVectors = train.stream().map(Item::vector).toArray(float[][]::new);
        String[] trainGroups = train.stream().map(Item::group).toArray(String[]::new);
        for (int d : HEAD_DIMS) {
            if (d > dim) continue;
            long start = System.nanoTime();
            Projection ridge = Whitening.learned(all, pairs, d, RIDGE);
            double seconds = momentSeconds + (System.nanoTime() - start) / 1e9;
            rows.add(score("learned-whitening+ridge", d, ridge, validation, test, seconds));
            MetricHead.Trained head =
                    MetricHead.train(
                            trainVectors, trainGroups, ridge, MetricHead.Settings.defaults(d));
            seconds = momentSeconds + (System.nanoTime() - start) / 1e9;
            rows.add(score(MetricHead.METHOD, d, head.projection(), validation, test, seconds));
            double[] losses = head.losses();
            System.out.printf(
                    Locale.ROOT,
                    "metric-head/%d on %s: %d epochs, loss %.4f -> %.4f%n",
                    d,
                    head.device(),
                    losses.length,
                    losses[0],
                    losses[losses.length - 1]);
        }
        System.out.printf(
                "%n%-23s %5s | %9s | %9s %9s %9s | %9s %8s%n",
                "method",
                "dim",
                "val mAP@R",
                "recall@1",
                "recall@10",
                "mAP@R",
                "bytes/vec",
                "learn s");
        Row best = rows.get(0);
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "%-23s %5d | %9.3f | %9.3f %9.3f %9.3f | %9d %8.1f%n",
                    r.method(),
                    r.dim(),
                    r.validationMapR(),
                    r.recall1(),
                    r.recall10(),
                    r.mapR(),
                    r.bytes(),
                    r.learnSeconds());
            if (r.validationMapR() > best.validationMapR()) best = r;
        }
        Row raw = rows.get(0);
        System.out.printf(
                Locale.ROOT,
                "%nchosen on the validation groups: %s/%d; test-split figures only (groups never"
                        + " trained or chosen on)%n",
                best.method(),
                best.dim());
        System.out.printf(
                Locale.ROOT,
                "adapt: best=%s/%d demo_mapr_raw=%.3f demo_mapr_adapted=%.3f fashion_mapr_raw=n/a"
                        + " fashion_mapr_adapted=n/a bytes_per_vector=%d%n",
                best.method(),
                best.dim(),
                raw.mapR(),
                best.mapR(),
                best.bytes());
    }

    private static long groups(List<Item> items) {
        return items.stream().map(Item::group).distinct().count();
    }

    private static Row score(
            String method,
            int dim,
            Projection p,
            List<Item> validation,
            List<Item> test,
            double s) {
        Scores v = scores(validation, p);
        Scores t = scores(test, p);
        return new Row(method, dim, v.mapR(), t.recall1(), t.recall10(), t.mapR(), dim * 4L, s);
    }

    private record Scores(double recall1, double recall10, double mapR) {}

    /** Each item a query among the others of its part: recall@1, recall@10 and mAP@R. */
    private static Scores scores(List<Item> items, Projection p) {
        int n = items.size();
        int dim = p == null ? items.get(0).vector().length : p.outputDimension();
        float[] vectors = new float[n * dim];
        Map<String, Integer> sizes = new HashMap<>();
        for (int i = 0; i < n; i++) {
            float[] v =
                    p == null ? normalised(items.get(i).vector()) : p.apply(items.get(i).vector());
            System.arraycopy(v, 0, vectors, i * dim, dim);
            sizes.merge(items.get(i).group(), 1, Integer::sum);
        }
        int maxR = sizes.values().stream().mapToInt(Integer::intValue).max().orElse(1) - 1;
        int k = Math.min(n, Math.max(11, maxR + 1));
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        double r1 = 0, r10 = 0, map = 0;
        int queries = 0;
        try (FaissIndex index = FaissIndex.create(dim, "Flat", Metric.INNER_PRODUCT)) {
            index.add(vectors, ids);
            SearchResult found = index.search(vectors, k);
            for (int q = 0; q < n; q++) {
                String group = items.get(q).group();
                int r = sizes.get(group) - 1;
                if (r == 0) continue; // no other photo of its product
                queries++;
                List<Boolean> hits = new ArrayList<>();
                for (int rank = 0; rank < found.count(q); rank++) {
                    long id = found.id(q, rank);
                    if (id == q) continue;
                    hits.add(items.get((int) id).group().equals(group));
                }
                if (!hits.isEmpty() && hits.get(0)) r1++;
                if (hits.subList(0, Math.min(10, hits.size())).contains(true)) r10++;
                double ap = 0;
                int seen = 0;
                for (int rank = 0; rank < Math.min(r, hits.size()); rank++) {
                    if (hits.get(rank)) ap += ++seen / (double) (rank + 1);
                }
                map += ap / r;
            }
        }
        return new Scores(r1 / queries, r10 / queries, map / queries);
    }

    private static float[] normalised(float[] v) {
        double s = 0;
        for (float x : v) s += x * x;
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / Math.sqrt(s));
        return out;
    }
}
