package dev.prodlens.core.faiss;

/**
 * Per-call search settings. They do not change the index, so concurrent searches may use different
 * ones. A knob that does not apply to the index type (nprobe on HNSW) is ignored; 0 means the
 * index's own setting.
 *
 * @param nprobe IVF: inverted lists visited per query
 * @param efSearch HNSW: candidate list size
 * @param refineFactor IVF-PQ + refine ("...,RFlat"): candidates re-ranked exactly per result (Faiss
 *     k_factor)
 * @param filter only ids this filter accepts are returned, or null for all
 * @param threads OpenMP threads for this call (1 suits many concurrent single queries), 0: default
 */
public record SearchOptions(
        int nprobe, int efSearch, float refineFactor, IdFilter filter, int threads) {
    public static final SearchOptions DEFAULT = new SearchOptions(0, 0, 0, null, 0);

    public SearchOptions {
        if (nprobe < 0 || efSearch < 0 || threads < 0) {
            throw new IllegalArgumentException("nprobe, efSearch and threads must be >= 0");
        }
        if (!(refineFactor == 0 || refineFactor >= 1) || refineFactor > 1024) {
            throw new IllegalArgumentException(
                    "refineFactor must be 0 (index default) or in "
                            + "[1, 1024], got "
                            + refineFactor);
        }
    }

    public SearchOptions withNprobe(int value) {
        return new SearchOptions(value, efSearch, refineFactor, filter, threads);
    }

    public SearchOptions withEfSearch(int value) {
        return new SearchOptions(nprobe, value, refineFactor, filter, threads);
    }

    public SearchOptions withRefineFactor(float value) {
        return new SearchOptions(nprobe, efSearch, value, filter, threads);
    }

    public SearchOptions withFilter(IdFilter value) {
        return new SearchOptions(nprobe, efSearch, refineFactor, value, threads);
    }

    public SearchOptions withThreads(int value) {
        return new SearchOptions(nprobe, efSearch, refineFactor, filter, value);
    }
}
