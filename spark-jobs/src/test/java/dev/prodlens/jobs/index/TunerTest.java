package dev.prodlens.jobs.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The nprobe sweep: the cheapest setting that reaches the target, or a stop where recall stops
 * growing.
 */
class TunerTest {
    private static final int D = 32;
    private static final int N = 20_000;
    private static final int Q = 200;
    private static final int K = 10;

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n * D];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static ExactNeighbours.Result exact(float[] base, float[] queries) {
        try (FaissIndex flat = FaissIndex.create(D, "Flat", Metric.INNER_PRODUCT)) {
            flat.add(base, ids());
            SearchResult r = flat.search(queries, K);
            return new ExactNeighbours.Result(r.rawIds(), r.rawScores(), K);
        }
    }

    private static long[] ids() {
        long[] ids = new long[N];
        for (int i = 0; i < N; i++) ids[i] = i;
        return ids;
    }

    private static Tuner.Tuning tune(String factory, double target) {
        float[] base = random(N, 1);
        float[] queries = random(Q, 2);
        try (FaissIndex index = FaissIndex.create(D, factory, Metric.INNER_PRODUCT)) {
            index.train(base);
            index.add(base, ids());
            return Tuner.tune(
                    index, IndexPlan.Kind.IVF, 64, queries, exact(base, queries), K, target);
        }
    }

    @Test
    void fullVectorsReachTheTargetAtTheFirstSufficientNprobe() {
        Tuner.Tuning t = tune("IVF64,Flat", 0.9);
        assertTrue(t.reached(), t.tried().toString());
        assertTrue(t.recall() >= 0.9);
        int nprobe = SearchOptions.parse(t.searchParameters()).nprobe();
        assertEquals("nprobe=" + nprobe, t.searchParameters());
        assertTrue(nprobe < 64, "stopped before scanning every list: " + t.tried());
        assertEquals(
                t.tried().size(),
                Integer.numberOfTrailingZeros(nprobe) + 1,
                "doubling 1, 2, 4, … up to the chosen one");
    }

    @Test
    void codesThatCapRecallStopTheSweepEarly() {
        // 4 bytes for 32 dimensions: recall@10 cannot get near 0.99 however many lists are searched
        Tuner.Tuning t = tune("IVF64,PQ4", 0.99);
        assertFalse(t.reached(), t.tried().toString());
        assertTrue(
                t.tried().size() < 7,
                "did not go on to nprobe=64 once recall only crawled: " + t.tried());
        Map<String, Double> tried = t.tried();
        assertTrue(
                tried.values().stream().mapToDouble(Double::doubleValue).max().orElseThrow()
                        <= t.recall() + 1e-4);
    }
}
