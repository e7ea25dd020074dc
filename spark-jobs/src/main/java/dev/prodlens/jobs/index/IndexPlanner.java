package dev.prodlens.jobs.index;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.jobs.JobException;
import java.util.Locale;

/**
 * Picks the index from the number of vectors, their dimension and a memory budget, the way
 * autofaiss does: exact (Flat) while brute force is cheap; HNSW in RAM for mid sizes; inverted
 * lists beyond, storing full vectors (IVF-Flat), half-precision floats (IVF-SQfp16: recall as good
 * as full vectors, half the memory), 8-bit scalar codes (IVF-SQ8) or product-quantised codes
 * (IVF-PQ) — the most accurate encoding that fits the budget. {@code index.factory} other than
 * {@code auto} is taken as it is.
 */
public final class IndexPlanner {
    /** Faiss warns below 39 training points per centroid; 40 gives k-means enough to work with. */
    static final int TRAIN_PER_LIST = 40;

    /**
     * Product-quantiser sub-vector lengths, longest code (best recall) first. Faiss 1.7.3's AVX2
     * kernels have fast paths for 4, 8 and 12 (and 1, 2); other lengths take a generic loop that is
     * slower than the scalar build (docs/search-core.md, measured). 16 and 32 are the fallbacks for
     * a budget too small for 12.
     */
    private static final int[] PQ_SUBVECTOR = {4, 8, 12, 16, 32};

    private static final int HNSW_LINKS = 32;
    private static final int ID_BYTES = 8;

    private final String factory;
    private final long flatMax;
    private final long hnswMax;
    private final long memoryBudget;
    private final int trainMax;

    /**
     * Fails with a one-line {@link JobException} when {@code factory} is neither auto nor a kind
     * this job builds and tunes.
     */
    public IndexPlanner(
            String factory, long flatMax, long hnswMax, long memoryBudgetBytes, int trainMax) {
        if (!factory.equalsIgnoreCase("auto")) kindOf(factory);
        this.factory = factory;
        this.flatMax = flatMax;
        this.hnswMax = hnswMax;
        this.memoryBudget = memoryBudgetBytes;
        this.trainMax = trainMax;
    }

    /**
     * From {@code index.factory}, {@code index.flat-max}, {@code index.hnsw-max}, {@code
     * index.memory-budget-mb}, {@code index.train-max}.
     */
    public static IndexPlanner from(Config config) {
        return new IndexPlanner(
                config.get(ConfigKeys.INDEX_FACTORY),
                config.get(ConfigKeys.INDEX_FLAT_MAX),
                config.get(ConfigKeys.INDEX_HNSW_MAX),
                config.get(ConfigKeys.INDEX_MEMORY_BUDGET_MB) << 20,
                config.get(ConfigKeys.INDEX_TRAIN_MAX));
    }

    public IndexPlan plan(long n, int dim) {
        if (n <= 0)
            throw new JobException(
                    "no embedded items to index; check the embed summary for failures");
        if (!factory.equalsIgnoreCase("auto")) return configured(n);
        long flatBytes = n * (4L * dim + ID_BYTES);
        if (n <= flatMax && flatBytes <= memoryBudget) {
            return new IndexPlan(
                    "Flat",
                    IndexPlan.Kind.FLAT,
                    0,
                    String.format(
                            Locale.ROOT,
                            "auto: %,d vectors ≤ index.flat-max %,d: exact search",
                            n,
                            flatMax));
        }
        long hnswBytes = n * (4L * dim + 2L * HNSW_LINKS * 4 + ID_BYTES);
        if (n <= hnswMax && hnswBytes <= memoryBudget) {
            return new IndexPlan(
                    "HNSW" + HNSW_LINKS,
                    IndexPlan.Kind.HNSW,
                    0,
                    String.format(
                            Locale.ROOT,
                            "auto: %,d vectors ≤ index.hnsw-max %,d and %,d MB fit the budget: HNSW graph",
                            n,
                            hnswMax,
                            hnswBytes >> 20));
        }
        int lists = lists(n);
        int train = (int) Math.min(Math.min(n, trainMax), (long) lists * TRAIN_PER_LIST);
        long perVector = memoryBudget / n;
        String encoding;
        if (perVector >= 4L * dim + ID_BYTES) encoding = "Flat";
        else if (perVector >= 2L * dim + ID_BYTES) encoding = "SQfp16";
        else if (perVector >= dim + ID_BYTES) encoding = "SQ8";
        // "np": no polysemous training, which Faiss 1.7.3 runs by default for PQ, searches here
        // never
        // use, and which took over 11 CPU-minutes for PQ320 on 2,560 vectors (bench/sizing.sh)
        else encoding = "PQ" + pqBytes(dim, perVector - ID_BYTES, n) + "np";
        return new IndexPlan(
                "IVF" + lists + "," + encoding,
                IndexPlan.Kind.IVF,
                train,
                String.format(
                        Locale.ROOT,
                        "auto: %,d vectors over index.hnsw-max or the %,d MB budget: %,d inverted lists, %s codes (%,d bytes/vector allowed)",
                        n,
                        memoryBudget >> 20,
                        lists,
                        encoding,
                        perVector));
    }

    /** {@code index.factory}: auto or a Faiss factory string. */
    public String factory() {
        return factory;
    }

    private static IndexPlan.Kind kindOf(String factory) {
        try {
            return IndexPlan.kindOf(factory);
        } catch (IllegalArgumentException e) {
            throw new JobException(
                    "index.factory = '"
                            + factory
                            + "' is not one this job can build and tune; use auto, Flat, "
                            + "HNSW<M>[,…] or [OPQ…,]IVF<n>,<encoding>");
        }
    }

    private IndexPlan configured(long n) {
        IndexPlan.Kind kind = kindOf(factory);
        int train = kind == IndexPlan.Kind.IVF ? (int) Math.min(n, trainMax) : 0;
        return new IndexPlan(factory, kind, train, "configured: index.factory = " + factory);
    }

    /**
     * About sqrt(N) lists as a power of two, at least 16: balances coarse-quantiser cost against
     * list length.
     */
    static int lists(long n) {
        int lists =
                Integer.highestOneBit(
                        (int) Math.max(16, Math.min(1 << 16, Math.round(Math.sqrt(n)))));
        while ((long) lists * TRAIN_PER_LIST > n && lists > 16) lists /= 2;
        return lists;
    }

    /**
     * The most code bytes per vector that fit, as a PQ size whose sub-vectors Faiss handles well.
     */
    private static int pqBytes(int dim, long allowed, long n) {
        for (int sub : PQ_SUBVECTOR) {
            if (dim % sub == 0 && dim / sub <= allowed) return dim / sub;
        }
        throw new JobException(
                String.format(
                        Locale.ROOT,
                        "index.memory-budget-mb allows %d bytes per vector for %,d vectors of "
                                + "dimension %d: too little for any product quantiser; raise the budget",
                        allowed + ID_BYTES,
                        n,
                        dim));
    }
}
