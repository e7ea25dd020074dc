package dev.prodlens.bench.adapt;

import dev.prodlens.bench.adapt.LabelledSet.Item;
import dev.prodlens.core.adapt.MetricHead;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.adapt.Whitening;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import java.util.List;
import java.util.Map;

/**
 * A candidate adaptation: learns a projection onto {@code dim} dimensions from the train part.
 *
 * @param name its name in the table and the summary line
 * @param minDim the smallest output dimension it is learned at
 */
record Method(String name, Learner learner, int minDim) {

    /** Learns the method's projection onto {@code dim} dimensions. */
    interface Learner {
        Projection learn(Training train, int dim);
    }

    /** The learned whitening's shrinkage as the adapt stage applies it by default. */
    private static final double SHRINKAGE = Config.of(Map.of()).get(ConfigKeys.ADAPT_SHRINKAGE);

    /** The candidates, in table order: one line here benchmarks another on every catalogue. */
    static final List<Method> ALL =
            List.of(
                    new Method("pca-whitening", (train, dim) -> Whitening.pca(train.all(), dim), 0),
                    new Method("learned-whitening", Method::learnedWhitening, 0),
                    // trained, not solved: a minute per dimension here, so at the dimensions
                    // the whitenings choose
                    new Method(MetricHead.METHOD, Method::metricHead, 256));

    private static Projection learnedWhitening(Training train, int dim) {
        return Whitening.learned(train.all(), train.pairs(), dim, SHRINKAGE);
    }

    /**
     * The metric head as the adapt stage trains it: from the learned whitening of that dimension.
     */
    private static Projection metricHead(Training train, int dim) {
        float[][] vectors = train.items().stream().map(Item::vector).toArray(float[][]::new);
        String[] groups = train.items().stream().map(Item::group).toArray(String[]::new);
        return MetricHead.train(
                        vectors,
                        groups,
                        learnedWhitening(train, dim),
                        MetricHead.Settings.defaults(dim))
                .projection();
    }

    /** The output dimensions every method is learned at (those a catalogue can hold). */
    static final int[] DIMS = {32, 64, 128, 256, 512};
}
