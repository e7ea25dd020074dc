package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Remove, reconstruct and IVF merge. */
class FaissMutationTest {
    static final int D = 24;
    static final int N = 6_000;
    static final TestVectors.Data V =
            new TestVectors.Data(N, 40, D, 30, 4, false, TestVectors.ids(N, 10_000));

    static FaissIndex build(String factory) {
        return TestVectors.filled(factory, D, Metric.L2, V.base, V.ids);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "IVF16,Flat", "IVF16,PQ8np"})
    void removedIdsAreGone(String factory) {
        try (FaissIndex index = build(factory)) {
            long[] gone = Arrays.copyOfRange(V.ids, 0, N / 2);
            assertEquals(N / 2, index.remove(gone));
            assertEquals(N - N / 2, index.size());
            assertEquals(0, index.remove(gone), "removing twice removes nothing");
            assertEquals(0, index.remove(-5L, 3L), "unknown ids are ignored");
            Set<Long> removed = new HashSet<>();
            for (long id : gone) {
                removed.add(id);
            }
            // search with the removed vectors themselves: they must not come back
            SearchResult got =
                    index.search(
                            TestVectors.rows(V.base, D, 0, 100),
                            10,
                            SearchOptions.DEFAULT.withNprobe(16));
            for (long id : got.rawIds()) {
                assertFalse(removed.contains(id), "removed id " + id + " returned");
            }
            assertEquals(10, got.count(0));
        }
    }

    @Test
    void removeByFilter() {
        try (FaissIndex index = build("Flat");
                IdFilter below = IdFilter.range(0, V.ids[100])) {
            assertEquals(100, index.remove(below));
            assertEquals(N - 100, index.size());
            assertTrue(index.reconstruct(V.ids[99]).isEmpty());
            assertTrue(index.reconstruct(V.ids[100]).isPresent());
        }
    }

    @Test
    void removeFromHnswIsUnsupported() {
        try (FaissIndex index = build("HNSW16")) {
            UnsupportedOperationException e =
                    assertThrows(UnsupportedOperationException.class, () -> index.remove(V.ids[0]));
            assertTrue(e.getMessage().contains("HNSW"), e.getMessage());
            assertEquals(N, index.size(), "nothing removed");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW16", "IVF16,Flat"})
    void reconstructGivesTheStoredVector(String factory) {
        try (FaissIndex index = build(factory)) {
            for (int i : new int[] {0, 17, N - 1}) {
                float[] expected = TestVectors.rows(V.base, D, i, i + 1);
                assertArrayEquals(expected, index.reconstruct(V.ids[i]).orElseThrow(), 0f);
            }
            assertTrue(index.reconstruct(V.ids[1] + 1).isEmpty(), "an id never added");
        }
    }

    /**
     * More-like-this reconstructs while searches run: once an IVF index has its id lookup,
     * reconstruct is a read, so it must not wait for a reader to finish. Here it runs on another
     * thread while this one holds the index as a reader; were it a write, it would wait forever.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Flat", "IVF16,Flat"})
    void reconstructRunsBesideReaders(String factory) throws Exception {
        try (FaissIndex index = build(factory)) {
            index.reconstruct(V.ids[0]).orElseThrow(); // IVF builds its id lookup here, once
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                float[] got =
                        index.shared(
                                p -> {
                                    try {
                                        return other.submit(
                                                        () ->
                                                                index.reconstruct(V.ids[7])
                                                                        .orElseThrow())
                                                .get(30, TimeUnit.SECONDS);
                                    } catch (Exception e) {
                                        throw new AssertionError(
                                                "reconstruct did not run beside a reader: " + e, e);
                                    }
                                });
                assertArrayEquals(TestVectors.rows(V.base, D, 7, 8), got, 0f);
            } finally {
                other.shutdownNow();
            }
        }
    }

    @Test
    void reconstructOfPqIsApproximate() {
        try (FaissIndex index = build("IVF16,PQ8np")) {
            float[] expected = TestVectors.rows(V.base, D, 5, 6);
            float[] got = index.reconstruct(V.ids[5]).orElseThrow();
            double error = 0;
            double norm = 0;
            for (int j = 0; j < D; j++) {
                error += (got[j] - expected[j]) * (got[j] - expected[j]);
                norm += expected[j] * expected[j];
            }
            assertTrue(error < 0.1 * norm, "relative squared error " + error / norm);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"IVF16,Flat", "IVF16,PQ8np", "PCA16,IVF16,Flat"})
    void mergeOfShardsEqualsSingleShotBuild(String factory) {
        try (FaissIndex trained = FaissIndex.create(D, factory, Metric.L2)) {
            trained.train(V.base);
            byte[] template = trained.toBytes();
            try (FaissIndex single = FaissIndex.fromBytes(template);
                    FaissIndex shardA = FaissIndex.fromBytes(template);
                    FaissIndex shardB = FaissIndex.fromBytes(template)) {
                single.add(V.base, V.ids);
                int half = N / 2;
                shardA.add(TestVectors.rows(V.base, D, 0, half), Arrays.copyOf(V.ids, half));
                shardB.add(
                        TestVectors.rows(V.base, D, half, N), Arrays.copyOfRange(V.ids, half, N));
                shardA.mergeFrom(shardB);
                assertEquals(N, shardA.size());
                assertEquals(0, shardB.size(), "the merged shard is emptied");
                SearchOptions all = SearchOptions.DEFAULT.withNprobe(8);
                SearchResult expected = single.search(V.queries, 10, all);
                SearchResult got = shardA.search(V.queries, 10, all);
                assertArrayEquals(expected.rawIds(), got.rawIds());
                if (factory.startsWith("PCA")) {
                    // the transform ran on other batches: BLAS may round the last bit differently
                    assertArrayEquals(expected.rawScores(), got.rawScores(), 1e-5f);
                } else {
                    assertArrayEquals(expected.rawScores(), got.rawScores(), 0f);
                    assertArrayEquals(single.toBytes(), shardA.toBytes(), "identical index files");
                }
            }
        }
    }

    @Test
    void mergeOfSeparatelyTrainedIndexesIsRefused() {
        try (FaissIndex a = FaissIndex.create(D, "IVF16,Flat", Metric.L2);
                FaissIndex b = FaissIndex.create(D, "IVF16,Flat", Metric.L2)) {
            a.train(TestVectors.rows(V.base, D, 0, 3_000));
            b.train(TestVectors.rows(V.base, D, 3_000, N));
            b.add(TestVectors.rows(V.base, D, 0, 10), Arrays.copyOf(V.ids, 10));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> a.mergeFrom(b));
            assertTrue(e.getMessage().contains("trained separately"), e.getMessage());
            assertEquals(10, b.size(), "nothing moved");
        }
    }

    @Test
    void mergeNeedsIvfIndexes() {
        try (FaissIndex a = build("HNSW16");
                FaissIndex b = build("HNSW16");
                FaissIndex ivf = build("IVF16,Flat")) {
            assertThrows(UnsupportedOperationException.class, () -> a.mergeFrom(b));
            assertThrows(UnsupportedOperationException.class, () -> ivf.mergeFrom(a));
            assertThrows(IllegalArgumentException.class, () -> ivf.mergeFrom(ivf));
        }
    }

    @Test
    void refinedIvfTakesIdsAndRefusesMerge() {
        // Faiss >= 1.8 finds the IVF index inside IndexRefine; merging only that part would drop
        // the refine vectors, so the binding still treats IVF + refine as not mergeable (and wraps
        // it in an id map, as the refine index cannot store ids)
        try (FaissIndex a = build("IVF16,PQ4np,RFlat");
                FaissIndex b = build("IVF16,PQ4np,RFlat")) {
            assertTrue(a.description().startsWith("IndexIDMap2("), a.description());
            assertThrows(UnsupportedOperationException.class, () -> a.mergeFrom(b));
        }
    }
}
