package dev.prodlens.bench.adapt;

import dev.prodlens.bench.adapt.LabelledSet.Item;
import dev.prodlens.core.adapt.Scatter;
import dev.prodlens.jobs.adapt.AdaptMoments;
import java.util.List;

/**
 * The train part as every method gets it: its items, and the moments the whitenings learn from,
 * computed once per catalogue (the seconds they took count in each method's learn time).
 *
 * @param all the train vectors' moments
 * @param pairs the moments of matching pairs' differences
 */
record Training(List<LabelledSet.Item> items, Scatter all, Scatter pairs, double seconds) {
    /**
     * Matching pairs per group, as the adapt job caps them ({@link AdaptMoments#addPairs}): a
     * product's few photos give all their pairs; a Fashion-MNIST class of hundreds would give tens
     * of thousands, each an update of a dim × dim matrix (minutes), and the first thousand already
     * pair every member of the class.
     */
    static final int MAX_PAIRS_PER_GROUP = 1000;

    static Training of(List<Item> items) {
        long start = System.nanoTime();
        int dim = items.get(0).vector().length;
        Scatter all = new Scatter(dim);
        for (Item item : items) all.add(item.vector());
        Scatter pairs = new Scatter(dim);
        for (List<float[]> members : LabelledSet.groups(items).values()) {
            AdaptMoments.addPairs(pairs, members, MAX_PAIRS_PER_GROUP);
        }
        return new Training(items, all, pairs, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The most informative output dimension: the train vectors' covariance has rank at most their
     * count less one, so directions beyond it are noise the whitening would blow up.
     */
    int maxDim() {
        return (int) Math.min(all.dim(), all.count() - 1);
    }
}
