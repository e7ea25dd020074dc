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
     * Copies the embedding of an internal {@code (ordinal, embedding)} row into {@code
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
     * The {@code (ordinal, embedding)} columns of {@code items} as Spark's internal rows (which the
     * executors read without boxing each float; each row is valid until the next is read).
     */
    static JavaRDD<InternalRow> internalRows(Dataset<Row> items) {
        return items.select("ordinal", "embedding").queryExecution().toRdd().toJavaRDD();
    }

    /** Rows handed to Faiss at once: the driver's chunk size, for the same reasons. */
    private static final int ADD_BATCH = VectorChunks.ROWS;

    /**
     * Adds every internal {@code (ordinal, embedding)} row to {@code index} in batches (an
     * executor's partition); returns how many.
     */
    static long addAll(FaissIndex index, Iterator<InternalRow> rows, int dim) {
        float[] vectors = new float[ADD_BATCH * dim];
        long[] ids = new long[ADD_BATCH];
        int n = 0;
        long total = 0;
        while (rows.hasNext()) {
            InternalRow r = rows.next();
            ids[n] = r.getLong(0);
            copy(r, dim, vectors, n * dim);
            if (++n == ADD_BATCH) {
                index.add(vectors, ids);
                total += n;
                n = 0;
            }
        }
        if (n > 0) index.add(Arrays.copyOf(vectors, n * dim), Arrays.copyOf(ids, n));
        return total + n;
    }
}
