package dev.prodlens.jobs.index;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.jobs.JobException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;

/** Copying embedding columns ({@code array<float>}) into the flat row-major arrays Faiss takes. */
public final class Vectors {
    private Vectors() {}

    /**
     * Copies row {@code field} into {@code out[offset…offset+dim)}; a vector of another length is a
     * job error.
     */
    public static void copy(Row row, int field, int dim, float[] out, int offset) {
        List<Float> v = row.getList(field);
        if (v.size() != dim) {
            throw new JobException(
                    "an embedding has "
                            + v.size()
                            + " dimensions where the model has "
                            + dim
                            + "; the embeddings table is inconsistent: re-run embed into a new output");
        }
        for (int d = 0; d < dim; d++) out[offset + d] = v.get(d);
    }

    /**
     * Rows handed to Faiss at once: large enough for its batched kernels, small enough for any
     * heap.
     */
    private static final int ADD_BATCH = 4096;

    /**
     * Adds every {@code (ordinal, embedding)} row to {@code index} in batches; returns how many.
     */
    static long addAll(FaissIndex index, Iterator<Row> rows, int dim) {
        float[] vectors = new float[ADD_BATCH * dim];
        long[] ids = new long[ADD_BATCH];
        int n = 0;
        long total = 0;
        while (rows.hasNext()) {
            Row r = rows.next();
            ids[n] = r.getLong(0);
            copy(r, 1, dim, vectors, n * dim);
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
