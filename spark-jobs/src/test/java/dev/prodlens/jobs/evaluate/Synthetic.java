package dev.prodlens.jobs.evaluate;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Deterministic synthetic embeddings for the evaluation tests: groups of noisy copies of random
 * directions.
 */
final class Synthetic {
    static final int CATEGORIES = 3;

    private Synthetic() {}

    /**
     * {@code groups} x {@code perGroup} items: each group's members are its random unit centre plus
     * Gaussian noise of {@code noise} per coordinate, normalised. Label group "g{n}", category "c{n
     * mod 3}", no image refs.
     */
    static EvalData groups(int groups, int perGroup, int dim, double noise, long seed) {
        Random random = new Random(seed);
        int n = groups * perGroup;
        String[] ids = new String[n];
        String[] labels = new String[n];
        String[] categories = new String[n];
        float[] vectors = new float[n * dim];
        for (int g = 0; g < groups; g++) {
            double[] centre = unit(random, dim);
            for (int m = 0; m < perGroup; m++) {
                int item = g * perGroup + m;
                ids[item] = "item-" + item;
                labels[item] = "g" + g;
                categories[item] = "c" + (g % CATEGORIES);
                double[] v = new double[dim];
                for (int d = 0; d < dim; d++) {
                    v[d] = centre[d] + noise * random.nextGaussian();
                }
                normalise(v, vectors, item * dim);
            }
        }
        return new EvalData(ids, vectors, dim, labels, categories, null);
    }

    /** A Flat index (exact) over the data under its ordinals: an "ANN" index that loses nothing. */
    static FaissIndex flat(EvalData data) {
        FaissIndex index = FaissIndex.create(data.dim(), "Flat", Metric.INNER_PRODUCT);
        index.add(data.vectors(), IntStream.range(0, data.size()).asLongStream().toArray());
        return index;
    }

    static double cosine(EvalData data, int a, int b) {
        double dot = 0;
        for (int d = 0; d < data.dim(); d++) {
            dot += data.vectors()[a * data.dim() + d] * data.vectors()[b * data.dim() + d];
        }
        return dot;
    }

    private static double[] unit(Random random, int dim) {
        double[] v = new double[dim];
        for (int d = 0; d < dim; d++) {
            v[d] = random.nextGaussian();
        }
        double norm = Math.sqrt(IntStream.range(0, dim).mapToDouble(d -> v[d] * v[d]).sum());
        for (int d = 0; d < dim; d++) {
            v[d] /= norm;
        }
        return v;
    }

    private static void normalise(double[] v, float[] out, int offset) {
        double norm = Math.sqrt(IntStream.range(0, v.length).mapToDouble(d -> v[d] * v[d]).sum());
        for (int d = 0; d < v.length; d++) {
            out[offset + d] = (float) (v[d] / norm);
        }
    }
}
