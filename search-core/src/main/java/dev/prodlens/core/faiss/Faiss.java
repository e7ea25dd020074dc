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

    /** Threads a call uses when nothing is set. */
    public static int defaultThreads() {
        return FaissNative.defaultThreads();
    }
}
