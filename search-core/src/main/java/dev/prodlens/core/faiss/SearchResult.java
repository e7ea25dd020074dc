package dev.prodlens.core.faiss;

/**
 * Results of a batched search: for query q, rank r (0..k-1), {@code id(q, r)} and {@code score(q,
 * r)}. Ranks past the available matches (fewer than k items, or a narrow filter) have id -1; the
 * {@link #count(int)} valid ones come first.
 */
public final class SearchResult {
    private final int queries;
    private final int k;
    private final long[] ids;
    private final float[] scores;

    SearchResult(int queries, int k, long[] ids, float[] scores) {
        this.queries = queries;
        this.k = k;
        this.ids = ids;
        this.scores = scores;
    }

    public int queries() {
        return queries;
    }

    public int k() {
        return k;
    }

    public long id(int query, int rank) {
        return ids[offset(query, rank)];
    }

    public float score(int query, int rank) {
        return scores[offset(query, rank)];
    }

    /** Number of real matches for this query (ranks with an id other than -1). */
    public int count(int query) {
        int base = offset(query, 0);
        int n = 0;
        while (n < k && ids[base + n] >= 0) {
            n++;
        }
        return n;
    }

    /** The ids of one query's matches, best first, without the -1 padding. */
    public long[] ids(int query) {
        int base = offset(query, 0);
        return java.util.Arrays.copyOfRange(ids, base, base + count(query));
    }

    /** The flat id array, row-major (queries x k); shared, not copied. */
    public long[] rawIds() {
        return ids;
    }

    /** The flat score array, row-major (queries x k); shared, not copied. */
    public float[] rawScores() {
        return scores;
    }

    private int offset(int query, int rank) {
        if (query < 0 || query >= queries || rank < 0 || rank >= k) {
            throw new IndexOutOfBoundsException(
                    "query " + query + ", rank " + rank + " outside " + queries + " x " + k);
        }
        return query * k + rank;
    }
}
