package dev.prodlens.core.faiss;

/** Process-wide settings of the Faiss binding. */
public final class Faiss {
    private Faiss() {}

    /**
     * OpenMP threads each Faiss call may use (0 restores the default: OMP_NUM_THREADS or the
     * core count). Per-call {@link SearchOptions#threads()} overrides it.
     */
    public static void setThreads(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
        FaissNative.setThreads(threads);
    }

    /**
     * Which build of Faiss's distance kernels is loaded: "avx2" (AVX2 + FMA) or "generic" (the
     * x86-64 baseline, as Debian ships it). Chosen by the CPU; system property
     * {@code prodlens.faiss.simd} = auto | avx2 | generic overrides it before first use.
     */
    public static String simdLevel() {
        return NativeLibrary.variant();
    }

    /** Threads a call uses when nothing is set. */
    public static int defaultThreads() {
        return FaissNative.defaultThreads();
    }
}
