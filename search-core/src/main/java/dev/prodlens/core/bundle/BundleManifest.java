package dev.prodlens.core.bundle;

import com.google.gson.JsonObject;

import java.util.Map;

/**
 * {@code manifest.json}: what a bundle holds and how it was made. The API compares
 * {@code model.fingerprint} with the model it runs and refuses a bundle of another model.
 *
 * @param formatVersion {@link #FORMAT_VERSION}; a reader refuses newer formats
 * @param createdAt     ISO-8601 instant
 */
public record BundleManifest(int formatVersion, String version, String createdAt, Model model, Index index,
                             Catalogue catalogue) {
    public static final int FORMAT_VERSION = 1;

    /**
     * @param fingerprint {@code ModelCard.fingerprint()}: weights + preprocessing
     * @param card        the whole model card (input size, mean/std, layer, normalisation, sources)
     */
    public record Model(String id, String fingerprint, int dim, String engine, JsonObject card) {
    }

    /**
     * @param factory      the Faiss index_factory string
     * @param choice       why this index (auto plan or configured)
     * @param search       search parameters the API applies (e.g. {@code nprobe}, {@code efSearch})
     * @param recall       recall@{@code recallK} vs exact search on {@code recallQueries} held-out queries at those parameters
     */
    public record Index(String factory, String choice, String metric, long ntotal, Map<String, Integer> search,
                        double buildSeconds, double recall, int recallK, int recallQueries, double targetRecall,
                        long memoryBytes) {
    }

    /** @param source the catalogue path; rows in it, how many are in the index, failed ones by error code */
    public record Catalogue(String name, String source, long rows, long indexed, Map<String, Long> failed) {
    }
}
