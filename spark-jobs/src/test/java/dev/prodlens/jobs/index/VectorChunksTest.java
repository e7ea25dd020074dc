package dev.prodlens.jobs.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.TestSpark;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.SparkException;
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
 * The packed path from Spark's rows to Faiss: every vector arrives under its own id with its own
 * values, across partitions and chunk boundaries, and a vector of the wrong length stops the job.
 */
class VectorChunksTest {
    private static final int DIM = 5;

    /** Two partitions of over one chunk each: a whole chunk and a partial one in each. */
    private static final int ROWS = 2 * VectorChunks.ROWS + 3 * 1000 + 7;

    private static final StructType SCHEMA =
            new StructType()
                    .add("vector_id", DataTypes.LongType, false)
                    .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                    .add("title", DataTypes.StringType, true);

    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("vector-chunks");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** A distinct vector per ordinal. */
    static float[] vector(long ordinal, int dim) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) v[d] = ordinal * 0.5f + d * 0.001f - 7;
        return v;
    }

    /** Rows in a shuffled order over two partitions (ids need not be sorted or dense). */
    static Dataset<Row> items(SparkSession spark, int rows, int dim) {
        List<Row> list = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            long ordinal = (i * 7919L) % rows * 3;
            float[] v = vector(ordinal, dim);
            Float[] boxed = new Float[dim];
            for (int d = 0; d < dim; d++) boxed[d] = v[d];
            list.add(RowFactory.create(ordinal, boxed, "item " + ordinal));
        }
        return spark.createDataFrame(list, SCHEMA).repartition(2);
    }

    @Test
    void everyVectorReachesFaissUnderItsOwnId() {
        Dataset<Row> items = items(spark, ROWS, DIM);
        assertTrue(
                VectorChunks.of(items, DIM).collect().stream()
                        .anyMatch(c -> VectorChunks.rows(c, DIM) == VectorChunks.ROWS),
                "a partition fills at least one whole chunk");
        Set<Long> tapped = new HashSet<>();
        try (FaissIndex index = FaissIndex.create(DIM, "IDMap2,Flat", Metric.INNER_PRODUCT)) {
            VectorChunks.Added added =
                    VectorChunks.addAll(
                            index,
                            VectorChunks.of(items, DIM).toLocalIterator(),
                            DIM,
                            (id, vector) -> tapped.add(id));
            assertEquals(ROWS, added.vectors());
            assertTrue(added.readSeconds() > 0 && added.addSeconds() > 0, added.toString());
            assertEquals(ROWS, index.size());
            assertEquals(ROWS, tapped.size(), "the tap saw every vector once");
            for (long ordinal = 0; ordinal < 3L * ROWS; ordinal += 3) {
                assertArrayEquals(
                        vector(ordinal, DIM),
                        index.reconstruct(ordinal).orElseThrow(),
                        0f,
                        "ordinal " + ordinal);
            }
            assertTrue(index.reconstruct(1).isEmpty(), "no id that no row had");
        }
    }

    @Test
    void forEachVisitsEveryVectorOnceWithItsIdAndValues() {
        Dataset<Row> items = items(spark, ROWS, DIM);
        Set<Long> seen = new HashSet<>();
        VectorChunks.forEach(
                VectorChunks.of(items, DIM).toLocalIterator(),
                DIM,
                (id, vector) -> {
                    assertTrue(seen.add(id), "id " + id + " visited twice");
                    float[] values = new float[DIM];
                    vector.get(values);
                    assertArrayEquals(vector(id, DIM), values, 0f, "id " + id);
                });
        assertEquals(ROWS, seen.size());
    }

    @Test
    void aVectorOfAnotherLengthStopsTheJobSayingWhatToDo() {
        Dataset<Row> items = items(spark, 10, DIM + 1);
        SparkException e =
                assertThrows(
                        SparkException.class,
                        () -> VectorChunks.of(items, DIM).collect(),
                        "the executors check every vector");
        Throwable cause = e;
        while (cause != null && !(cause instanceof JobException)) cause = cause.getCause();
        assertTrue(cause != null, "a JobException: " + e);
        assertTrue(
                cause.getMessage().contains("6 dimensions where the model has 5")
                        && cause.getMessage().contains("re-run embed"),
                cause.getMessage());
    }

    @Test
    void aChunkOfPartRowsIsRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> VectorChunks.rows(new byte[VectorChunks.bytesPerRow(DIM) + 1], DIM));
    }
}
