package dev.prodlens.jobs.evaluate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Keeps the {@code limit} queries with the lowest AP@R seen so far (ties: lower ordinal first, so
 * the choice does not depend on batch order), with their first {@value #SHOWN} results: the
 * examples a person looks at to see why an index or an embedding fails.
 */
final class WorstQueries {
    /** Results shown per worst query. */
    static final int SHOWN = 5;

    private static final Comparator<EvalResult.WorstQuery> WORST_FIRST =
            Comparator.comparingDouble(EvalResult.WorstQuery::averagePrecision)
                    .thenComparingInt(EvalResult.WorstQuery::ordinal);

    private final int limit;
    private final Relevance relevance;
    private final String[] itemIds;

    /** The kept ones, best of them on top (the one to drop when a worse query comes). */
    private final PriorityQueue<EvalResult.WorstQuery> kept =
            new PriorityQueue<>(WORST_FIRST.reversed());

    WorstQueries(int limit, Relevance relevance, String[] itemIds) {
        this.limit = limit;
        this.relevance = relevance;
        this.itemIds = itemIds;
    }

    void offer(int query, double averagePrecision, int[] ranked, float[] scores) {
        if (limit == 0) {
            return;
        }
        EvalResult.WorstQuery candidate =
                new EvalResult.WorstQuery(
                        query,
                        itemIds[query],
                        averagePrecision,
                        relevance.matchCount(query),
                        List.of());
        if (kept.size() == limit && WORST_FIRST.compare(candidate, kept.peek()) >= 0) {
            return;
        }
        List<EvalResult.Hit> top = new ArrayList<>(SHOWN);
        for (int r = 0; r < Math.min(SHOWN, ranked.length); r++) {
            top.add(
                    new EvalResult.Hit(
                            ranked[r],
                            itemIds[ranked[r]],
                            scores[r],
                            relevance.isMatch(query, ranked[r])));
        }
        kept.add(
                new EvalResult.WorstQuery(
                        query,
                        itemIds[query],
                        averagePrecision,
                        candidate.trueMatches(),
                        List.copyOf(top)));
        if (kept.size() > limit) {
            kept.poll();
        }
    }

    /** Worst first. */
    List<EvalResult.WorstQuery> result() {
        return kept.stream().sorted(WORST_FIRST).toList();
    }
}
