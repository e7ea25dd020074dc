package dev.prodlens.core.faiss;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link FaissSimdTest}: loads whatever variant {@code prodlens.faiss.simd}
 * asks for and writes {@link #results()} to the file named by its argument.
 */
public final class SimdProbe {
    private SimdProbe() {}

    /**
     * Flat search of 10 queries under both metrics: below Faiss's BLAS threshold (20 queries) it
     * runs the distance kernels that differ between the variants.
     */
    static SearchResult[] results() {
        int d = 100; // not a multiple of 8 or 16: the kernels' tails run too
        float[] base = TestVectors.clustered(3_000, d, 20, 5, false);
        float[] queries = TestVectors.clustered(10, d, 20, 6, false);
        long[] ids = TestVectors.ids(3_000, 1);
        SearchResult[] out = new SearchResult[Metric.values().length];
        for (Metric metric : Metric.values()) {
            try (FaissIndex index = TestVectors.filled("Flat", d, metric, base, ids)) {
                out[metric.ordinal()] = index.search(queries, 10);
            }
        }
        return out;
    }

    public static void main(String[] args) throws IOException {
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(Path.of(args[0])))) {
            out.writeUTF(Faiss.simdLevel());
            for (SearchResult r : results()) {
                for (int i = 0; i < r.rawIds().length; i++) {
                    out.writeLong(r.rawIds()[i]);
                    out.writeFloat(r.rawScores()[i]);
                }
            }
        }
    }
}
