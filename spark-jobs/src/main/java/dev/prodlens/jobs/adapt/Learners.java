package dev.prodlens.jobs.adapt;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.adapt.Whitening;
import dev.prodlens.jobs.JobException;
import java.util.ArrayList;
import java.util.List;

/**
 * Learns each method's projection from the train part of the split. The moments the closed forms
 * need are aggregated once ({@link AdaptMoments}) and shared by every method and dimension.
 */
final class Learners {
    private final AdaptMoments.Moments moments;
    private final double momentSeconds;
    private final AdaptSettings settings;

    private Learners(AdaptMoments.Moments moments, double momentSeconds, AdaptSettings settings) {
        this.moments = moments;
        this.momentSeconds = momentSeconds;
        this.settings = settings;
    }

    static Learners of(Labelled labelled, AdaptSettings settings, int dim) {
        long start = System.nanoTime();
        AdaptMoments.Moments moments =
                AdaptMoments.of(
                        labelled.rows(), settings.split(), dim, settings.maxPairsPerGroup());
        return new Learners(moments, (System.nanoTime() - start) / 1e9, settings);
    }

    /**
     * The projections of {@code method} at each of {@code dims}: a whitening is learned once at the
     * largest and cut to the others ({@link Projection#leading}, the same rows a learning at that
     * dimension gives), so each costs one eigen-decomposition, not one per dimension. Learning
     * seconds are the shared moments' plus the method's own.
     */
    List<Learned> learn(String method, List<Integer> dims) {
        long start = System.nanoTime();
        int largest = dims.stream().mapToInt(Integer::intValue).max().orElseThrow();
        Projection full = learn(method, largest);
        double seconds = momentSeconds + (System.nanoTime() - start) / 1e9;
        List<Learned> out = new ArrayList<>();
        for (int d : dims) out.add(new Learned(d == largest ? full : full.leading(d), seconds));
        return out;
    }

    /** A projection and the seconds it took to learn. */
    record Learned(Projection projection, double seconds) {}

    private Projection learn(String method, int dim) {
        return switch (method) {
            case AdaptSettings.PCA -> Whitening.pca(moments.all(), dim);
            case AdaptSettings.LEARNED -> {
                if (moments.pairs().count() < 2) {
                    throw new JobException(
                            "learned-whitening needs matching pairs, and the train groups ("
                                    + GroupSplit.Part.TRAIN
                                    + ") hold none: give groups of two or more items");
                }
                yield Whitening.learned(moments.all(), moments.pairs(), dim, settings.shrinkage());
            }
            default -> throw new IllegalArgumentException("no learner for " + method);
        };
    }
}
