package dev.prodlens.jobs.evaluate;

/**
 * How the cosine scores of retrieved neighbours fall for true matches and for non-matches: where
 * the two overlap no threshold separates them. Counted into fixed bins over [-1, 1] rather than
 * sampled, so the size stays bounded ({@value #BINS} bins per class) with exact counts over every
 * retrieved pair; scores outside the range (approximate indexes) go to the end bins.
 */
public final class ScoreHistogram {
    /** Bins over [{@value #MIN}, {@value #MAX}]. */
    public static final int BINS = 100;

    public static final double MIN = -1;
    public static final double MAX = 1;

    private final long[] matches = new long[BINS];
    private final long[] nonMatches = new long[BINS];

    void add(float score, boolean match) {
        int bin = (int) Math.floor((score - MIN) / binWidth());
        bin = Math.max(0, Math.min(BINS - 1, bin));
        (match ? matches : nonMatches)[bin]++;
    }

    public static double binWidth() {
        return (MAX - MIN) / BINS;
    }

    /** The lower edge of a bin. */
    public static double lowerEdge(int bin) {
        return MIN + bin * binWidth();
    }

    /** Pairs of a true match per bin (a copy). */
    public long[] matches() {
        return matches.clone();
    }

    /** Pairs of a non-match per bin (a copy). */
    public long[] nonMatches() {
        return nonMatches.clone();
    }
}
