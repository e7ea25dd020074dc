package dev.prodlens.api.bundle;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.live.LiveIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * One loaded bundle version with the update log applied on top: its manifest, its index in memory
 * as a {@link LiveIndex} (line i of items.jsonl is slot i, its images' Faiss ids {@code
 * VectorIds.of(i, image, bits)}; items added live get the slots after), and each item's current
 * fields, from the bundle or, for items the log changed, from the live index. Reference-counted, so
 * a hot swap can close the old index only after the searches that hold it have finished.
 */
public final class LiveBundle {
    /** The field names of a catalogue item, as updates name them. */
    public static final String TITLE = "title", CATEGORY = "category", PRICE = "price";

    public static final String LABEL_GROUP = "label_group";

    private final Path directory;
    private final BundleManifest manifest;
    private final LiveIndex index;
    private final List<BundleItem> items;
    private final Map<String, Integer> ordinals;
    private final Map<String, BitSet> categories;
    private final SearchOptions searchOptions;
    private final Projection projection; // null: the index holds the model's own vectors

    /** 1 for the holder's own reference, +1 per search in flight; the index closes at 0. */
    private final AtomicInteger references = new AtomicInteger(1);

    private LiveBundle(
            Path directory,
            BundleManifest manifest,
            SearchOptions searchOptions,
            FaissIndex index,
            List<BundleItem> items,
            Projection projection) {
        this.directory = directory;
        this.manifest = manifest;
        this.projection = projection;
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
        this.index =
                new LiveIndex(
                        index,
                        new LiveIndex.Items(
                                items.stream().map(BundleItem::id).toList(),
                                items.stream().mapToInt(BundleItem::imageCount).toArray(),
                                manifest.imageBits()),
                        this::bundleFields,
                        manifest.model().fingerprint(),
                        manifest.logPosition(),
                        this::toIndexSpace);
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
        // in memory, not mmapped: live adds change it (the bundle's file never changes)
        FaissIndex index = FaissIndex.read(directory.resolve(BundleFiles.INDEX), false);
        try {
            Projection projection = Bundles.readProjection(directory, manifest);
            int indexed = projection == null ? model.dim() : projection.outputDimension();
            long images = 0;
            int most = 0;
            for (BundleItem item : items) {
                images += item.imageCount();
                most = Math.max(most, item.imageCount());
            }
            if (index.size() != images
                    || most > 1 << manifest.imageBits()
                    || index.dimension() != indexed) {
                throw new BundleException(
                        "bundle "
                                + directory
                                + " is inconsistent: the index holds "
                                + index.size()
                                + " vectors of dimension "
                                + index.dimension()
                                + ", items.jsonl "
                                + items.size()
                                + " items with "
                                + images
                                + " images (at most "
                                + most
                                + " per item, "
                                + manifest.imageBits()
                                + " image bits), the model dimension "
                                + model.dim()
                                + "; rebuild it with reindex");
            }
            return new LiveBundle(directory, manifest, searchOptions, index, items, projection);
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
    }

    /**
     * A model vector in the index's space: projected when the bundle learned a projection (the same
     * {@link Projection#apply} the jobs indexed with), else as it is.
     */
    public float[] toIndexSpace(float[] modelVector) {
        return projection == null ? modelVector : projection.apply(modelVector);
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

    /** The index with the update log applied; searches and updates go through it. */
    public LiveIndex index() {
        return index;
    }

    /** The tuned search parameters recorded in the manifest, for one request on one thread. */
    public SearchOptions searchOptions() {
        return searchOptions;
    }

    /** Items present now: the bundle's, plus those added live, less those deleted. */
    public long size() {
        return index.size();
    }

    /** Items in the bundle as published. */
    public int bundleSize() {
        return items.size();
    }

    /** An item as it is now, or empty when it is absent or deleted. */
    public Optional<BundleItem> item(String itemId) {
        Optional<Map<String, String>> fields = index.fields(itemId);
        return fields.map(f -> item(itemId, f));
    }

    /** A search hit's item: the bundle's own when the log never changed it. */
    public BundleItem item(LiveIndex.Hit hit) {
        return hit.fields() == null
                ? items.get(ordinals.get(hit.itemId()))
                : item(hit.itemId(), hit.fields());
    }

    /**
     * An item with the log's fields. It keeps the bundle's images while it keeps its bundle slot (a
     * metadata change); an upsert moved it to a new slot with its one image.
     */
    private BundleItem item(String itemId, Map<String, String> fields) {
        String image = fields.get(LiveIndex.IMAGE);
        Integer ordinal = ordinals.get(itemId);
        List<String> images =
                ordinal != null && index.slot(itemId).orElse(-1L) == (long) ordinal
                        ? items.get(ordinal).images()
                        : null;
        return new BundleItem(
                itemId,
                fields.get(TITLE),
                fields.get(CATEGORY),
                price(fields.get(PRICE)),
                image,
                fields.get(LABEL_GROUP),
                images);
    }

    /** A price field as a number; null when absent or not a number (the jobs do the same). */
    private static Double price(String text) {
        if (text == null) return null;
        try {
            double price = Double.parseDouble(text.strip());
            return Double.isFinite(price) ? price : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The fields of a bundle item as updates name them (null for an item not in the bundle). */
    private Map<String, String> bundleFields(String itemId) {
        Integer ordinal = ordinals.get(itemId);
        if (ordinal == null) return null;
        BundleItem item = items.get(ordinal);
        Map<String, String> fields = new LinkedHashMap<>();
        if (item.title() != null) fields.put(TITLE, item.title());
        if (item.category() != null) fields.put(CATEGORY, item.category());
        if (item.price() != null) fields.put(PRICE, Double.toString(item.price()));
        if (item.image() != null) fields.put(LiveIndex.IMAGE, item.image());
        if (item.labelGroup() != null) fields.put(LABEL_GROUP, item.labelGroup());
        return fields;
    }

    /**
     * The slots of the present items in {@code category} (null: any) that pass {@code test} (null:
     * all), for a filtered search. Deleted and replaced entries may be among them: the live index
     * excludes those in every search.
     */
    public BitSet select(String category, Predicate<BundleItem> test) {
        BitSet allowed;
        if (category != null) {
            BitSet set = categories.get(category);
            allowed = set == null ? new BitSet() : (BitSet) set.clone();
        } else {
            allowed = new BitSet(items.size());
            allowed.set(0, items.size());
        }
        if (test != null) {
            for (int i = allowed.nextSetBit(0); i >= 0; i = allowed.nextSetBit(i + 1)) {
                if (!test.test(items.get(i))) allowed.clear(i);
            }
        }
        // the items the log changed, by their current fields (a changed bundle item's ordinal is
        // cleared first: its category or price may have changed)
        for (ChangedItem changed : changedItems()) {
            if (changed.ordinal() != null) allowed.clear(changed.ordinal());
            BundleItem item = changed.item();
            if ((category == null || category.equals(item.category()))
                    && (test == null || test.test(item))) {
                allowed.set((int) changed.slot());
            }
        }
        return allowed;
    }

    /** An item the log changed: its current slot, its bundle ordinal (null: new), its view. */
    private record ChangedItem(long slot, Integer ordinal, BundleItem item) {}

    /** {@link #changedItems} as of one {@link LiveIndex#version()}. */
    private record ChangedView(long version, List<ChangedItem> items) {}

    private volatile ChangedView changedView;

    /**
     * The items the log changed, as items: built once per applied update, not per filtered search
     * (a search would otherwise copy and parse every change since the bundle was built).
     */
    private List<ChangedItem> changedItems() {
        long version = index.version(); // read first: a view labelled older is only rebuilt again
        ChangedView view = changedView;
        if (view == null || view.version() != version) {
            List<ChangedItem> changed = new ArrayList<>();
            for (LiveIndex.Changed c : index.changed()) {
                changed.add(
                        new ChangedItem(
                                c.slot(), ordinals.get(c.itemId()), item(c.itemId(), c.fields())));
            }
            view = new ChangedView(version, List.copyOf(changed));
            changedView = view;
        }
        return view.items();
    }

    /** Category names and item counts: the bundle's, with the log's changes. */
    public Map<String, Integer> categoryCounts() {
        Map<String, Integer> counts = new TreeMap<>();
        categories.forEach((name, set) -> counts.put(name, set.cardinality()));
        for (String gone : index.removedFromBundle()) {
            String category = items.get(ordinals.get(gone)).category();
            if (category != null) counts.merge(category, -1, Integer::sum);
        }
        for (ChangedItem changed : changedItems()) {
            if (changed.ordinal() != null) {
                String before = items.get(changed.ordinal()).category();
                if (before != null) counts.merge(before, -1, Integer::sum);
            }
            String now = changed.item().category();
            if (now != null) counts.merge(now, 1, Integer::sum);
        }
        counts.values().removeIf(n -> n <= 0);
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
