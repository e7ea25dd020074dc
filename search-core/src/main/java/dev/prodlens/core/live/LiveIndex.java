package dev.prodlens.core.live;

import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.IdFilter;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The bundle's index with the update log applied in memory (issue 17). The bundle's files are never
 * modified: the index is read into memory and changed there.
 *
 * <p><b>Slots and ids.</b> Every item has a slot: the bundle's items 0..N-1 (their ordinals), and
 * an item's image i has the Faiss id {@link VectorIds#of}(slot, i, image bits): an item's vectors
 * share its slot. An upsert of a new item takes the next free slot (N, N+1, ...) and adds its one
 * vector there; an upsert of an item that exists (from the bundle or added live) turns its old slot
 * into a tombstone and takes a new one. A delete turns the item's slot into a tombstone. Slots are
 * never reused, so applying the same updates in the same order gives every replica the same ids and
 * the same results.
 *
 * <p><b>Tombstones.</b> Vectors are never removed from Faiss (HNSW cannot remove). Searches pass
 * Faiss a filter that rejects the vectors of tombstoned slots, so they never come back and k live
 * results still do when some of the nearest are tombstones. The filter is built when the tombstones
 * change (under the write lock), not per search; a caller's filter (over slots, see {@link #slot})
 * is combined with it per search, and both apply to every image of an item.
 *
 * <p><b>Concurrency.</b> Searches and reads run concurrently with each other under a read lock;
 * {@link #apply} and {@link #close} take the write lock, so a search sees the state before an apply
 * or after it, never a half-applied update, and the exclusion filter a search uses is only closed
 * once no search holds it. Once {@code apply} has returned, no search started afterwards returns
 * what it deleted or replaced.
 *
 * <p>Owns the {@link FaissIndex} it is given and closes it on {@link #close}.
 */
public final class LiveIndex implements AutoCloseable {

    /**
     * One matching vector: the catalogue item, which of its images, and the score (distance for L2,
     * similarity for IP).
     *
     * @param image the image's index among the item's ({@code BundleItem.imageRefs()}; 0 for an
     *     item upserted live)
     * @param fields the item's whole current fields (with {@link #IMAGE}) when the log changed it,
     *     null when it is as the bundle has it
     */
    public record Hit(String itemId, int image, float score, Map<String, String> fields) {}

    /** An item the log changed: its current slot and whole current fields. */
    public record Changed(long slot, String itemId, Map<String, String> fields) {}

    /**
     * The bundle's items, by ordinal, and how their vectors are numbered.
     *
     * @param ids the item ids, by ordinal
     * @param imageCounts vectors of each item, by ordinal (1 to 2^imageBits each)
     * @param imageBits the low bits of a Faiss id that number an item's image ({@link VectorIds})
     */
    public record Items(List<String> ids, int[] imageCounts, int imageBits) {
        /** One vector per item, its id the item's ordinal (bundles before format 5). */
        public static Items single(List<String> ids) {
            int[] ones = new int[ids.size()];
            Arrays.fill(ones, 1);
            return new Items(ids, ones, 0);
        }

        long vectors() {
            long n = 0;
            for (int c : imageCounts) n += c;
            return n;
        }
    }

    /** The name under which an item's fields hold its image reference. */
    public static final String IMAGE = "image";

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final FaissIndex index;
    private final java.util.function.UnaryOperator<float[]> toIndexSpace;
    private final String modelFingerprint;
    private final int bundleSize;
    private final int imageBits;
    private final Function<String, Map<String, String>> bundleFields;

    /** Item id by slot: the bundle's items, then every item upserted live. */
    private final List<String> itemBySlot;

    /** Vectors (images) by slot; grows with {@link #itemBySlot}. */
    private int[] imagesBySlot;

    private int mostImages;

    /** The current slot of every item present (not deleted). */
    private final Map<String, Long> slotByItem;

    /**
     * The whole current fields of every item an upsert or metadata change touched, its image
     * reference under {@link #IMAGE}.
     */
    private final Map<String, Map<String, String>> overlay = new HashMap<>();

    private final BitSet tombstoned = new BitSet();

    /**
     * Rejects tombstoned slots; null while there is none. Replaced (and closed) only under write.
     */
    private IdFilter liveFilter;

    /** {@link #liveFilter} over Faiss ids ({@link IdFilter#shifted}); null while there is none. */
    private IdFilter liveVectorFilter;

    private long appliedPosition;

    /** Counts applied updates: what a reader's cached view of {@link #changed} is keyed by. */
    private volatile long version;

    private long ignoredReplays;

    /**
     * @param index the bundle's index, in memory (not mmapped); this object owns it from now on
     * @param itemIds the bundle's item ids by Faiss id (ordinal 0..N-1)
     * @param bundleFields the bundle's own fields of an item (null or empty for none)
     * @param modelFingerprint the bundle model's fingerprint; upserts of any other are refused
     * @param appliedPosition the last log position the bundle already holds, -1 for none
     */
    public LiveIndex(
            FaissIndex index,
            List<String> itemIds,
            Function<String, Map<String, String>> bundleFields,
            String modelFingerprint,
            long appliedPosition) {
        this(index, itemIds, bundleFields, modelFingerprint, appliedPosition, v -> v);
    }

    /**
     * @param toIndexSpace maps an upsert's vector (the model's) into the index's space: the
     *     bundle's learned projection (issue 18), or the identity
     */
    public LiveIndex(
            FaissIndex index,
            List<String> itemIds,
            Function<String, Map<String, String>> bundleFields,
            String modelFingerprint,
            long appliedPosition,
            java.util.function.UnaryOperator<float[]> toIndexSpace) {
        this(
                index,
                Items.single(itemIds),
                bundleFields,
                modelFingerprint,
                appliedPosition,
                toIndexSpace);
    }

    /**
     * @param items the bundle's items and how their vectors are numbered
     */
    public LiveIndex(
            FaissIndex index,
            Items items,
            Function<String, Map<String, String>> bundleFields,
            String modelFingerprint,
            long appliedPosition,
            java.util.function.UnaryOperator<float[]> toIndexSpace) {
        this.toIndexSpace = Objects.requireNonNull(toIndexSpace, "toIndexSpace");
        this.index = Objects.requireNonNull(index, "index");
        this.bundleFields = Objects.requireNonNull(bundleFields, "bundleFields");
        this.modelFingerprint = Objects.requireNonNull(modelFingerprint, "modelFingerprint");
        Objects.requireNonNull(items, "items");
        List<String> itemIds = items.ids();
        if (items.imageBits() < 0 || items.imageBits() > VectorIds.IMAGE_BITS)
            throw new IllegalArgumentException("image bits " + items.imageBits() + " out of range");
        if (items.imageCounts().length != itemIds.size())
            throw new IllegalArgumentException(
                    itemIds.size()
                            + " item ids but "
                            + items.imageCounts().length
                            + " image counts");
        for (int count : items.imageCounts()) {
            if (count < 1 || count > 1 << items.imageBits())
                throw new IllegalArgumentException(
                        "an item has "
                                + count
                                + " images; "
                                + items.imageBits()
                                + " image bits hold 1 to "
                                + (1 << items.imageBits()));
        }
        if (items.vectors() != index.size()) {
            throw new IllegalArgumentException(
                    "the bundle's "
                            + itemIds.size()
                            + " items have "
                            + items.vectors()
                            + " images but its index holds "
                            + index.size()
                            + " vectors");
        }
        this.bundleSize = itemIds.size();
        this.imageBits = items.imageBits();
        this.itemBySlot = new ArrayList<>(itemIds);
        this.imagesBySlot =
                Arrays.copyOf(items.imageCounts(), Math.max(16, bundleSize + bundleSize / 8));
        for (int count : items.imageCounts()) mostImages = Math.max(mostImages, count);
        this.slotByItem = new HashMap<>(bundleSize * 2);
        for (int i = 0; i < bundleSize; i++) {
            if (slotByItem.put(itemIds.get(i), (long) i) != null) {
                throw new IllegalArgumentException(
                        "item id '" + itemIds.get(i) + "' appears twice in the bundle");
            }
        }
        this.appliedPosition = appliedPosition;
    }

    /** Reads the bundle's index file into memory (never mmapped: it is changed in memory). */
    public static LiveIndex load(
            Path indexFile,
            List<String> itemIds,
            Function<String, Map<String, String>> bundleFields,
            String modelFingerprint,
            long appliedPosition) {
        FaissIndex index = FaissIndex.read(indexFile, false);
        try {
            return new LiveIndex(index, itemIds, bundleFields, modelFingerprint, appliedPosition);
        } catch (RuntimeException e) {
            index.close();
            throw e;
        }
    }

    /**
     * Applies the update at {@code position}. A position at or below the last applied one is
     * ignored and counted (a replay after a restart, a duplicate delivery), so applying is
     * idempotent. A metadata change or delete of an item not present changes nothing.
     *
     * @throws UpdateLogException for an upsert made by another model (fingerprint) or of another
     *     dimension; nothing is changed and the position is not applied
     */
    public void apply(long position, Update update) {
        Objects.requireNonNull(update, "update");
        lock.writeLock().lock();
        try {
            if (position <= appliedPosition) {
                ignoredReplays++;
                return;
            }
            if (update instanceof Update.Upsert upsert) {
                upsert(position, upsert);
            } else if (update instanceof Update.MetadataChange change) {
                changeFields(change);
            } else {
                delete(update.itemId());
            }
            appliedPosition = position;
            version++;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void upsert(long position, Update.Upsert upsert) {
        float[] vector = upsert.vector();
        float[] indexed = null;
        if (modelFingerprint.equals(upsert.modelFingerprint())) {
            try {
                indexed = toIndexSpace.apply(vector);
            } catch (IllegalArgumentException e) {
                // another dimension than the projection takes: refused below
            }
        }
        if (indexed == null || indexed.length != index.dimension()) {
            throw new UpdateLogException(
                    "update log position "
                            + position
                            + ": upsert of item '"
                            + upsert.itemId()
                            + "' was made by model "
                            + upsert.modelFingerprint()
                            + " (dimension "
                            + vector.length
                            + ") but the bundle's model is "
                            + modelFingerprint
                            + " (its index holds dimension "
                            + index.dimension()
                            + "): stop applying and reindex with one model");
        }
        long slot = itemBySlot.size();
        Long old = slotByItem.get(upsert.itemId());
        // the new filter and the vector first: if either fails, nothing has changed
        IdFilter next = old == null ? null : filterWith(old);
        try {
            index.add(indexed, new long[] {VectorIds.of(slot, 0, imageBits)});
        } catch (RuntimeException e) {
            if (next != null) next.close();
            throw e;
        }
        itemBySlot.add(upsert.itemId());
        if (slot == imagesBySlot.length)
            imagesBySlot = Arrays.copyOf(imagesBySlot, imagesBySlot.length * 2);
        imagesBySlot[(int) slot] = 1;
        mostImages = Math.max(mostImages, 1);
        slotByItem.put(upsert.itemId(), slot);
        Map<String, String> fields = new TreeMap<>(upsert.fields());
        fields.put(IMAGE, upsert.imageRef());
        overlay.put(upsert.itemId(), Collections.unmodifiableMap(fields));
        if (old != null) {
            tombstone(old, next);
        }
    }

    private void changeFields(Update.MetadataChange change) {
        String item = change.itemId();
        if (!slotByItem.containsKey(item)) {
            return;
        }
        Map<String, String> merged = new TreeMap<>(currentFields(item));
        change.fields()
                .forEach(
                        (name, value) -> {
                            if (value.isEmpty()) {
                                merged.remove(name);
                            } else {
                                merged.put(name, value);
                            }
                        });
        overlay.put(item, Collections.unmodifiableMap(merged));
    }

    private void delete(String item) {
        Long old = slotByItem.get(item);
        if (old == null) {
            return;
        }
        IdFilter next = filterWith(old); // first: if it fails, nothing has changed
        slotByItem.remove(item);
        overlay.remove(item);
        tombstone(old, next);
    }

    /** A filter rejecting the tombstoned slots and {@code slot}; changes nothing. */
    private IdFilter filterWith(long slot) {
        BitSet dead = (BitSet) tombstoned.clone();
        dead.set((int) slot);
        try (IdFilter deadFilter = IdFilter.bitmap(dead)) {
            return deadFilter.not(); // keeps what it needs of deadFilter alive
        }
    }

    private void tombstone(long slot, IdFilter next) {
        IdFilter nextVectors = imageBits == 0 ? null : next.shifted(imageBits);
        tombstoned.set((int) slot);
        IdFilter previous = liveFilter;
        IdFilter previousVectors = liveVectorFilter;
        liveFilter = next;
        liveVectorFilter = nextVectors;
        // no search holds them: we hold the write lock
        if (previous != null) previous.close();
        if (previousVectors != null) previousVectors.close();
    }

    /** A filter over slots as a filter over Faiss ids (the caller closes it when it is new). */
    private IdFilter overVectors(IdFilter slots) {
        return imageBits == 0 ? slots : slots.shifted(imageBits);
    }

    private Map<String, String> currentFields(String item) {
        Map<String, String> touched = overlay.get(item);
        if (touched != null) {
            return touched;
        }
        Map<String, String> bundle = bundleFields.apply(item);
        return bundle == null ? Map.of() : Collections.unmodifiableMap(bundle);
    }

    /**
     * The k nearest live vectors of each of queries.length / dimension queries, best first; fewer
     * than k only when fewer live vectors pass the filter. An item with several images may come
     * back once per image: callers that want k items group the hits by item. The caller's filter
     * (over slots, see {@link #slot}) in {@code options}, if any, applies to all images of an item
     * and is combined with the exclusion of tombstones; the caller keeps owning it.
     */
    public List<List<Hit>> search(float[] queries, int k, SearchOptions options) {
        Objects.requireNonNull(options, "options");
        lock.readLock().lock();
        try {
            SearchResult result;
            IdFilter own = options.filter();
            if (own == null) {
                IdFilter live = imageBits == 0 ? liveFilter : liveVectorFilter;
                result =
                        index.search(queries, k, live == null ? options : options.withFilter(live));
            } else if (liveFilter == null) {
                result = searchOver(queries, k, options, own);
            } else {
                try (IdFilter both = own.and(liveFilter)) {
                    result = searchOver(queries, k, options, both);
                }
            }
            List<List<Hit>> out = new ArrayList<>(result.queries());
            for (int q = 0; q < result.queries(); q++) {
                int count = result.count(q);
                List<Hit> hits = new ArrayList<>(count);
                for (int r = 0; r < count; r++) {
                    long id = result.id(q, r);
                    String item = itemBySlot.get((int) VectorIds.ordinal(id, imageBits));
                    hits.add(
                            new Hit(
                                    item,
                                    VectorIds.image(id, imageBits),
                                    result.score(q, r),
                                    overlay.get(item)));
                }
                out.add(Collections.unmodifiableList(hits));
            }
            return Collections.unmodifiableList(out);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A search with a caller's filter over slots, applied to the Faiss ids. */
    private SearchResult searchOver(float[] queries, int k, SearchOptions options, IdFilter slots) {
        if (imageBits == 0) return index.search(queries, k, options.withFilter(slots));
        try (IdFilter vectors = overVectors(slots)) {
            return index.search(queries, k, options.withFilter(vectors));
        }
    }

    /** The item a slot was taken for (it may since be tombstoned), or empty for none. */
    public Optional<String> itemId(long slot) {
        return read(
                () ->
                        slot >= 0 && slot < itemBySlot.size()
                                ? Optional.of(itemBySlot.get((int) slot))
                                : Optional.empty());
    }

    /** The current slot of a present item, or empty when it is absent or deleted. */
    public Optional<Long> slot(String itemId) {
        return read(() -> Optional.ofNullable(slotByItem.get(itemId)));
    }

    /** Whether the item is present: in the bundle or upserted, and not deleted since. */
    public boolean contains(String itemId) {
        return read(() -> slotByItem.containsKey(itemId));
    }

    /** The item's current fields (the bundle's, with the log's changes over them), or empty. */
    public Optional<Map<String, String>> fields(String itemId) {
        return read(
                () ->
                        slotByItem.containsKey(itemId)
                                ? Optional.of(currentFields(itemId))
                                : Optional.empty());
    }

    /** The item's current main vector (its first image's), or empty when it is absent. */
    public Optional<float[]> vector(String itemId) {
        return vectors(itemId).map(all -> all.get(0));
    }

    /**
     * The item's current vectors, one per image in image order, or empty when it is absent (Faiss
     * reconstruct).
     */
    public Optional<List<float[]>> vectors(String itemId) {
        return read(
                () -> {
                    Long slot = slotByItem.get(itemId);
                    if (slot == null) return Optional.empty();
                    int images = imagesBySlot[(int) (long) slot];
                    List<float[]> out = new ArrayList<>(images);
                    for (int image = 0; image < images; image++) {
                        Optional<float[]> v =
                                index.reconstruct(VectorIds.of(slot, image, imageBits));
                        if (v.isEmpty()) return Optional.empty();
                        out.add(v.get());
                    }
                    return Optional.of(List.copyOf(out));
                });
    }

    /**
     * The most images any item has had: a search for k distinct items asks Faiss for k times this
     * many vectors at most to be sure of k items.
     */
    public int mostImagesPerItem() {
        return read(() -> Math.max(1, mostImages));
    }

    /** How scores compare: larger is better for inner product, smaller for L2. */
    public Metric metric() {
        return index.metric();
    }

    /** Vectors in the index, tombstoned ones included. */
    public long vectorCount() {
        return index.size();
    }

    /**
     * Goes up with every update applied; {@link #changed} is the same list while it stays the same,
     * so a reader may cache what it derives from that list by it.
     */
    public long version() {
        return version;
    }

    /** Every present item the log changed, with its current Faiss id and fields; a copy. */
    public List<Changed> changed() {
        return read(
                () -> {
                    List<Changed> out = new ArrayList<>(overlay.size());
                    overlay.forEach(
                            (item, fields) ->
                                    out.add(new Changed(slotByItem.get(item), item, fields)));
                    return out;
                });
    }

    /** The bundle's items the log deleted (and did not add again). */
    public List<String> removedFromBundle() {
        return read(
                () -> {
                    List<String> out = new ArrayList<>();
                    for (int id = tombstoned.nextSetBit(0);
                            id >= 0 && id < bundleSize;
                            id = tombstoned.nextSetBit(id + 1)) {
                        String item = itemBySlot.get(id);
                        if (!slotByItem.containsKey(item)) out.add(item);
                    }
                    return out;
                });
    }

    /** The whole current fields of every present item the log changed; a copy. */
    public Map<String, Map<String, String>> overlay() {
        return read(() -> Map.copyOf(overlay));
    }

    /** The last log position applied (or held by the bundle), -1 for none. */
    public long appliedPosition() {
        return read(() -> appliedPosition);
    }

    /** Items upserted since the bundle (new items and replacements), one vector each. */
    public long liveAdds() {
        return read(() -> (long) itemBySlot.size() - bundleSize);
    }

    /** Slots excluded from search: replaced or deleted items. */
    public long tombstones() {
        return read(() -> (long) tombstoned.cardinality());
    }

    /** Updates ignored because their position had already been applied. */
    public long ignoredReplays() {
        return read(() -> ignoredReplays);
    }

    /** Items present (searchable). */
    public long size() {
        return read(() -> (long) slotByItem.size());
    }

    /** Items in the bundle this index started from. */
    public int bundleSize() {
        return bundleSize;
    }

    /**
     * Whether a reindex is due: (tombstones + live adds) / bundle size is above {@code share} (a
     * bundle of no items: as soon as anything changed). Searches stay correct either way; a reindex
     * folds the log into a fresh bundle without dead entries.
     */
    public boolean reindexRecommended(double share) {
        return read(
                () -> {
                    long changed = tombstoned.cardinality() + itemBySlot.size() - bundleSize;
                    return bundleSize == 0 ? changed > 0 : (double) changed / bundleSize > share;
                });
    }

    private <T> T read(java.util.function.Supplier<T> body) {
        lock.readLock().lock();
        try {
            return body.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Whether {@link #close} has freed the index. */
    public boolean isClosed() {
        return index.isClosed();
    }

    /** Closes the exclusion filter and the index, after running searches finish. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (liveFilter != null) liveFilter.close();
            if (liveVectorFilter != null) liveVectorFilter.close();
            index.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
