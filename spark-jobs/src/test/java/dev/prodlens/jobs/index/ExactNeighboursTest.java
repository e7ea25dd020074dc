package dev.prodlens.jobs.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchResult;
import dev.prodlens.jobs.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tuner's ground truth, found where the vectors are, batch by batch: by a pass of its own and
 * inside the IVF encoding pass, both equal to brute force over every vector on the driver.
 */
class ExactNeighboursTest {
    private static final int DIM = 8;
    private static final int K = 10;

    /** Two partitions of more than one batch each. */
    private static final int ROWS = 2 * Vectors.BATCH + 2 * 1500 + 3;

    private static final int QUERIES = 25;

    private static SparkSession spark;
    private static Dataset<Row> items;
    private static float[] all;
    private static float[] queries;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("exact-neighbours");
        Random random = new Random(42);
        all = new float[ROWS * DIM];
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            Float[] v = new Float[DIM];
            for (int d = 0; d < DIM; d++) {
                all[i * DIM + d] = (float) random.nextGaussian();
                v[d] = all[i * DIM + d];
            }
            rows.add(RowFactory.create((long) i, v));
        }
        StructType schema =
                new StructType()
                        .add("vector_id", DataTypes.LongType, false)
                        .add(
                                "embedding",
                                DataTypes.createArrayType(DataTypes.FloatType, false),
                                false);
        items = spark.createDataFrame(rows, schema).repartition(2).cache();
        queries = new float[QUERIES * DIM];
        for (int i = 0; i < queries.length; i++) queries[i] = (float) random.nextGaussian();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Brute force over every vector on the driver. */
    private static SearchResult bruteForce() {
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) ids[i] = i;
        try (FaissIndex flat = FaissIndex.create(DIM, "Flat", Metric.INNER_PRODUCT)) {
            flat.add(all, ids);
            return flat.search(queries, K);
        }
    }

    private static void assertSame(SearchResult expected, ExactNeighbours.Result found) {
        assertArrayEquals(expected.rawIds(), found.ids(), "the same neighbours, best first");
        assertArrayEquals(expected.rawScores(), found.scores(), 1e-4f);
    }

    @Test
    void aPassOfItsOwnFindsTheExactNeighbours() {
        assertSame(bruteForce(), ExactNeighbours.search(spark, items, queries, DIM, K));
    }

    @Test
    void theIvfEncodingPassFindsThemTooAndEncodesEveryVector() {
        try (FaissIndex index = FaissIndex.create(DIM, "IVF4,Flat", Metric.INNER_PRODUCT)) {
            index.train(all);
            ExactNeighbours.Result exact =
                    BuildIndexJob.addShards(spark, items, index, queries, DIM, K);
            assertEquals(ROWS, index.size());
            assertSame(bruteForce(), exact);
        }
    }
}
