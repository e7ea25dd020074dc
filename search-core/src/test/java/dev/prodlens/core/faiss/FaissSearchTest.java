package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Search results against a brute-force Java reference. */
class FaissSearchTest {
    static final int D = 48;
    static final int N = 20_000;
    static final int Q = 200;

    /** The queries come from the same clusters as the base rows. */
    static final TestVectors.Data V =
            new TestVectors.Data(N, Q, D, 100, 1, true, TestVectors.ids(N, 1_000_000_000_000L));

    @ParameterizedTest
    @EnumSource(Metric.class)
    void flatIsExact(Metric metric) {
        SearchResult truth = V.exact(10, metric, null);
        try (FaissIndex index = FaissIndex.create(D, "Flat", metric)) {
            index.add(V.base, V.ids);
            assertEquals(N, index.size());
            SearchResult got = index.search(V.queries, 10);
            assertArrayEquals(truth.rawIds(), got.rawIds());
            assertArrayEquals(truth.rawScores(), got.rawScores(), 1e-4f);
            assertEquals(metric, index.metric());
            assertEquals(D, index.dimension());
        }
    }

    /** A few queries as one matrix product (BLAS) or as a scan per query: the same exact answer. */
    @ParameterizedTest
    @EnumSource(Metric.class)
    void flatIsExactWhateverTheBlasThreshold(Metric metric) {
        float[] few = TestVectors.rows(V.queries, D, 0, 8);
        SearchResult truth = TestVectors.exact(V.base, V.ids, D, few, 10, metric, null);
        int before = Faiss.blasThreshold();
        try (FaissIndex index = FaissIndex.create(D, "Flat", metric)) {
            index.add(V.base, V.ids);
            for (int threshold : new int[] {1, 4, 1_000}) {
                Faiss.setBlasThreshold(threshold);
                SearchResult got = index.search(few, 10, SearchOptions.DEFAULT.withThreads(1));
                assertArrayEquals(truth.rawIds(), got.rawIds(), "threshold " + threshold);
                assertArrayEquals(
                        truth.rawScores(), got.rawScores(), 1e-4f, "threshold " + threshold);
            }
        } finally {
            Faiss.setBlasThreshold(before);
        }
        assertThrows(IllegalArgumentException.class, () -> Faiss.setBlasThreshold(0));
    }

    @Test
    void hnswReachesRecall95() {
        SearchResult truth = V.exact(10, Metric.INNER_PRODUCT, null);
        try (FaissIndex index = FaissIndex.create(D, "HNSW32", Metric.INNER_PRODUCT)) {
            index.add(V.base, V.ids);
            double recall =
                    TestVectors.recall(
                            index.search(V.queries, 10, SearchOptions.DEFAULT.withEfSearch(128)),
                            truth);
            assertTrue(recall >= 0.95, "HNSW32 recall@10 " + recall);
            // efSearch really reaches Faiss: a tiny candidate list loses recall
            double low =
                    TestVectors.recall(
                            index.search(V.queries, 10, SearchOptions.DEFAULT.withEfSearch(10)),
                            truth);
            assertTrue(low < recall, "efSearch=10 recall " + low + " vs 128 " + recall);
        }
    }

    @Test
    void perCallEfSearchSearchesLikeTheIndexSetting() {
        // Faiss 1.7.3 caps a per-call efSearch at the index's own (its queue is sized from the
        // index): the binding must still give the very search the index-level setting gives.
        try (FaissIndex index = FaissIndex.create(D, "HNSW16", Metric.INNER_PRODUCT);
                IdFilter everyId = IdFilter.allowList(V.ids)) {
            index.add(V.base, V.ids);
            index.setSearchParameters("efSearch=16");
            SearchResult perCall =
                    index.search(V.queries, 10, SearchOptions.DEFAULT.withEfSearch(200));
            SearchResult filtered =
                    index.search(
                            V.queries,
                            10,
                            SearchOptions.DEFAULT.withEfSearch(200).withFilter(everyId));
            SearchResult narrow = index.search(V.queries, 10);
            index.setSearchParameters("efSearch=200");
            SearchResult indexWide = index.search(V.queries, 10);
            assertArrayEquals(indexWide.rawIds(), perCall.rawIds());
            assertArrayEquals(indexWide.rawScores(), perCall.rawScores());
            assertArrayEquals(indexWide.rawIds(), filtered.rawIds());
            assertTrue(
                    !java.util.Arrays.equals(narrow.rawIds(), indexWide.rawIds()),
                    "efSearch 16 and 200 gave the same results: the setting did not reach Faiss");
        }
    }

