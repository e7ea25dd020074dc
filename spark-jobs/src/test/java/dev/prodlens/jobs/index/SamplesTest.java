package dev.prodlens.jobs.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.jobs.TestSpark;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The training sample and the tuning queries, drawn in one pass: within their limits, never the
 * same item twice, each vector its item's own, and the same draw for the same input.
 */
class SamplesTest {
    private static final int DIM = 5;
    private static final int ITEMS = 3000;

    private static SparkSession spark;
    private static Dataset<Row> vectors;
    private static Dataset<Row> metadata;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("samples");
        vectors = VectorChunksTest.items(spark, ITEMS, DIM).cache();
        metadata = vectors.select("vector_id").cache();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The ordinals of a row-major sample, checking each row is its item's vector. */
    private static Set<Long> ordinals(float[] sample) {
        Set<Long> ordinals = new HashSet<>();
        for (int i = 0; i < sample.length / DIM; i++) {
            float[] row = Arrays.copyOfRange(sample, i * DIM, (i + 1) * DIM);
            long ordinal = Math.round((row[0] + 7) / 0.5f);
            assertArrayEquals(VectorChunksTest.vector(ordinal, DIM), row, 1e-4f, "row " + i);
            assertTrue(ordinals.add(ordinal), "ordinal " + ordinal + " drawn twice");
        }
        return ordinals;
    }

    private static Samples drawBoth(Dataset<Row> metadata, long n, int train, int queries) {
        Samples samples = Samples.choose(metadata, n, DIM, train, queries);
        samples.drawBoth(vectors);
        assertTrue(samples.queriesDrawn());
        return samples;
    }

    @Test
    void drawsBothSamplesToTheirLimitsFromDisjointItems() {
        Samples drawn = drawBoth(metadata, ITEMS, 500, 100);
        Set<Long> train = ordinals(drawn.train());
        Set<Long> queries = ordinals(drawn.queries());
        assertEquals(500, train.size());
        assertEquals(100, queries.size());
        train.retainAll(queries);
        assertTrue(train.isEmpty(), "a query was trained on: " + train);
    }

    @Test
    void theSameInputDrawsTheSameSamples() {
        Samples first = drawBoth(metadata, ITEMS, 300, 50);
        Samples second = drawBoth(metadata, ITEMS, 300, 50);
        assertEquals(ordinals(first.train()), ordinals(second.train()));
        assertArrayEquals(first.queries(), second.queries(), 0f, "the queries, in order");
    }

    @Test
    void aPassOverEveryVectorPicksOutTheSameQueries() {
        Samples offered = Samples.choose(metadata, ITEMS, DIM, 0, 100);
        assertFalse(offered.queriesDrawn());
        VectorChunks.forEach(
                VectorChunks.of(vectors, DIM).toLocalIterator(), DIM, offered::offerQuery);
        assertTrue(offered.queriesDrawn());
        assertEquals(0, offered.train().length);
        Set<Long> queries = ordinals(offered.queries());
        assertEquals(100, queries.size());
        assertEquals(ordinals(drawBoth(metadata, ITEMS, 0, 100).queries()), queries);
    }

    @Test
    void aSmallCatalogueGivesEveryItemAsAQuery() {
        Dataset<Row> few = vectors.filter("vector_id < 60");
        Samples all = Samples.choose(few.select("vector_id"), 20, DIM, 0, 1000);
        all.drawBoth(few);
        assertEquals(20, ordinals(all.queries()).size(), "every one of the 20 items a query");
    }
}
