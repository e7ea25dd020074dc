package dev.prodlens.bench.adapt;

import dev.prodlens.bench.adapt.LabelledSet.Item;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchResult;
import dev.prodlens.jobs.evaluate.EvalData;
import dev.prodlens.jobs.evaluate.Relevance;
import dev.prodlens.jobs.evaluate.RetrievalMetrics;
import dev.prodlens.jobs.evaluate.ShopeeF1;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The figures of one part of a catalogue under one method: each item searches the part's items
 * (exact search: Faiss Flat on inner products of L2-normalised vectors), scored by the evaluate
 * job's own definitions, {@link RetrievalMetrics} (recall@k, mAP@R, over the items with a match)
 * and {@link ShopeeF1} (over every item, at every threshold).
 *
 * @param shopee the Shopee F1 by threshold; its best threshold is the one chosen on this part
 * @param averagePrecision each item's AP@R, NaN for an item without a match (for paired comparisons
 *     of two embeddings of the same items)
 */
public record PartScores(
        double recall1,
        double recall10,
        double mapR,
        ShopeeF1.Result shopee,
        double[] averagePrecision) {

    /** Scores {@code items} projected by {@code projection}, or raw when it is null. */
    public static PartScores of(List<Item> items, Projection projection, int shopeeNeighbours) {
        int n = items.size();
        int dim = projection == null ? items.get(0).vector().length : projection.outputDimension();
        float[] vectors = new float[n * dim];
        String[] groups = new String[n];
        for (int i = 0; i < n; i++) {
            float[] raw = items.get(i).vector();
            float[] v = projection == null ? normalised(raw) : projection.apply(raw);
            System.arraycopy(v, 0, vectors, i * dim, dim);
            groups[i] = items.get(i).group();
        }
        String[] ids = IntStream.range(0, n).mapToObj(Integer::toString).toArray(String[]::new);
        Relevance relevance =
                Relevance.fromLabelGroups(new EvalData(ids, vectors, dim, groups, null, null));
        RetrievalMetrics retrieval = new RetrievalMetrics(relevance, null, List.of(1, 10));
        ShopeeF1 shopee = new ShopeeF1(relevance, shopeeNeighbours);
        // deep enough for every match of the largest group: mAP@R counts ranks past the depth as
        // misses, and a Fashion-MNIST class has hundreds of items
        int depth = Math.min(n - 1, Math.max(Math.max(10, shopeeNeighbours), largestGroup(groups)));
        double[] averagePrecision = new double[n];
        Arrays.fill(averagePrecision, Double.NaN);
        try (FaissIndex index = FaissIndex.create(dim, "Flat", Metric.INNER_PRODUCT)) {
            index.add(vectors, IntStream.range(0, n).asLongStream().toArray());
            SearchResult found = index.search(vectors, depth + 1);
            for (int q = 0; q < n; q++) {
                int[] ranked = new int[depth];
                float[] scores = new float[depth];
                int r = 0;
                for (int rank = 0; rank < found.count(q) && r < depth; rank++) {
                    if (found.id(q, rank) == q) continue; // the item itself
                    ranked[r] = (int) found.id(q, rank);
                    scores[r++] = found.score(q, rank);
                }
                shopee.add(q, ranked, scores);
                if (relevance.isQuery(q)) averagePrecision[q] = retrieval.add(q, ranked);
            }
        }
        RetrievalMetrics.Result r = retrieval.result();
        return new PartScores(
                r.recallAtK().get(1),
                r.recallAtK().get(10),
                r.mapAtR(),
                shopee.result(),
                averagePrecision);
    }

    /** The Shopee F1 at {@code threshold} (one of the thresholds the curve holds). */
    double f1At(double threshold) {
        double[] curve = shopee.f1ByThreshold();
        return curve[(int) Math.round(threshold * (curve.length - 1))];
    }

    private static int largestGroup(String[] groups) {
        Map<String, Integer> sizes = new HashMap<>();
        for (String g : groups) sizes.merge(g, 1, Integer::sum);
        return sizes.values().stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    private static float[] normalised(float[] v) {
        double s = 0;
        for (float x : v) s += x * x;
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / Math.sqrt(s));
        return out;
    }
}
