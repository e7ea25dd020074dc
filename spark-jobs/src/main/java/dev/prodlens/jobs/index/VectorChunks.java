package dev.prodlens.jobs.index;

import dev.prodlens.core.faiss.FaissIndex;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Moves {@code (ordinal, embedding)} rows from the executors to the driver as packed chunks: up to
 * {@link #ROWS} vectors per chunk, their ids then their floats, in native byte order, which the
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

    /** The rows of {@code vectors} (ordinal, embedding), packed per partition into chunks. */
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
     * the driver).
     */
    static Added addAll(FaissIndex index, Iterator<byte[]> chunks, int dim) {
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
            t = System.nanoTime();
            adding += t - read;
        }
        return new Added(total, reading / 1e9, adding / 1e9);
    }

    /**
     * Up to {@code limit} vectors of {@code vectors}, row-major, in the order Spark returns them.
     */
    static float[] collect(Dataset<Row> vectors, int dim, int limit) {
        List<byte[]> chunks = new ArrayList<>();
        long n = 0;
        for (Iterator<byte[]> it = of(vectors.limit(limit), dim).toLocalIterator();
                it.hasNext(); ) {
            byte[] chunk = it.next();
            chunks.add(chunk);
            n += rows(chunk, dim);
        }
        float[] out = new float[Math.toIntExact(n * dim)];
        int at = 0;
        for (byte[] chunk : chunks) {
            int rows = rows(chunk, dim);
            ByteBuffer.wrap(chunk)
                    .order(ByteOrder.nativeOrder())
                    .position(rows * Long.BYTES)
                    .asFloatBuffer()
                    .get(out, at, rows * dim);
            at += rows * dim;
        }
        return out;
    }
}