    @Test
    void efConstructionSetsTheGraphQuality() {
        SearchResult truth = V.exact(10, Metric.INNER_PRODUCT, null);
        double[] recall = new double[2];
        int[] efConstruction = {8, 200};
        for (int i = 0; i < 2; i++) {
            try (FaissIndex index = FaissIndex.create(D, "HNSW8", Metric.INNER_PRODUCT)) {
                index.setSearchParameters("efConstruction=" + efConstruction[i] + ",efSearch=16");
                index.add(V.base, V.ids);
                recall[i] = TestVectors.recall(index.search(V.queries, 10), truth);
            }
        }
        assertTrue(
                recall[1] > recall[0] + 0.02,
                "efConstruction 200 recall " + recall[1] + " vs 8: " + recall[0]);
        try (FaissIndex flat = FaissIndex.create(D, "Flat", Metric.L2);
                FaissIndex hnsw = FaissIndex.create(D, "HNSW8", Metric.L2)) {
            IllegalArgumentException notHnsw =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> flat.setSearchParameters("efConstruction=64"));
            assertTrue(notHnsw.getMessage().contains("HNSW"), notHnsw.getMessage());
            for (String bad :
                    new String[] {"efConstruction=0", "efConstruction=x", "efConstruction=9e9"}) {
                IllegalArgumentException e =
                        assertThrows(
                                IllegalArgumentException.class,
                                () -> hnsw.setSearchParameters(bad));
                assertTrue(e.getMessage().contains("[1, 100000]"), e.getMessage());
            }
        }
    }

    /** An L2 index trained on the first {@code trainRows} base rows, holding them all. */
    static FaissIndex l2TrainedOn(String factory, int trainRows) {
        FaissIndex index = FaissIndex.create(D, factory, Metric.L2);
        index.train(TestVectors.rows(V.base, D, 0, trainRows));
        index.add(V.base, V.ids);
        return index;
    }

    @Test
    void ivfPqWithRefineReachesRecall95() {
        SearchResult truth = V.exact(10, Metric.L2, null);
        // IVF-PQ codes rank candidates, the exact vectors (RFlat) re-rank the best k x factor
        try (FaissIndex index = l2TrainedOn("IVF64,PQ12np,RFlat", 10_000)) {
            SearchOptions tuned = SearchOptions.DEFAULT.withNprobe(16).withRefineFactor(8);
            double recall = TestVectors.recall(index.search(V.queries, 10, tuned), truth);
            assertTrue(recall >= 0.95, "IVF64,PQ12np,RFlat recall@10 " + recall);
            // both knobs reach Faiss: fewer lists or no re-ranking lose neighbours. Queries far
            // from the data's clusters sit near cell borders, where nprobe matters.
            float[] stray = TestVectors.clustered(Q, D, Q, 9, false);
            SearchResult strayTruth =
                    TestVectors.exact(V.base, V.ids, D, stray, 10, Metric.L2, null);
            double strayRecall = TestVectors.recall(index.search(stray, 10, tuned), strayTruth);
            double oneList =
                    TestVectors.recall(index.search(stray, 10, tuned.withNprobe(1)), strayTruth);
            assertTrue(
                    oneList < strayRecall, "nprobe=1 recall " + oneList + " vs 16 " + strayRecall);
            double pqOnly =
                    TestVectors.recall(
                            index.search(V.queries, 10, tuned.withRefineFactor(1)), truth);
            assertTrue(pqOnly < recall, "refine x1 recall " + pqOnly + " vs x8 " + recall);
            // the index-wide defaults, set through ParameterSpace, give the same answer
            index.setSearchParameters("nprobe=16,k_factor_rf=8");
            assertArrayEquals(
                    index.search(V.queries, 10, tuned).rawIds(),
                    index.search(V.queries, 10).rawIds());
        }
    }

    @Test
    void parameterSpaceSetsDefaults() {
        SearchResult truth = V.exact(10, Metric.L2, null);
        try (FaissIndex index = l2TrainedOn("IVF64,Flat", 5_000)) {
            double before = TestVectors.recall(index.search(V.queries, 10), truth);
            index.setSearchParameters("nprobe=64");
            SearchResult all = index.search(V.queries, 10);
            assertEquals(
                    1.0, TestVectors.recall(all, truth), 1e-9, "IVF with nprobe=nlist is exact");
            assertTrue(before < 1.0, "nprobe=1 default should lose some neighbours: " + before);
        }
    }

    @Test
    void fewerItemsThanKArePadded() {
        try (FaissIndex index = FaissIndex.create(D, "Flat", Metric.L2)) {
            index.add(TestVectors.rows(V.base, D, 0, 3), new long[] {5, 6, 7});
            SearchResult got = index.search(TestVectors.rows(V.queries, D, 0, 2), 10);
            assertEquals(3, got.count(0));
            assertEquals(-1, got.id(1, 3));
            assertEquals(3, got.ids(1).length);
        }
    }

    @Test
    void directBuffersGiveTheSameResults() {
        try (FaissIndex index = FaissIndex.create(D, "HNSW16", Metric.INNER_PRODUCT)) {
            index.add(TestVectors.floatBuffer(V.base), TestVectors.longBuffer(V.ids));
            FloatBuffer scores = TestVectors.floatBuffer(new float[Q * 10]);
            LongBuffer found = TestVectors.longBuffer(new long[Q * 10]);
            index.search(
                    TestVectors.floatBuffer(V.queries), 10, SearchOptions.DEFAULT, scores, found);
            SearchResult viaArrays = index.search(V.queries, 10);
            long[] foundIds = new long[Q * 10];
            found.get(foundIds);
            assertArrayEquals(viaArrays.rawIds(), foundIds);
        }
    }

    @Test
    void addFromBuffersTakesTheirWholeCapacityWhateverTheirPosition() {
        try (FaissIndex index = FaissIndex.create(D, "Flat", Metric.L2)) {
            FloatBuffer vectors = TestVectors.floatBuffer(TestVectors.rows(V.base, D, 0, 3));
            LongBuffer threeIds = TestVectors.longBuffer(new long[] {5, 6, 7});
            vectors.position(D);
            threeIds.position(1);
            index.add(vectors, threeIds);
            assertEquals(3, index.size());
            assertEquals(5, index.search(TestVectors.rows(V.base, D, 0, 1), 1).id(0, 0));
        }
    }
}
