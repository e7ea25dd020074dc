package dev.prodlens.core.faiss;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

/** Seeded clustered vectors and a brute-force k-NN reference for the binding's tests. */
final class TestVectors {
    private TestVectors() {}

    /** n vectors of dimension d around {@code clusters} centres; L2-normalised when asked. */
    static float[] clustered(int n, int d, int clusters, long seed, boolean normalise) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] centres = new float[clusters * d];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) (random.nextDouble() * 2 - 1);
        }
        float[] out = new float[n * d];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(clusters);
            for (int j = 0; j < d; j++) {
                out[i * d + j] = centres[c * d + j] + (float) (gaussian(random) * 0.25);
            }
        }
        if (normalise) {
            normalise(out, d);
        }
        return out;
    }

    static void normalise(float[] vectors, int d) {
        for (int i = 0; i < vectors.length / d; i++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                norm += vectors[i * d + j] * vectors[i * d + j];
            }
            float inv = (float) (1 / Math.sqrt(norm));
            for (int j = 0; j < d; j++) {
                vectors[i * d + j] *= inv;
            }
        }
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
                * Math.cos(2 * Math.PI * r.nextDouble());
    }

    static long[] ids(int n, long first) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = first + i * 7L; // not 0..n-1: the binding must keep caller ids
        }
        return ids;
    }

    static float[] rows(float[] vectors, int d, int from, int to) {
        return Arrays.copyOfRange(vectors, from * d, to * d);
    }

    /**
     * A test class's vectors: {@code n} base rows with their {@code ids}, and {@code q} queries
     * drawn from the same clusters.
     */
    static final class Data {
        final int d;
        final float[] base;
        final float[] queries;
        final long[] ids;

        Data(int n, int q, int d, int clusters, long seed, boolean normalise, long[] ids) {
            float[] all = clustered(n + q, d, clusters, seed, normalise);
            this.base = rows(all, d, 0, n);
            this.queries = rows(all, d, n, n + q);
            this.d = d;
            this.ids = ids;
        }

        /** The exact top-k of the queries among the base rows; {@code allowed} may be null. */
        SearchResult exact(int k, Metric metric, LongPredicate allowed) {
            return TestVectors.exact(base, ids, d, queries, k, metric, allowed);
        }
    }

    /** A new index of the factory, trained on {@code base} when it needs training, holding it. */
    static FaissIndex filled(String factory, int d, Metric metric, float[] base, long[] ids) {
        FaissIndex index = FaissIndex.create(d, factory, metric);
        if (!index.isTrained()) {
            index.train(base);
        }
        index.add(base, ids);
        return index;
    }

    /** Exact top-k ids (and scores) by brute force; {@code allowed} may be null. */
    static SearchResult exact(
            float[] base,
            long[] ids,
            int d,
            float[] queries,
            int k,
            Metric metric,
            LongPredicate allowed) {
        int n = base.length / d;
        int q = queries.length / d;
        long[] outIds = new long[q * k];
        float[] outScores = new float[q * k];
        Arrays.fill(outIds, -1);
        Integer[] order = new Integer[n];
        double[] score = new double[n];
        for (int qi = 0; qi < q; qi++) {
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    float a = queries[qi * d + j];
                    float b = base[i * d + j];
                    s += metric == Metric.L2 ? (a - b) * (a - b) : a * b;
                }
                score[i] = s;
                order[i] = i;
            }
            Arrays.sort(
                    order,
                    (a, b) ->
                            metric == Metric.L2
                                    ? Double.compare(score[a], score[b])
                                    : Double.compare(score[b], score[a]));
            int r = 0;
            for (int i = 0; i < n && r < k; i++) {
                if (allowed == null || allowed.test(ids[order[i]])) {
                    outIds[qi * k + r] = ids[order[i]];
                    outScores[qi * k + r] = (float) score[order[i]];
                    r++;
                }
            }
        }
        return new SearchResult(q, k, outIds, outScores);
    }

    /** Mean fraction of the exact top-k found in the approximate top-k. */
    static double recall(SearchResult approx, SearchResult exact) {
        double sum = 0;
        for (int q = 0; q < exact.queries(); q++) {
            java.util.Set<Long> truth = new java.util.HashSet<>();
            for (long id : exact.ids(q)) {
                truth.add(id);
            }
            int hit = 0;
            for (long id : approx.ids(q)) {
                if (truth.contains(id)) {
                    hit++;
                }
            }
            sum += truth.isEmpty() ? 1 : (double) hit / truth.size();
        }
        return sum / exact.queries();
    }

    static FloatBuffer floatBuffer(float[] values) {
        return nativeOrder(values.length * Float.BYTES).asFloatBuffer().put(values).flip();
    }

    static LongBuffer longBuffer(long[] values) {
        return nativeOrder(values.length * Long.BYTES).asLongBuffer().put(values).flip();
    }

    /** A direct buffer of {@code bytes}, in the platform's byte order (what the JNI reads). */
    private static ByteBuffer nativeOrder(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
}
