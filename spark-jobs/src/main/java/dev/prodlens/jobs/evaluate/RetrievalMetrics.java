package dev.prodlens.jobs.evaluate;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Retrieval metrics over ranked result lists, accumulated one query at a time so that an evaluation
 * streams through batches of search results instead of holding N x k of them.
 *
 * <ul>
 *   <li><b>recall@k</b>: the share of queries with at least one true match among the top k. This is
 *       the definition of the Stanford Online Products and In-shop Clothes benchmarks (and most
 *       metric-learning papers), not the share of all true matches retrieved.
 *   <li><b>mAP@R</b> (Musgrave, Belongie, Lim, "A Metric Learning Reality Check", ECCV 2020): R =
 *       the query's number of true matches; AP@R = (1/R) &Sigma;<sub>i=1..R</sub> P(i) &middot;
 *       rel(i), with P(i) the precision at rank i; mAP@R its mean over queries. Ranks past the
 *       searched depth count as misses, so for queries with R above the depth it is a lower bound.
 *   <li><b>recall@{@value #CATEGORY_K} per category</b> of the query (items without a category
 *       under {@value #NO_CATEGORY}).
 * </ul>
 *
 * Queries are the items with at least one true match; the caller passes each query's results
 * without the query item itself.
 */
public final class RetrievalMetrics {

    /** The k of the per-category recall. */
    public static final int CATEGORY_K = 10;

    /** Category name under which items without one are counted. */
    public static final String NO_CATEGORY = "(none)";

    /** recall@{@link #CATEGORY_K} of the queries of one category. */
    public record CategoryRecall(int queries, double recall) {}

    /**
     * The metrics of one search method.
     *
     * @param recallAtK recall@k by k, ascending
     * @param perCategory by category name, sorted; empty when the data has no categories
     */
    public record Result(
            int queries,
            Map<Integer, Double> recallAtK,
            double mapAtR,
            Map<String, CategoryRecall> perCategory) {}

    private final Relevance relevance;
    private final String[] categories;
    private final int[] ks;
    private final long[] hitsAtK;
    private final Map<String, int[]> categoryCounts = new TreeMap<>();
    private double averagePrecisionSum;
    private int queries;

    /**
     * @param categories category per item ordinal, or null for no per-category recall
     * @param ks the k of recall@k: positive, in any order
     */
    public RetrievalMetrics(Relevance relevance, String[] categories, List<Integer> ks) {
        this.relevance = Objects.requireNonNull(relevance, "relevance");
        this.categories = categories;
        this.ks = ks.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        if (this.ks.length == 0 || this.ks[0] < 1) {
            throw new IllegalArgumentException(
                    "recall@k needs at least one k, all >= 1: got " + ks);
        }
        this.hitsAtK = new long[this.ks.length];
    }

    /**
     * Adds one query's results.
     *
     * @param ranked the retrieved item ordinals, best first, without the query itself
     * @return the query's AP@R
     */
    public double add(int query, int[] ranked) {
        if (!relevance.isQuery(query)) {
            throw new IllegalArgumentException(
                    "item " + query + " has no true match, so it is not a query");
        }
        int firstHit = firstHit(query, ranked);
        for (int i = 0; i < ks.length; i++) {
            if (firstHit < ks[i]) {
                hitsAtK[i]++;
            }
        }
        if (categories != null) {
            String category = categories[query] == null ? NO_CATEGORY : categories[query];
            int[] counts = categoryCounts.computeIfAbsent(category, c -> new int[2]);
            counts[0]++;
            counts[1] += firstHit < CATEGORY_K ? 1 : 0;
        }
        double averagePrecision = averagePrecisionAtR(query, ranked);
        averagePrecisionSum += averagePrecision;
        queries++;
        return averagePrecision;
    }

    /** The metrics of the queries added so far (at least one). */
    public Result result() {
        if (queries == 0) {
            throw new IllegalStateException("no query added");
        }
        Map<Integer, Double> recall = new LinkedHashMap<>();
        for (int i = 0; i < ks.length; i++) {
            recall.put(ks[i], (double) hitsAtK[i] / queries);
        }
        Map<String, CategoryRecall> perCategory = new TreeMap<>();
        categoryCounts.forEach(
                (category, counts) ->
                        perCategory.put(
                                category,
                                new CategoryRecall(counts[0], (double) counts[1] / counts[0])));
        return new Result(
                queries,
                Collections.unmodifiableMap(recall),
                averagePrecisionSum / queries,
                Collections.unmodifiableMap(perCategory));
    }

    /** Rank (0-based) of the first true match, or Integer.MAX_VALUE when none was retrieved. */
    private int firstHit(int query, int[] ranked) {
        for (int rank = 0; rank < ranked.length; rank++) {
            if (relevance.isMatch(query, ranked[rank])) {
                return rank;
            }
        }
        return Integer.MAX_VALUE;
    }

    private double averagePrecisionAtR(int query, int[] ranked) {
        int r = relevance.matchCount(query);
        int hits = 0;
        double sum = 0;
        for (int rank = 0; rank < Math.min(r, ranked.length); rank++) {
            if (relevance.isMatch(query, ranked[rank])) {
                hits++;
                sum += (double) hits / (rank + 1);
            }
        }
        return sum / r;
    }
}
