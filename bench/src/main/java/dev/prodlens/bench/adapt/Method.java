package dev.prodlens.bench.adapt;

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
 */
record Method(String name, Learner learner) {

    /** Learns the method's projection onto {@code dim} dimensions. */
    interface Learner {
        Projection learn(Training train, int dim);
    }

    /** The learned whitening's shrinkage as the adapt stage applies it by default. */
    private static final double SHRINKAGE = Config.of(Map.of()).get(ConfigKeys.ADAPT_SHRINKAGE);

    /** The candidates, in table order: one line here benchmarks another on every catalogue. */
    static final List<Method> ALL =
            List.of(
                    new Method("pca-whitening", (train, dim) -> Whitening.pca(train.all(), dim)),
                    new Method(
                            "learned-whitening",
                            (train, dim) ->
                                    Whitening.learned(train.all(), train.pairs(), dim, SHRINKAGE)));

    /** The output dimensions every method is learned at (those a catalogue can hold). */
    static final int[] DIMS = {32, 64, 128, 256, 512};
}
