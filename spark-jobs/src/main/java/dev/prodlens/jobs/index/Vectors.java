package dev.prodlens.jobs.index;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.jobs.JobException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/** Copying embedding columns ({@code array<float>}) into the flat row-major arrays Faiss takes. */
public final class Vectors {
    private Vectors() {}

    /**
     * Copies row {@code field} into {@code out[offset…offset+dim)}; a vector of another length is a
     * job error.
     */
    public static void copy(Row row, int field, int dim, float[] out, int offset) {
        List<Float> v = row.getList(field);
        requireDim(v.size(), dim);
        for (int d = 0; d < dim; d++) out[offset + d] = v.get(d);
    }

    /**
     * Copies the embedding of an internal {@code (vector_id, embedding)} row into {@code
     * out[offset…offset+dim)}: one bulk copy out of Spark's own array, no boxing.
     */
    static void copy(InternalRow row, int dim, float[] out, int offset) {
        ArrayData v = row.getArray(1);
        requireDim(v.numElements(), dim);
        System.arraycopy(v.toFloatArray(), 0, out, offset, dim);
    }

    private static void requireDim(int size, int dim) {
        if (size != dim) {
            throw new JobException(
                    "an embedding has "
                            + size
                            + " dimensions where the model has "
                            + dim
                            + "; the embeddings table is inconsistent: re-run embed into a new output");
        }
    }

    /**
     * The {@code (vector_id, embedding)} columns of {@code items} as Spark's internal rows (which
     * the executors read without boxing each float; each row is valid until the next is read).
     */
    static JavaRDD<InternalRow> internalRows(Dataset<Row> items) {
        return items.select("vector_id", "embedding").queryExecution().toRdd().toJavaRDD();
    }

    /** Rows handed to Faiss at once: the driver's chunk size, for the same reasons. */
    static final int BATCH = VectorChunks.ROWS;

    /**
     * What {@link #forEachBatch} hands on: the first {@code n} rows of {@code vectors} (row-major)
     * and {@code ids}, arrays reused for the next batch.
     */
    interface BatchConsumer {
        void accept(float[] vectors, long[] ids, int n);
    }

    /**
     * Reads internal {@code (vector_id, embedding)} rows (an executor's partition) in batches of
     * {@link #BATCH}.
     */
    static void forEachBatch(Iterator<InternalRow> rows, int dim, BatchConsumer consumer) {
        float[] vectors = new float[BATCH * dim];
        long[] ids = new long[BATCH];
        int n = 0;
        while (rows.hasNext()) {
            InternalRow r = rows.next();
            ids[n] = r.getLong(0);
            copy(r, dim, vectors, n * dim);
            if (++n == BATCH) {
                consumer.accept(vectors, ids, n);
                n = 0;
            }
        }
        if (n > 0) consumer.accept(vectors, ids, n);
    }

    /** Adds the first {@code n} rows of a batch to {@code index}. */
    static void add(FaissIndex index, float[] vectors, long[] ids, int n) {
        if (n == ids.length) {
            index.add(vectors, ids);
        } else {
            index.add(Arrays.copyOf(vectors, n * index.dimension()), Arrays.copyOf(ids, n));
        }
    }
}
