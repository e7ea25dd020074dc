package dev.prodlens.api.bundle;

import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.SearchOptions;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded bundle version: its manifest, its Faiss index and what the API needs per item (line i
 * of items.jsonl is Faiss id i), with lookups by item id and category. Reference-counted, so a hot
 * swap can close the old index only after the searches that hold it have finished.
 */
public final class LiveBundle {
    private final Path directory;
    private final BundleManifest manifest;
    private final FaissIndex index;
    private final List<BundleItem> items;
    private final Map<String, Integer> ordinals;
    private final Map<String, BitSet> categories;
    private final SearchOptions searchOptions;

    /** 1 for the holder's own reference, +1 per search in flight; the index closes at 0. */
    private final AtomicInteger references = new AtomicInteger(1);

    private LiveBundle(
            Path directory,
            BundleManifest manifest,
            SearchOptions searchOptions,
            FaissIndex index,
            List<BundleItem> items) {
        this.directory = directory;
        this.manifest = manifest;
        this.index = index;
        this.items = List.copyOf(items);
        Map<String, Integer> byId = new HashMap<>(items.size() * 2);
        Map<String, BitSet> byCategory = new TreeMap<>();
        for (int i = 0; i < items.size(); i++) {
            BundleItem item = items.get(i);
            byId.put(item.id(), i);
            if (item.category() != null)
                byCategory.computeIfAbsent(item.category(), c -> new BitSet(items.size())).set(i);
        }
        this.ordinals = byId;
        this.categories = Collections.unmodifiableMap(byCategory);
        this.searchOptions = searchOptions;
    }

    /**
     * Loads the bundle in {@code directory}, refusing one whose vectors come from another model
     * than {@code model} (different id, weights or preprocessing: the vectors would not compare).
     */
    public static LiveBundle load(Path directory, ModelCard model) {
        BundleManifest manifest = Bundles.readManifest(directory);
        BundleManifest.Model built = manifest.model();
        if (built.id() == null || built.fingerprint() == null) {
            throw new BundleException(
                    "bundle "
                            + directory
                            + " has a manifest.json that does not name its model (id and fingerprint);"
                            + " rebuild it with reindex");
        }
        if (!built.id().equals(model.id())
                || !built.fingerprint().equals(model.fingerprint())
                || built.dim() != model.dim()) {
            throw new BundleException(
                    "bundle "
                            + directory
                            + " was built with model "
                            + built.id()
                            + " ("
                            + built.fingerprint()
                            + "), but this service runs "
                            + model.id()
                            + " ("
                            + model.fingerprint()
                            + "); their vectors cannot be compared: "
                            + "start the service with model.id="
                            + built.id()
                            + " or reindex the catalogue with "
                            + model.id());
        }
        // the manifest's tuned parameters (Bundles.readManifest has checked them); one request, one
        // core: concurrency comes from the requests
        SearchOptions searchOptions = manifest.index().searchOptions().withThreads(1);
        List<BundleItem> items = Bundles.readItems(directory);
        FaissIndex index = FaissIndex.read(directory.resolve(BundleFiles.INDEX));
        try {
            if (index.size() != items.size() || index.dimension() != model.dim()) {
                throw new BundleException(
                        "bundle "
                                + directory
                                + " is inconsistent: the index holds "
                                + index.size()
                                + " vectors of dimension "
                                + index.dimension()
                                + ", items.jsonl "
                                + items.size()
                                + " items, the model dimension "
                                + model.dim()
                                + "; rebuild it with reindex");
            }
            return new LiveBundle(directory, manifest, searchOptions, index, items);
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
    }

    public Path directory() {
        return directory;
    }

    public String version() {
        return manifest.version();
    }

    public BundleManifest manifest() {
        return manifest;
    }

    public FaissIndex index() {
        return index;
    }

    /** The tuned search parameters recorded in the manifest, for one request on one thread. */
    public SearchOptions searchOptions() {
        return searchOptions;
    }

    public int size() {
        return items.size();
    }

    public BundleItem item(int ordinal) {
        return items.get(ordinal);
    }

    public Optional<Integer> ordinalOf(String itemId) {
        return Optional.ofNullable(ordinals.get(itemId));
    }

    /** The ordinals of the items in {@code category} (empty for an unknown one); do not modify. */
    public BitSet category(String category) {
        BitSet set = categories.get(category);
        return set != null ? set : new BitSet();
    }

    /** Category names and item counts. */
    public Map<String, Integer> categoryCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        categories.forEach((name, set) -> counts.put(name, set.cardinality()));
        return counts;
    }

    /**
     * Takes a reference for one search; false when the bundle is already closed (take the new one).
     */
    boolean retain() {
        for (int n = references.get(); n > 0; n = references.get()) {
            if (references.compareAndSet(n, n + 1)) return true;
        }
        return false;
    }

    /** Gives a reference back; the last one closes the index. */
    void release() {
        if (references.decrementAndGet() == 0) index.close();
    }

    /** References held now (the holder's and the searches'). */
    int references() {
        return references.get();
    }
}
