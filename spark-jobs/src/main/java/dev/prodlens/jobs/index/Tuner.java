package dev.prodlens.jobs.index;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Finds the cheapest search setting that reaches the target recall@k against exact search on
 * held-out queries: nprobe for inverted lists, efSearch for HNSW (doubling from small). If no
 * setting reaches it, the most accurate one tried is kept and the shortfall recorded. The sweep
 * also stops when two doublings in a row each close less than a tenth of the remaining gap to the
 * target: recall that converges closes a good part of the gap per doubling, so a crawl means the
 * codes (SQ8, PQ), not the search breadth, cap it, and searching wider would only cost time (for
 * IVF, up to a scan of every list).
 *
 * <p>Each setting is a Faiss ParameterSpace string ({@code "nprobe=4"}), searched through {@link
 * SearchOptions#parse}; the chosen one is what the bundle manifest stores and every reader parses
 * the same way.
 */
final class Tuner {
    /** Largest HNSW candidate list tried: beyond it HNSW is slower than a well-chosen IVF. */
    private static final int MAX_EF_SEARCH = 4096;

    private static final int MIN_EF_SEARCH = 16;

    /** A doubling that closes less than this share of the gap to the target is a crawl. */
    private static final double CRAWL = 0.1;

    private static final int CRAWL_STEPS = 2;

    /**
     * The chosen parameters in ParameterSpace syntax ("" for Flat), the recall they reach, and the
     * recall of every setting tried.
     */
    record Tuning(
            String searchParameters, double recall, boolean reached, Map<String, Double> tried) {}

    private Tuner() {}

    static Tuning tune(
            FaissIndex index,
            IndexPlan.Kind kind,
            int lists,
            float[] queries,
            ExactNeighbours.Result exact,
            int k,
            double target) {
        Map<String, Double> tried = new LinkedHashMap<>();
        if (kind == IndexPlan.Kind.FLAT) {
            double r = recall(index.search(queries, k), exact, k);
            tried.put("exact", r);
            return new Tuning("", r, r >= target, tried);
        }
        String knob = kind == IndexPlan.Kind.IVF ? SearchOptions.NPROBE : SearchOptions.EF_SEARCH;
        int first = kind == IndexPlan.Kind.IVF ? 1 : Math.max(MIN_EF_SEARCH, k);
        int last = kind == IndexPlan.Kind.IVF ? lists : MAX_EF_SEARCH;
        String best = null;
        double bestRecall = -1;
        int crawling = 0;
        for (int value = first;
                value <= last;
                value =
                        value == last
                                ? last + 1
                                : Math.min(last, value * 2)) { // doubling, ending at last
            String setting = knob + "=" + value;
            double r = recall(index.search(queries, k, SearchOptions.parse(setting)), exact, k);
            tried.put(setting, Math.round(r * 1e4) / 1e4);
            double gap = target - r;
            crawling = gap > 0 && r - bestRecall < CRAWL * gap ? crawling + 1 : 0;
            if (r > bestRecall) {
                bestRecall = r;
                best = setting;
            }
            if (r >= target || crawling >= CRAWL_STEPS) break;
        }
        return new Tuning(best, bestRecall, bestRecall >= target, tried);
    }

    /** Mean over queries of |ANN top-k ∩ exact top-k| / |exact top-k|. */
    static double recall(SearchResult ann, ExactNeighbours.Result exact, int k) {
        double sum = 0;
        int counted = 0;
        for (int q = 0; q < ann.queries(); q++) {
            Set<Long> truth = new HashSet<>();
            for (int r = 0; r < k; r++) if (exact.id(q, r) >= 0) truth.add(exact.id(q, r));
            if (truth.isEmpty()) continue;
            int hit = 0;
            for (int r = 0; r < k; r++) if (truth.contains(ann.id(q, r))) hit++;
            sum += (double) hit / truth.size();
            counted++;
        }
        return counted == 0 ? 1.0 : sum / counted;
    }
}
