package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Many threads on one index: searches stay correct, writes are serialised, close is safe. */
class FaissConcurrencyTest {
    static final int D = 32;
    static final int N = 10_000;
    static final int Q = 64;
    static final int THREADS = 8;
    static final TestVectors.Data V =
            new TestVectors.Data(N, Q, D, 40, 5, true, TestVectors.ids(N, 1));

    @Test
    void concurrentSearchesMatchSequentialOnes() throws Exception {
        try (FaissIndex index = FaissIndex.create(D, "HNSW32", Metric.INNER_PRODUCT)) {
            index.add(V.base, V.ids);
            SearchOptions options = SearchOptions.DEFAULT.withEfSearch(64);
            long[][] expected = new long[Q][];
            for (int q = 0; q < Q; q++) {
                expected[q] =
                        index.search(TestVectors.rows(V.queries, D, q, q + 1), 10, options)
                                .rawIds();
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int seed = t;
                    results.add(
                            pool.submit(
                                    () -> {
                                        SplittableRandom random = new SplittableRandom(seed);
                                        int checked = 0;
                                        for (int i = 0; i < 200; i++) {
                                            int q = random.nextInt(Q);
                                            // alternate single queries on one OpenMP thread and
                                            // batches on all
                                            SearchOptions o =
                                                    i % 2 == 0 ? options.withThreads(1) : options;
                                            long[] got =
                                                    index.search(
                                                                    TestVectors.rows(
                                                                            V.queries, D, q, q + 1),
                                                                    10,
                                                                    o)
                                                            .rawIds();
                                            assertArrayEquals(expected[q], got, "query " + q);
                                            checked++;
                                        }
                                        return checked;
                                    }));
                }
                for (Future<Integer> f : results) {
                    assertEquals(200, f.get(2, TimeUnit.MINUTES));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void addsAreSerialisedWithSearches() throws Exception {
        try (FaissIndex index = FaissIndex.create(D, "Flat", Metric.INNER_PRODUCT)) {
            int batches = 20;
            int batch = N / batches;
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                Future<?> writer =
                        pool.submit(
                                () -> {
                                    for (int b = 0; b < batches; b++) {
                                        index.add(
                                                TestVectors.rows(
                                                        V.base, D, b * batch, (b + 1) * batch),
                                                java.util.Arrays.copyOfRange(
                                                        V.ids, b * batch, (b + 1) * batch));
                                    }
                                });
                List<Future<?>> readers = new ArrayList<>();
                for (int t = 0; t < THREADS - 1; t++) {
                    readers.add(
                            pool.submit(
                                    () -> {
                                        while (!writer.isDone()) {
                                            long size = index.size();
                                            SearchResult r = index.search(V.queries, 5);
                                            // every result is a real id: a search never sees a
                                            // half-done add
                                            for (long id : r.rawIds()) {
                                                assertTrue(
                                                        id == -1 || (id - 1) % 7 == 0,
                                                        "bad id " + id);
                                            }
                                            assertTrue(
                                                    size % batch == 0,
                                                    "size " + size + " mid-batch");
                                        }
                                    }));
                }
                writer.get(2, TimeUnit.MINUTES);
                for (Future<?> r : readers) {
                    r.get(2, TimeUnit.MINUTES);
                }
                assertEquals(N, index.size());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void closeDuringSearchesNeverCrashes() throws Exception {
        FaissIndex index = FaissIndex.create(D, "HNSW16", Metric.INNER_PRODUCT);
        index.add(V.base, V.ids);
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> searchers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                searchers.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < 10_000; i++) {
                                        try {
                                            SearchResult r = index.search(V.queries, 10);
                                            assertEquals(10, r.count(0));
                                            ok.incrementAndGet();
                                        } catch (IllegalStateException e) {
                                            assertTrue(
                                                    e.getMessage().contains("closed"),
                                                    e.getMessage());
                                            closed.incrementAndGet();
                                            return;
                                        }
                                    }
                                }));
            }
            while (ok.get() < 20) {
                Thread.onSpinWait();
            }
            index.close();
            for (Future<?> f : searchers) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(index.isClosed());
        assertTrue(ok.get() >= 20, "searches before close: " + ok.get());
        assertEquals(THREADS, closed.get(), "every searcher saw the close");
    }
}
