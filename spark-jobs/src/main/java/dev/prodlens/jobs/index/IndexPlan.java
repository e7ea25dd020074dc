package dev.prodlens.jobs.index;

/**
 * Which Faiss index to build and how.
 *
 * @param factory the index_factory string
 * @param kind decides how it is built (parallel shards for IVF) and tuned (nprobe / efSearch)
 * @param trainVectors how many vectors to train on (0: no training)
 * @param reason why, for the manifest and the console
 */
public record IndexPlan(String factory, Kind kind, int trainVectors, String reason) {
    public enum Kind {
        /** Exact search: nothing to train or tune. */
        FLAT,
        /** Graph: built on the driver (Faiss's HNSW cannot merge shards), tuned by efSearch. */
        HNSW,
        /**
         * Inverted lists: trained on a sample, shards encoded in the executors and merged, tuned by
         * nprobe.
         */
        IVF
    }

    /** The kind a factory string builds (for a configured factory). */
    static Kind kindOf(String factory) {
        String f = factory.toUpperCase(java.util.Locale.ROOT);
        if (f.contains("IVF")) return Kind.IVF;
        if (f.contains("HNSW")) return Kind.HNSW;
        if (f.strip().equals("FLAT") || f.strip().equals("IDMAP,FLAT")) return Kind.FLAT;
        throw new IllegalArgumentException(factory);
    }
}
