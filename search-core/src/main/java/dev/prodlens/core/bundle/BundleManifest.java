package dev.prodlens.core.bundle;

import com.google.gson.JsonObject;
import dev.prodlens.core.faiss.SearchOptions;
import java.util.Map;

/**
 * {@code manifest.json}: what a bundle holds and how it was made. The API compares {@code
 * model.fingerprint} with the model it runs and refuses a bundle of another model.
 *
 * @param formatVersion {@link #FORMAT_VERSION}; a reader refuses newer formats
 * @param createdAt ISO-8601 instant
 * @param live how far the update log was folded into this bundle; null in formats 1 to 3 and when
 *     no log was read (the service then replays the log from its start)
 * @param adapt the projection learned after the backbone ({@link BundleFiles#PROJECTION}); null
 *     when the index holds the model's own vectors
 * @param vectors how the index's vectors map to items; null before format 5 (one vector per item,
 *     its id the item's ordinal)
 */
public record BundleManifest(
        int formatVersion,
        String version,
        String createdAt,
        Model model,
        Index index,
        Catalogue catalogue,
        Live live,
        Adapt adapt,
        Vectors vectors) {

    /** One vector per item (formats 1 to 4). */
    public BundleManifest(
            int formatVersion,
            String version,
            String createdAt,
            Model model,
            Index index,
            Catalogue catalogue,
            Live live,
            Adapt adapt) {
        this(formatVersion, version, createdAt, model, index, catalogue, live, adapt, null);
    }

    /** Without a folded update log (formats 1 to 3, or {@code live.log=off}). */
    public BundleManifest(
            int formatVersion,
            String version,
            String createdAt,
            Model model,
            Index index,
            Catalogue catalogue) {
        this(formatVersion, version, createdAt, model, index, catalogue, null, null, null);
    }

    /**
     * The bits of a Faiss id that number an item's images ({@link VectorIds}): 0 before format 5.
     */
    public int imageBits() {
        return vectors == null ? 0 : vectors.imageBits();
    }

    /**
     * The last update log position this bundle already holds, -1 for none: a service replays the
     * log from the next one on.
     */
    public long logPosition() {
        return live == null ? -1 : live.position();
    }

    /**
     * 5: several images per item: {@link #vectors()}, Faiss ids {@link VectorIds#of}(ordinal,
     * image), {@link BundleItem#images()}. 4: {@link #live()}, the update log position folded in.
     * 3: the tuned search parameters as one Faiss ParameterSpace string ({@link
     * Index#searchParameters()}) instead of a map. 2: items' images relative to the images root
     * when under it ({@link BundleItem#image()}), catalogue warnings and images root.
     *
     * <p>Formats 1 and 2 still load: an absolute image reference resolves the same way in all, and
     * their {@code search} map, whose keys were already ParameterSpace names, is read as the string
     * ({@link Bundles#readManifest}). A reader older than a format refuses its bundles with one
     * line rather than misread them (relative images; a missing {@code search} map).
     */
    public static final int FORMAT_VERSION = 5;

    /**
     * What the adapt stage learned and chose (issue 18). Unless the method is {@link #NONE}, the
     * projection is in {@link BundleFiles#PROJECTION}: the index holds projected vectors, and the
     * service projects each query the same way.
     *
     * @param method what learned the projection ({@code pca-whitening}, {@code learned-whitening},
     *     {@code metric-head}), or {@link #NONE}: the model's own vectors were kept
     * @param dim the index's dimension (the projected one, or the model's for none)
     * @param trainGroups groups the projection was learned from (0 without labels)
     * @param groups where the groups came from: {@code label_group}, {@code pairs:<file>}, or
     *     {@code none}
     * @param split the group-disjoint split the choice and the report used; null when none was made
     * @param candidates every method and dimension tried, with its validation figures (the model's
     *     own vectors first, as {@link #NONE})
     * @param note why the model's vectors were kept, when they were; null otherwise
     */
    public record Adapt(
            String method,
            int dim,
            long trainGroups,
            String groups,
            Split split,
            java.util.List<Candidate> candidates,
            String note) {
        /** The method name that stands for no projection. */
        public static final String NONE = "none";

        /** A chosen projection, learned from {@code trainGroups} groups, nothing else recorded. */
        public Adapt(String method, int dim, long trainGroups) {
            this(method, dim, trainGroups, "label_group", null, java.util.List.of(), null);
        }

        /** Whether the index holds projected vectors (and the bundle a projection file). */
        public boolean projected() {
            return !NONE.equals(method);
        }
    }

    /**
     * The group-disjoint split (a group's part from the SHA-256 of its name).
     *
     * @param validationShare share of the groups that chose the method and dimension
     * @param testShare share of the groups the report's before/after figures come from
     * @param trainGroups, validationGroups, testGroups groups (of two or more items) in each part
     */
    public record Split(
            double validationShare,
            double testShare,
            long trainGroups,
            long validationGroups,
            long testGroups) {}

    /**
     * One method and dimension the adapt stage tried, scored on the validation groups.
     *
     * @param learnSeconds time to learn it (0 for the model's own vectors)
     */
    public record Candidate(
            String method,
            int dim,
            double mapR,
            double recallAt1,
            double recallAt10,
            double learnSeconds) {}

    /**
     * How the index's vectors map to items (format 5 on).
     *
     * @param imageBits the low bits of a Faiss id that number the item's image ({@link VectorIds})
     * @param images vectors in the index: every indexed image of every item
     * @param maxImagesPerItem the most images one item has: a search for k distinct items asks
     *     Faiss for at most k times this many vectors
     */
    public record Vectors(int imageBits, long images, int maxImagesPerItem) {}

    /**
     * The update log folded into the bundle by reindex (issue 17).
     *
     * @param log which log: {@code local:<directory>} or {@code kafka:<servers>/<topic>}
     * @param position the last position folded in (every record up to it, none after it); -1 when
     *     the log was empty
     */
    public record Live(String log, long position) {}

    /**
     * @param fingerprint {@code ModelCard.fingerprint()}: weights + preprocessing
     * @param card the whole model card (input size, mean/std, layer, normalisation, sources)
     */
    public record Model(String id, String fingerprint, int dim, String engine, JsonObject card) {}

    /**
     * @param factory the Faiss index_factory string
     * @param choice why this index (auto plan or configured)
     * @param searchParameters the tuned search parameters the API and the evaluation apply, in
     *     Faiss ParameterSpace syntax ({@code "nprobe=16"}, {@code "efSearch=64"}, {@code ""} for
     *     none), read with {@link #searchOptions()}
     * @param recall recall@{@code recallK} vs exact search on {@code recallQueries} held-out
     *     queries at those parameters
     */
    public record Index(
            String factory,
            String choice,
            String metric,
            long ntotal,
            String searchParameters,
            double buildSeconds,
            double recall,
            int recallK,
            int recallQueries,
            double targetRecall,
            long memoryBytes) {
        /**
         * {@link #searchParameters()} as per-call options ({@link SearchOptions#parse}).
         *
         * @throws IllegalArgumentException for parameters that are not ParameterSpace syntax or
         *     name a knob the binding lacks ({@link Bundles#readManifest} refuses such a bundle)
         */
        public SearchOptions searchOptions() {
            return SearchOptions.parse(searchParameters);
        }
    }

    /**
     * @param source the catalogue path; rows in it, how many are in the index, failed ones by error
     *     code
     * @param warned rows indexed with a warning (a price that is not a number, text that is not
     *     UTF-8), by code; null in format 1
     * @param imagesRoot the images root relative image references were made against when built;
     *     null in format 1
     */
    public record Catalogue(
            String name,
            String source,
            long rows,
            long indexed,
            Map<String, Long> failed,
            Map<String, Long> warned,
            String imagesRoot) {
        /** Without warnings or images root (as format 1 wrote it). */
        public Catalogue(
                String name, String source, long rows, long indexed, Map<String, Long> failed) {
            this(name, source, rows, indexed, failed, Map.of(), null);
        }
    }
}
