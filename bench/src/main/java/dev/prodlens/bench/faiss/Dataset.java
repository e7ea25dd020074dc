package dev.prodlens.bench.faiss;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A benchmark dataset written by bench/faiss_data.py: the base vectors memory-mapped (they go to
 * Faiss without a copy), the queries and the exact top-k ids in memory.
 */
record Dataset(int n, int d, int nq, int k, FloatBuffer base, float[] queries, long[] groundTruth) {

    static Dataset load(Path dir) throws IOException {
        String meta = Files.readString(dir.resolve("meta.json"));
        int n = field(meta, "n");
        int d = field(meta, "d");
        int nq = field(meta, "nq");
        int k = field(meta, "k");
        FloatBuffer base = map(dir.resolve("base.f32"), (long) n * d * Float.BYTES).asFloatBuffer();
        float[] queries = new float[nq * d];
        map(dir.resolve("queries.f32"), (long) queries.length * Float.BYTES)
                .asFloatBuffer()
                .get(queries);
        long[] gt = new long[nq * k];
        map(dir.resolve("gt.i64"), (long) gt.length * Long.BYTES).asLongBuffer().get(gt);
        return new Dataset(n, d, nq, k, base, queries, gt);
    }

    /** The first rows of the base as an array (training sample). */
    float[] baseRows(int rows) {
        float[] out = new float[rows * d];
        base.duplicate().position(0).get(out);
        return out;
    }

    float[] query(int i) {
        float[] out = new float[d];
        System.arraycopy(queries, i * d, out, 0, d);
        return out;
    }

    /** Mean recall@k of result ids (nq x k, row-major) against the exact top-k. */
    double recall(long[] ids) {
        long hits = 0;
        for (int q = 0; q < nq; q++) {
            for (int r = 0; r < k; r++) {
                long id = ids[q * k + r];
                for (int g = 0; g < k; g++) {
                    if (groundTruth[q * k + g] == id) {
                        hits++;
                        break;
                    }
                }
            }
        }
        return hits / (double) (nq * k);
    }

    private static ByteBuffer map(Path file, long bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() != bytes) {
                throw new IOException(
                        file
                                + " holds "
                                + ch.size()
                                + " bytes, meta.json says "
                                + bytes
                                + ": regenerate it (rm -r "
                                + file.getParent()
                                + ")");
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static int field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(json);
        if (!m.find()) {
            throw new IllegalArgumentException("meta.json has no field " + name);
        }
        return Integer.parseInt(m.group(1));
    }
}
