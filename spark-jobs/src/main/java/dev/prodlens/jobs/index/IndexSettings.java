package dev.prodlens.jobs.index;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.faiss.FaissException;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.jobs.JobException;

/**
 * The {@code index.*} keys, read and checked together, before any work: a typo in them fails a
 * reindex in a second instead of after the embed stage.
 *
 * @param tuneK {@code index.tune-k}: the k of the recall the search parameters are tuned for
 * @param tuneQueries {@code index.tune-queries}: held-out queries to tune on
 * @param targetRecall {@code index.target-recall}, in (0, 1]
 */
public record IndexSettings(IndexPlanner planner, int tuneK, int tuneQueries, double targetRecall) {
    public static IndexSettings from(Config config) {
        return new IndexSettings(
                IndexPlanner.from(config),
                config.get(ConfigKeys.INDEX_TUNE_K),
                config.get(ConfigKeys.INDEX_TUNE_QUERIES),
                config.get(ConfigKeys.INDEX_TARGET_RECALL));
    }

    /**
     * Fails unless Faiss builds the configured {@code index.factory} for {@code dim}-d vectors (an
     * empty index is made and dropped): catches what the planner's rules cannot, such as a product
     * quantiser whose size does not divide the dimension. {@code auto} plans are always buildable.
     */
    public void requireBuildable(int dim) {
        String factory = planner.factory();
        if (factory.equalsIgnoreCase("auto")) return;
        try {
            FaissIndex.create(dim, factory, Metric.INNER_PRODUCT).close();
        } catch (FaissException | IllegalArgumentException e) {
            throw new JobException(
                    "index.factory = '"
                            + factory
                            + "' is not an index Faiss can build for the model's "
                            + dim
                            + "-d vectors ("
                            + reason(e)
                            + "); use auto, Flat, HNSW<M>[,…] or [OPQ…,]IVF<n>,<encoding>");
        }
    }

    /**
     * The last clause of Faiss's message, on one line ("could not parse factory string", not the
     * source location).
     */
    private static String reason(RuntimeException e) {
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("").strip();
        int colon = message.lastIndexOf(": ");
        return colon >= 0 ? message.substring(colon + 2) : message;
    }
}
