package dev.prodlens.core.bundle;

/**
 * The names inside a bundle directory and next to the versions (the contract between the jobs and
 * the API).
 */
public final class BundleFiles {
    public static final String MANIFEST = "manifest.json";
    public static final String INDEX = "index.faiss";
    public static final String ITEMS = "items.jsonl";
    public static final String REPORT = "report";

    /**
     * The duplicate listings the match job found: its page ({@code index.html}, thumbnails) and
     * {@code summary.json}; absent when reindex ran without it.
     */
    public static final String DUPLICATES = "duplicates";

    /** The learned projection, when the manifest names one (dev.prodlens.core.adapt.Projection). */
    public static final String PROJECTION = "projection.bin";

    /** Next to the version directories: names the live one. */
    public static final String CURRENT = "CURRENT";

    /** Prefix of directories being written; readers ignore them, a failed run leaves only these. */
    public static final String STAGING_PREFIX = ".staging-";

    private BundleFiles() {}
}
