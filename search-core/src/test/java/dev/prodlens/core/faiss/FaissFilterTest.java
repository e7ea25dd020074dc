package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.BitSet;
import java.util.function.LongPredicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Filtered search returns only allowed ids, and the right ones (vs filtered brute force). */
class FaissFilterTest {
    static final int D = 32;
    static final int N = 8_000;
    static final int Q = 100;

    /** Dense ids 0..N-1, so a bitmap can cover them. */
    static final TestVectors.Data V =
            new TestVectors.Data(N, Q, D, 50, 3, true, LongStream.range(0, N).toArray());

    static IdFilter everyThird;

    @BeforeAll
    static void data() {
        everyThird = IdFilter.allowList(LongStream.range(0, N).filter(i -> i % 3 == 0).toArray());
    }

    @AfterAll
    static void close() {
        everyThird.close();
    }

    static FaissIndex build(String factory) {
        return TestVectors.filled(factory, D, Metric.INNER_PRODUCT, V.base, V.ids);
    }

    /** Every returned id passes {@code allowed}; recall vs the filtered brute force is high. */
    static void check(FaissIndex index, IdFilter filter, LongPredicate allowed, double minRecall) {
        SearchOptions options =
                SearchOptions.DEFAULT
                        .withFilter(filter)
                        .withNprobe(32)
                        .withEfSearch(256)
                        .withRefineFactor(4);
        SearchResult got = index.search(V.queries, 10, options);
        for (long id : got.rawIds()) {
            assertTrue(id == -1 || allowed.test(id), "id " + id + " is not allowed");
        }
        SearchResult truth = V.exact(10, Metric.INNER_PRODUCT, allowed);
        double recall = TestVectors.recall(got, truth);
        assertTrue(recall >= minRecall, index.description() + " filtered recall " + recall);
    }

    /** Filtered search finds exactly the filtered brute force's top 10. */
    static void assertFilteredExactly(FaissIndex index, IdFilter filter, LongPredicate allowed) {
        SearchResult got = index.search(V.queries, 10, SearchOptions.DEFAULT.withFilter(filter));
        SearchResult truth = V.exact(10, Metric.INNER_PRODUCT, allowed);
        assertArrayEquals(truth.rawIds(), got.rawIds());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32", "IVF32,Flat", "IVF32,PQ8np,RFlat"})
    void allowListReturnsOnlyAllowedIds(String factory) {
        try (FaissIndex index = build(factory)) {
            check(index, everyThird, id -> id % 3 == 0, factory.equals("Flat") ? 1.0 : 0.9);
        }
    }

    @Test
    void flatFilteredSearchIsExactlyTheFilteredBruteForce() {
        try (FaissIndex index = build("Flat")) {
            assertFilteredExactly(index, everyThird, id -> id % 3 == 0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32", "IVF32,Flat"})
    void rangeBitmapNotAndAnd(String factory) {
        BitSet bits = new BitSet(N);
        for (int i = 0; i < N; i += 5) {
            bits.set(i);
        }
        try (FaissIndex index = build(factory);
                IdFilter range = IdFilter.range(1_000, 3_000);
                IdFilter bitmap = IdFilter.bitmap(bits);
                IdFilter notThird = everyThird.not();
                IdFilter both = range.and(bitmap)) {
            double min = factory.equals("Flat") ? 1.0 : 0.9;
            check(index, range, id -> id >= 1_000 && id < 3_000, min);
            check(index, bitmap, id -> id % 5 == 0, min);
            check(index, notThird, id -> id % 3 != 0, min);
            check(index, both, id -> id >= 1_000 && id < 3_000 && id % 5 == 0, min);
        }
    }

    @Test
    void verySelectiveFilterOnHnswIsAnsweredExactly() {
        // 1% of the ids: the graph walk would mostly meet rejected nodes; the binding scans the
        // allowed vectors instead, so the answer is the filtered brute force exactly
        long[] few = LongStream.range(0, N).filter(i -> i % 100 == 7).toArray();
        try (FaissIndex index = build("HNSW32");
                IdFilter filter = IdFilter.allowList(few)) {
            assertFilteredExactly(index, filter, id -> id % 100 == 7);
        }
    }

    @Test
    void compositeFiltersOutliveTheirParts() {
        IdFilter range = IdFilter.range(0, 4_000);
        IdFilter composite = range.and(everyThird);
        range.close();
        try (FaissIndex index = build("Flat");
                composite) {
            check(index, composite, id -> id < 4_000 && id % 3 == 0, 1.0);
        }
    }

    @Test
    void filterRejectingEverythingGivesEmptyResults() {
        try (FaissIndex index = build("HNSW32");
                IdFilter none = IdFilter.allowList()) {
            SearchResult got = index.search(V.queries, 5, SearchOptions.DEFAULT.withFilter(none));
            long[] expected = new long[Q * 5];
            Arrays.fill(expected, -1);
            assertArrayEquals(expected, got.rawIds());
            assertEquals(0, got.count(0));
        }
    }

    @Test
    void aShiftedFilterJudgesTheIdsHighBits() {
        // ids 0..N-1 read as item (id >> 3) and image (id & 7): a filter over items applies to
        // every image of an allowed item, and rejects negative ids
        BitSet items = new BitSet();
        for (int item = 0; item < N >> 3; item += 4) items.set(item);
        try (FaissIndex index = build("Flat");
                IdFilter byItem = IdFilter.bitmap(items);
                IdFilter shifted = byItem.shifted(3)) {
            check(index, shifted, id -> (id >> 3) % 4 == 0, 1.0);
        }
        IdFilter any = IdFilter.range(0, Long.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> any.shifted(63));
        assertThrows(IllegalArgumentException.class, () -> any.shifted(-1));
        any.close();
    }

    @Test
    void idsOutsideTheBitmapAreRejected() {
        BitSet first = new BitSet();
        first.set(0, 10);
        try (FaissIndex index = build("Flat");
                IdFilter bitmap = IdFilter.bitmap(first)) {
            check(index, bitmap, id -> id < 10, 1.0);
        }
    }

    @Test
    void closedFilterCannotBeUsed() {
        IdFilter filter = IdFilter.range(0, 10);
        filter.close();
        filter.close(); // idempotent
        try (FaissIndex index = build("Flat")) {
            assertFilteredSearchFails(IllegalStateException.class, index, filter, "closed");
        }
    }

    @Test
    void filteredSearchOnIndexesWithoutSelectorsIsUnsupported() {
        try (FaissIndex index = FaissIndex.create(D, "LSH", Metric.L2)) {
            index.add(V.base, V.ids);
            assertFilteredSearchFails(
                    UnsupportedOperationException.class, index, everyThird, "filtered search");
        }
    }

    /**
     * A top-5 search of {@code index} through {@code filter} throws {@code type}, saying {@code
     * words}.
     */
    private static void assertFilteredSearchFails(
            Class<? extends RuntimeException> type,
            FaissIndex index,
            IdFilter filter,
            String words) {
        RuntimeException e =
                assertThrows(
                        type,
                        () -> index.search(V.queries, 5, SearchOptions.DEFAULT.withFilter(filter)));
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }
}
