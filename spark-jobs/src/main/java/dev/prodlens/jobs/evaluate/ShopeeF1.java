package dev.prodlens.jobs.evaluate;

import java.util.Objects;

/**
 * The Shopee Product Matching competition's metric, with the score threshold swept on the data. For
 * every item (queries or not): predicted matches = the item itself plus each of its first {@code
 * neighbours} results scoring at least the threshold; true matches = its whole label group, itself
 * included; F1 per item, averaged over all items. The threshold is a cosine from 0.00 to 1.00 in
 * steps of 1/{@value #STEPS}; the best one is chosen on the very data it is scored on, so its F1 is
 * optimistic for unseen data.
 *
 * <p>Accumulates per item (each item adds its F1 at every threshold), so results stream through.
 */
public final class ShopeeF1 implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    /** Thresholds are j / STEPS for j = 0..STEPS. */
    static final int STEPS = 100;

    /**
     * The best threshold and its mean F1.
     *
     * @param f1ByThreshold mean F1 at threshold j / {@value #STEPS}, for j = 0..{@value #STEPS}
     */
    public record Result(double threshold, double f1, double[] f1ByThreshold) {}

    private final transient Relevance relevance; // null for judged items
    private final int neighbours;
    private final double[] f1Sum = new double[STEPS + 1];
    private long items;

    /** {@code neighbours}: how many of each item's results may become predicted matches. */
    public ShopeeF1(Relevance relevance, int neighbours) {
        this(neighbours, Objects.requireNonNull(relevance, "relevance"));
        if (relevance.kind() != Relevance.Kind.LABEL_GROUP) {
            throw new IllegalArgumentException("the Shopee F1 needs label groups");
        }
    }

    /**
     * Without ground truth of its own: items come with theirs ({@link #add(boolean[], float[], int,
     * int)}), so that the sums can be made where the items are (a Spark partition) and merged.
     */
    public static ShopeeF1 ofJudged(int neighbours) {
        return new ShopeeF1(neighbours, null);
    }

    private ShopeeF1(int neighbours, Relevance relevance) {
        if (neighbours < 1) {
            throw new IllegalArgumentException("neighbours must be >= 1, got " + neighbours);
        }
        this.relevance = relevance;
        this.neighbours = neighbours;
    }

    /**
     * Adds one item.
     *
     * @param ranked its results' ordinals without the item itself, best first
     * @param scores their cosine scores
     */
    public void add(int item, int[] ranked, float[] scores) {
        boolean[] correct = new boolean[ranked.length];
        for (int r = 0; r < Math.min(neighbours, ranked.length); r++)
            correct[r] = relevance.isMatch(item, ranked[r]);
        add(correct, scores, ranked.length, relevance.matchCount(item) + 1);
    }

    /**
     * Adds one item whose results are already judged.
     *
     * @param correct whether each result is a true match, best first
     * @param scores their cosine scores
     * @param count how many results there are
     * @param groupSize the item's whole label group, itself included
     */
    public void add(boolean[] correct, float[] scores, int count, int groupSize) {
        // retrieved[j] / hits[j]: results whose highest threshold passed is j; summed from the
        // top below
        int[] retrieved = new int[STEPS + 1];
        int[] hits = new int[STEPS + 1];
        for (int r = 0; r < Math.min(neighbours, count); r++) {
            int level = highestThresholdPassed(scores[r]);
            if (level >= 0) {
                retrieved[level]++;
                hits[level] += correct[r] ? 1 : 0;
            }
        }
        int predicted = 1;
        int truePositives = 1; // the item itself is always predicted and always true
        for (int j = STEPS; j >= 0; j--) {
            predicted += retrieved[j];
            truePositives += hits[j];
            f1Sum[j] += 2.0 * truePositives / (predicted + groupSize);
        }
        items++;
    }

    /** Adds what {@code other} has summed (the items of another partition). */
    public void merge(ShopeeF1 other) {
        for (int j = 0; j <= STEPS; j++) f1Sum[j] += other.f1Sum[j];
        items += other.items;
    }

    /** Items added so far. */
    public long items() {
        return items;
    }

    /** The mean F1 at {@code threshold} (rounded down to a step), over the items added so far. */
    public double f1At(double threshold) {
        if (items == 0) throw new IllegalStateException("no item added");
        return f1Sum[Math.max(0, highestThresholdPassed(threshold))] / items;
    }

    /** The best threshold (the lowest of equals) and the F1 curve, over the items added so far. */
    public Result result() {
        if (items == 0) {
            throw new IllegalStateException("no item added");
        }
        double[] f1 = new double[STEPS + 1];
        int best = 0;
        for (int j = 0; j <= STEPS; j++) {
            f1[j] = f1Sum[j] / items;
            if (f1[j] > f1[best]) {
                best = j;
            }
        }
        return new Result(threshold(best), f1[best], f1);
    }

    /** The threshold of step j. */
    static double threshold(int j) {
        return (double) j / STEPS;
    }

    /** The largest j with threshold(j) <= score, or -1 when the score is under every threshold. */
    private static int highestThresholdPassed(double score) {
        if (score < 0) {
            return -1;
        }
        int j = (int) Math.min(STEPS, Math.floor(score * (double) STEPS));
        // floor of a product can land one step off the exact comparison: settle it with the
        // comparison itself
        while (j < STEPS && threshold(j + 1) <= score) {
            j++;
        }
        while (j > 0 && threshold(j) > score) {
            j--;
        }
        return j;
    }
}
