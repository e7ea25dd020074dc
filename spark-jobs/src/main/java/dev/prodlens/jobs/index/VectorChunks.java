package dev.prodlens.jobs.index;

import dev.prodlens.core.faiss.FaissIndex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Moves {@code (vector_id, embedding)} rows from the executors to the driver as packed chunks: up
 * to {@link #ROWS} vectors per chunk, their ids then their floats, in native byte order, which the
 * driver copies into one direct buffer and hands to Faiss as it is.
 *
 * <p>Why: a {@code Row} turns every float of an {@code array<float>} into a boxed {@code Float}
 * (1,280 objects per vector), and {@code toLocalIterator} of rows sends them so. The executors read
 * Spark's internal rows instead ({@link Vectors#copy(InternalRow, int, float[], int)}: one bulk
 * copy per vector) and ship one {@code byte[]} per chunk, which serialises as one block.
 */
final class VectorChunks {
    /** Vectors per chunk: large batches for Faiss's kernels, a few tens of MB at most per chunk. */
    static final int ROWS = 4096;

    private VectorChunks() {}

    /** The rows of {@code vectors} (vector_id, embedding), packed per partition into chunks. */
    static JavaRDD<byte[]> of(Dataset<Row> vectors, int dim) {
        return Vectors.internalRows(vectors).mapPartitions(rows -> pack(rows, dim));
    }

    /** The chunks of one partition's rows, packed lazily (one chunk of memory at a time). */
    static Iterator<byte[]> pack(Iterator<InternalRow> rows, int dim) {
        return new Iterator<>() {
            private final long[] ids = new long[ROWS];
            private final float[] floats = new float[ROWS * dim];

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public byte[] next() {
                if (!rows.hasNext()) throw new NoSuchElementException();
                int n = 0;
                while (n < ROWS && rows.hasNext()) {
                    InternalRow r = rows.next();
                    ids[n] = r.getLong(0);
                    Vectors.copy(r, dim, floats, n * dim);
                    n++;
                }
                ByteBuffer chunk =
                        ByteBuffer.allocate(n * bytesPerRow(dim)).order(ByteOrder.nativeOrder());
                chunk.asLongBuffer().put(ids, 0, n);
                chunk.position(n * Long.BYTES);
                chunk.asFloatBuffer().put(floats, 0, n * dim);
                return chunk.array();
            }
        };
    }

    static int bytesPerRow(int dim) {
        return Long.BYTES + dim * Float.BYTES;
    }

    /** How many vectors a chunk holds. */
    static int rows(byte[] chunk, int dim) {
        if (chunk.length % bytesPerRow(dim) != 0) {
            throw new IllegalArgumentException(
                    "a vector chunk of " + chunk.length + " bytes is not whole rows of dim " + dim);
        }
        return chunk.length / bytesPerRow(dim);
    }

    /** How many vectors were added, and the seconds spent waiting for chunks and in Faiss. */
    record Added(long vectors, double readSeconds, double addSeconds) {}

    /**
     * Adds every chunk to {@code index} through one reused direct buffer (no per-value copies on
     * the driver), showing each vector to {@code tap} too.
     */
    static Added addAll(FaissIndex index, Iterator<byte[]> chunks, int dim, RowVisitor tap) {
        ByteBuffer direct =
                ByteBuffer.allocateDirect(ROWS * bytesPerRow(dim)).order(ByteOrder.nativeOrder());
        long total = 0;
        long reading = 0;
        long adding = 0;
        long t = System.nanoTime();
        while (chunks.hasNext()) {
            byte[] chunk = chunks.next();
            long read = System.nanoTime();
            reading += read - t;
            int n = rows(chunk, dim);
            direct.clear();
            direct.put(chunk);
            index.add(
                    direct.slice(n * Long.BYTES, n * dim * Float.BYTES)
                            .order(ByteOrder.nativeOrder())
                            .asFloatBuffer(),
                    direct.slice(0, n * Long.BYTES).order(ByteOrder.nativeOrder()).asLongBuffer());
            total += n;
            visit(chunk, dim, tap);
            t = System.nanoTime();
            adding += t - read;
        }
        return new Added(total, reading / 1e9, adding / 1e9);
    }

    /** What {@link #forEach} calls for each vector. */
    interface RowVisitor {
        /** {@code vector}: a view of the chunk, valid during the call only. */
        void visit(long id, FloatBuffer vector);
    }

    /** Calls {@code visitor} for every vector of {@code chunks}, in order. */
    static void forEach(Iterator<byte[]> chunks, int dim, RowVisitor visitor) {
        while (chunks.hasNext()) visit(chunks.next(), dim, visitor);
    }

    /** Calls {@code visitor} for every vector of one chunk, in order. */
    private static void visit(byte[] chunk, int dim, RowVisitor visitor) {
        int n = rows(chunk, dim);
        ByteBuffer bytes = ByteBuffer.wrap(chunk).order(ByteOrder.nativeOrder());
        LongBuffer ids = bytes.asLongBuffer();
        FloatBuffer floats =
                bytes.position(n * Long.BYTES)
                        .slice()
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        for (int r = 0; r < n; r++) visitor.visit(ids.get(r), floats.slice(r * dim, dim));
    }
}
