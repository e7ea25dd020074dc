package dev.prodlens.jobs.evaluate;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything an evaluation measured, for metrics.json and the report: the metrics under exact
 * search (the embedding's quality) and under the ANN index (what users get); their difference is
 * what the index costs.
 *
 * @param items items in the data
 * @param vectors vectors in the index: every indexed image of the items
 * @param queries items with at least one true match
 * @param pairsTotal labelled pairs read (0 for label groups)
 * @param pairsIgnored pairs skipped: unknown id or an item with itself
 * @param annIndex the ANN index and its search settings, as shown to people
 * @param searchDepth results retrieved per query, the query itself excluded
 * @param scores cosine scores of the exactly retrieved neighbours, matches vs non-matches
 * @param worstQueries the queries with the lowest AP@R under the ANN index, worst first
 * @param adapt the learned projection's before/after on the held-out test groups; null when the
 *     bundle was built without the adapt stage
 */
public record EvalResult(
        int items,
        int vectors,
        int queries,
        Relevance.Kind relevance,
        int pairsTotal,
        int pairsIgnored,
        String annIndex,
        int searchDepth,
        SearchMetrics exact,
        SearchMetrics ann,
        ScoreHistogram scores,
        List<WorstQuery> worstQueries,
        Duration elapsed,
        AdaptComparison adapt) {

    /** This result with the adapt stage's before/after added. */
    public EvalResult withAdapt(AdaptComparison comparison) {
        return new EvalResult(
                items,
                vectors,
                queries,
                relevance,
                pairsTotal,
                pairsIgnored,
                annIndex,
                searchDepth,
                exact,
                ann,
                scores,
                worstQueries,
                elapsed,
                comparison);
    }

    /**
     * The metrics of one search method: by product ({@code retrieval}, {@code shopee}: null unless
     * relevance comes from label groups) and by image ({@code images}: the raw hits ranked, an
     * image relevant when its item matches; null where not measured).
     */
    public record SearchMetrics(
            RetrievalMetrics.Result retrieval,
            ShopeeF1.Result shopee,
            RetrievalMetrics.Result images) {
        /** Product-level metrics alone. */
        public SearchMetrics(RetrievalMetrics.Result retrieval, ShopeeF1.Result shopee) {
            this(retrieval, shopee, null);
        }

        /**
         * The image-level numbers under their metrics.json keys ({@code recall@k}, {@code map@r});
         * empty when not measured.
         */
        public Map<String, Double> imageHeadline() {
            Map<String, Double> values = new LinkedHashMap<>();
            if (images == null) return values;
            images.recallAtK().forEach((k, recall) -> values.put("recall@" + k, recall));
            values.put("map@r", images.mapAtR());
            return values;
        }

        /**
         * The headline numbers under their metrics.json keys: {@code recall@k} for each k, {@code
         * map@r}, and with label groups {@code shopee_f1} and {@code shopee_threshold}.
         */
        public Map<String, Double> headline() {
            Map<String, Double> values = new LinkedHashMap<>();
            retrieval.recallAtK().forEach((k, recall) -> values.put("recall@" + k, recall));
            values.put("map@r", retrieval.mapAtR());
            if (shopee != null) {
                values.put(SHOPEE_F1, shopee.f1());
                values.put(SHOPEE_THRESHOLD, shopee.threshold());
            }
            return values;
        }
    }

    /** One retrieved item of a worst query. */
    public record Hit(int ordinal, String itemId, float score, boolean correct) {}

    /** A query the ANN index served badly, with its first results. */
    public record WorstQuery(
            int ordinal, String itemId, double averagePrecision, int trueMatches, List<Hit> top) {}

    static final String SHOPEE_F1 = "shopee_f1";
    static final String SHOPEE_THRESHOLD = "shopee_threshold";

    /**
     * Exact minus ANN for each headline metric (the threshold is a setting, not a score, so left
     * out).
     */
    public Map<String, Double> indexLoss() {
        Map<String, Double> annValues = ann.headline();
        Map<String, Double> loss = new LinkedHashMap<>();
        exact.headline()
                .forEach(
                        (key, value) -> {
                            if (!key.equals(SHOPEE_THRESHOLD)) {
                                loss.put(key, value - annValues.get(key));
                            }
                        });
        return loss;
    }
}
