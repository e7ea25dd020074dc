package dev.prodlens.jobs.adapt;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.MetricHead;
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
    private final Labelled labelled;
    private final Labelled.Census census;
    private final int dim;
    private final AdaptMoments.Moments moments;
    private final double momentSeconds;
    private final AdaptSettings settings;

    private Learners(
            Labelled labelled,
            Labelled.Census census,
            int dim,
            AdaptMoments.Moments moments,
            double momentSeconds,
            AdaptSettings settings) {
        this.labelled = labelled;
        this.census = census;
        this.dim = dim;
        this.moments = moments;
        this.momentSeconds = momentSeconds;
        this.settings = settings;
    }

    /**
     * Aggregates the moments of about {@code adapt.train-items} train items (whole groups, the same
     * on every run).
     */
    static Learners of(Labelled labelled, Labelled.Census census, AdaptSettings settings, int dim) {
        long start = System.nanoTime();
        GroupSplit split = settings.split();
        GroupSplit.Part train = GroupSplit.Part.TRAIN;
        AdaptMoments.Moments moments =
                AdaptMoments.of(
                        labelled.groupsOf(
                                split, train, census.fractionFor(train, settings.trainItems())),
                        split,
                        dim,
                        settings.maxPairsPerGroup());
        return new Learners(
                labelled, census, dim, moments, (System.nanoTime() - start) / 1e9, settings);
    }

    /**
     * The projections of {@code method} at each of {@code dims}: a whitening is learned once at the
     * largest and cut to the others ({@link Projection#leading}, the same rows a learning at that
     * dimension gives), so each costs one eigen-decomposition, not one per dimension. Learning
     * seconds are the shared moments' plus the method's own.
     */
    List<Learned> learn(String method, List<Integer> dims) {
        if (method.equals(AdaptSettings.HEAD)) return heads(dims);
        long start = System.nanoTime();
        int largest = dims.stream().mapToInt(Integer::intValue).max().orElseThrow();
        Projection full = learn(method, largest);
        double seconds = momentSeconds + (System.nanoTime() - start) / 1e9;
        List<Learned> out = new ArrayList<>();
        for (int d : dims) out.add(new Learned(d == largest ? full : full.leading(d), seconds));
        return out;
    }

    /**
     * The metric head at each dimension, trained on at most {@code adapt.sample-items} train items
     * (whole groups) on the driver, starting from the learned whitening at that dimension (which it
     * refines; its learning time is included).
     */
    private List<Learned> heads(List<Integer> dims) {
        if (!ai.djl.engine.Engine.hasEngine("PyTorch")) {
            throw new JobException(
                    "adapt.method = metric-head trains with DJL's PyTorch engine, which this jobs"
                            + " jar leaves out: build it with -Pwith-pytorch (docs/spark.md), or"
                            + " choose learned-whitening");
        }
        long start = System.nanoTime();
        Labelled.Sample train =
                labelled.sample(
                        settings.split(),
                        GroupSplit.Part.TRAIN,
                        census,
                        settings.sampleItems(),
                        dim);
        float[][] vectors = new float[train.size()][];
        for (int i = 0; i < vectors.length; i++) vectors[i] = train.vector(i);
        List<Learned> whitenings = learn(AdaptSettings.LEARNED, dims);
        double shared = (System.nanoTime() - start) / 1e9;
        List<Learned> out = new ArrayList<>();
        for (int i = 0; i < dims.size(); i++) {
            long t = System.nanoTime();
            MetricHead.Trained head =
                    MetricHead.train(
                            vectors,
                            train.groups(),
                            whitenings.get(i).projection(),
                            MetricHead.Settings.defaults(dims.get(i)));
            double seconds = shared + (System.nanoTime() - t) / 1e9;
            System.out.printf(
                    java.util.Locale.ROOT,
                    "adapt: metric-head/%d on %s, %d epochs, loss %.4f -> %.4f%n",
                    dims.get(i),
                    head.device(),
                    head.losses().length,
                    head.losses()[0],
                    head.losses()[head.losses().length - 1]);
            out.add(new Learned(head.projection(), seconds));
        }
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
