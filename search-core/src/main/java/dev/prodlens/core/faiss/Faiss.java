package dev.prodlens.core.faiss;

/** Process-wide settings of the Faiss binding. */
public final class Faiss {
    private Faiss() {}

    /**
     * OpenMP threads each Faiss call may use (0 restores the default: OMP_NUM_THREADS or the core
     * count). Per-call {@link SearchOptions#threads()} overrides it.
     */
    public static void setThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
        FaissNative.setThreads(threads);
    }

    /**
     * Which build of Faiss is loaded: "avx512" (AVX-512 F/CD/VL/DQ/BW), "avx2" (AVX2 + FMA) or
     * "generic" (the x86-64 baseline). Chosen by the CPU; system property {@code
     * prodlens.faiss.simd} = auto | avx512 | avx2 | generic overrides it before first use.
     */
    public static String simdLevel() {
        return NativeLibrary.variant();
    }

    /**
     * From how many queries in one call an exhaustive (Flat) search computes its distances as one
     * matrix product (BLAS) rather than scanning the vectors once per query; Faiss's default is 20.
     * The product reads the stored vectors once for all the queries, so a lower threshold pays
     * where a few queries are searched together (a served model batch); see bench/faiss.sh.
     * Process-wide: set it before searches start.
     */
    public static void setBlasThreshold(int queries) {
        if (queries < 1) {
            throw new IllegalArgumentException(
                    "the BLAS threshold must be >= 1 query, got " + queries);
        }
        FaissNative.setBlasThreshold(queries);
    }

    /** The current {@link #setBlasThreshold BLAS threshold}. */
    public static int blasThreshold() {
        return FaissNative.blasThreshold();
    }

    /** Threads a call uses when nothing is set. */
    public static int defaultThreads() {
        return FaissNative.defaultThreads();
    }
}
