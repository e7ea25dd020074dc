package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Searching an index that holds no vectors yet (a service before its first add, a reader racing the
 * first batch) answers "nothing found" for every query, however many queries there are: Faiss's
 * BLAS path (20 queries or more on a flat index) returns before it fills the results, and the id
 * map's translation then read id_map[0] of an empty map (a JVM crash, seen once in
 * FaissConcurrencyTest).
 */
class FaissEmptyIndexTest {
    private static final int D = 8;

    @ParameterizedTest
    @CsvSource({"Flat, 1", "Flat, 19", "Flat, 20", "Flat, 64", "HNSW32, 64"})
    void anEmptyIndexFindsNothing(String factory, int queries) {
        try (FaissIndex index = FaissIndex.create(D, factory, Metric.INNER_PRODUCT)) {
            SearchResult result = index.search(new float[queries * D], 5);
            for (long id : result.rawIds()) {
                assertEquals(-1, id);
            }
            for (int q = 0; q < queries; q++) {
                assertEquals(0, result.count(q), "query " + q);
            }
        }
    }
}
