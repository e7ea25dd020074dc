package dev.prodlens.core.faiss;

/**
 * Per-call search settings. They do not change the index, so concurrent searches may use different
 * ones. A knob that does not apply to the index type (nprobe on HNSW) is ignored; 0 means the
 * index's own setting.
 *
 * @param nprobe   IVF: inverted lists visited per query
 * @param efSearch HNSW: candidate list size
 * @param filter   only ids this filter accepts are returned, or null for all
 * @param threads  OpenMP threads for this call (1 suits many concurrent single queries), 0: default
 */
public record SearchOptions(int nprobe, int efSearch, IdFilter filter, int threads) {
    public static final SearchOptions DEFAULT = new SearchOptions(0, 0, null, 0);

    public SearchOptions {
        if (nprobe < 0 || efSearch < 0 || threads < 0) {
            throw new IllegalArgumentException("nprobe, efSearch and threads must be >= 0");
        }
    }

    public SearchOptions withNprobe(int value) {
        return new SearchOptions(value, efSearch, filter, threads);
    }

    public SearchOptions withEfSearch(int value) {
        return new SearchOptions(nprobe, value, filter, threads);
    }

    public SearchOptions withFilter(IdFilter value) {
        return new SearchOptions(nprobe, efSearch, value, threads);
    }

    public SearchOptions withThreads(int value) {
        return new SearchOptions(nprobe, efSearch, filter, value);
    }
}
