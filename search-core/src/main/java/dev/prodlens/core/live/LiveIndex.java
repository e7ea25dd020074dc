package dev.prodlens.core.live;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.IdFilter;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * <p><b>Ids.</b> The bundle's items have Faiss ids 0..N-1 (their ordinals). An upsert of a new item
 * adds its vector under the next free id (N, N+1, ...); an upsert of an item that exists (from the
 * bundle or added live) turns its old id into a tombstone and adds the new vector under a new id. A
 * delete turns the item's id into a tombstone. Ids are never reused, so applying the same updates
 * in the same order gives every replica the same ids and the same results.
 *
 * <p><b>Tombstones.</b> Vectors are never removed from Faiss (HNSW cannot remove). Searches pass
 * Faiss a filter that rejects tombstoned ids, so they never come back and k live results still do
 * when some of the nearest are tombstones. The filter is built when the tombstones change (under
 * the write lock), not per search; a caller's filter (over Faiss ids, see {@link #faissId}) is
 * combined with it per search.
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
     * One match: the catalogue item and its score (distance for L2, similarity for IP).
     *
     * @param fields the item's whole current fields (with {@link #IMAGE}) when the log changed it,
     *     null when it is as the bundle has it
     */
    public record Hit(String itemId, float score, Map<String, String> fields) {}

    /** An item the log changed: its current Faiss id and whole current fields. */
    public record Changed(long faissId, String itemId, Map<String, String> fields) {}

    /** The name under which an item's fields hold its image reference. */
    public static final String IMAGE = "image";

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final FaissIndex index;
    private final java.util.function.UnaryOperator<float[]> toIndexSpace;
    private final String modelFingerprint;
    private final int bundleSize;
    private final Function<String, Map<String, String>> bundleFields;

    /** Item id by Faiss id: the bundle's items, then every vector added live. */
    private final List<String> itemByFaissId;

    /** The current Faiss id of every item present (not deleted). */
    private final Map<String, Long> faissIdByItem;

    /**
     * The whole current fields of every item an upsert or metadata change touched, its image
     * reference under {@link #IMAGE}.
     */
    private final Map<String, Map<String, String>> overlay = new HashMap<>();

    private final BitSet tombstoned = new BitSet();

    /** Rejects tombstoned ids; null while there is none. Replaced (and closed) only under write. */
    private IdFilter liveFilter;

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
        this.toIndexSpace = Objects.requireNonNull(toIndexSpace, "toIndexSpace");
        this.index = Objects.requireNonNull(index, "index");
        this.bundleFields = Objects.requireNonNull(bundleFields, "bundleFields");
        this.modelFingerprint = Objects.requireNonNull(modelFingerprint, "modelFingerprint");
        Objects.requireNonNull(itemIds, "itemIds");
        if (itemIds.size() != index.size()) {
            throw new IllegalArgumentException(
                    "the bundle has "
                            + itemIds.size()
                            + " item ids but its index holds "
                            + index.size()
                            + " vectors");
        }
        this.bundleSize = itemIds.size();
        this.itemByFaissId = new ArrayList<>(itemIds);
        this.faissIdByItem = new HashMap<>(bundleSize * 2);
        for (int i = 0; i < bundleSize; i++) {
            if (faissIdByItem.put(itemIds.get(i), (long) i) != null) {
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
        long id = itemByFaissId.size();
        Long old = faissIdByItem.get(upsert.itemId());
        // the new filter and the vector first: if either fails, nothing has changed
        IdFilter next = old == null ? null : filterWith(old);
        try {
            index.add(indexed, new long[] {id});
        } catch (RuntimeException e) {
            if (next != null) next.close();
            throw e;
        }
        itemByFaissId.add(upsert.itemId());
        faissIdByItem.put(upsert.itemId(), id);
        Map<String, String> fields = new TreeMap<>(upsert.fields());
        fields.put(IMAGE, upsert.imageRef());
        overlay.put(upsert.itemId(), Collections.unmodifiableMap(fields));
        if (old != null) {
            tombstone(old, next);
        }
    }

    private void changeFields(Update.MetadataChange change) {
        String item = change.itemId();
        if (!faissIdByItem.containsKey(item)) {
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
        Long old = faissIdByItem.get(item);
        if (old == null) {
            return;
        }
        IdFilter next = filterWith(old); // first: if it fails, nothing has changed
        faissIdByItem.remove(item);
        overlay.remove(item);
        tombstone(old, next);
    }

    /** A filter rejecting the tombstones and {@code faissId}; changes nothing. */
    private IdFilter filterWith(long faissId) {
        BitSet dead = (BitSet) tombstoned.clone();
        dead.set((int) faissId);
        try (IdFilter deadFilter = IdFilter.bitmap(dead)) {
            return deadFilter.not(); // keeps what it needs of deadFilter alive
        }
    }

    private void tombstone(long faissId, IdFilter next) {
        tombstoned.set((int) faissId);
        IdFilter previous = liveFilter;
        liveFilter = next;
        if (previous != null) {
            previous.close(); // no search holds it: we hold the write lock
        }
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
     * The k nearest live items of each of queries.length / dimension queries, best first; fewer
     * than k only when fewer live items pass the filter. The caller's filter (over Faiss ids) in
     * {@code options}, if any, is combined with the exclusion of tombstones; the caller keeps
     * owning it.
     */
    public List<List<Hit>> search(float[] queries, int k, SearchOptions options) {
        Objects.requireNonNull(options, "options");
        lock.readLock().lock();
        try {
            SearchResult result;
            IdFilter own = options.filter();
            if (liveFilter == null) {
                result = index.search(queries, k, options);
            } else if (own == null) {
                result = index.search(queries, k, options.withFilter(liveFilter));
            } else {
                try (IdFilter both = own.and(liveFilter)) {
                    result = index.search(queries, k, options.withFilter(both));
                }
            }
            List<List<Hit>> out = new ArrayList<>(result.queries());
            for (int q = 0; q < result.queries(); q++) {
                int count = result.count(q);
                List<Hit> hits = new ArrayList<>(count);
                for (int r = 0; r < count; r++) {
                    String item = itemByFaissId.get((int) result.id(q, r));
                    hits.add(new Hit(item, result.score(q, r), overlay.get(item)));
                }
                out.add(Collections.unmodifiableList(hits));
            }
            return Collections.unmodifiableList(out);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The item a Faiss id was added for (it may since be tombstoned), or empty for none. */
    public Optional<String> itemId(long faissId) {
        return read(
                () ->
                        faissId >= 0 && faissId < itemByFaissId.size()
                                ? Optional.of(itemByFaissId.get((int) faissId))
                                : Optional.empty());
    }

    /** The current Faiss id of a present item, or empty when it is absent or deleted. */
    public Optional<Long> faissId(String itemId) {
        return read(() -> Optional.ofNullable(faissIdByItem.get(itemId)));
    }

    /** Whether the item is present: in the bundle or upserted, and not deleted since. */
    public boolean contains(String itemId) {
        return read(() -> faissIdByItem.containsKey(itemId));
    }

    /** The item's current fields (the bundle's, with the log's changes over them), or empty. */
    public Optional<Map<String, String>> fields(String itemId) {
        return read(
                () ->
                        faissIdByItem.containsKey(itemId)
                                ? Optional.of(currentFields(itemId))
                                : Optional.empty());
    }

    /** The item's current vector, or empty when it is absent (Faiss reconstruct). */
    public Optional<float[]> vector(String itemId) {
        return read(
                () -> {
                    Long id = faissIdByItem.get(itemId);
                    return id == null ? Optional.empty() : index.reconstruct(id);
                });
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
                                    out.add(new Changed(faissIdByItem.get(item), item, fields)));
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
                        String item = itemByFaissId.get(id);
                        if (!faissIdByItem.containsKey(item)) out.add(item);
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

    /** Vectors added since the bundle (new items and replacements). */
    public long liveAdds() {
        return read(() -> (long) itemByFaissId.size() - bundleSize);
    }

    /** Faiss ids excluded from search: replaced or deleted entries. */
    public long tombstones() {
        return read(() -> (long) tombstoned.cardinality());
    }

    /** Updates ignored because their position had already been applied. */
    public long ignoredReplays() {
        return read(() -> ignoredReplays);
    }

    /** Items present (searchable). */
    public long size() {
        return read(() -> (long) faissIdByItem.size());
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
                    long changed = tombstoned.cardinality() + itemByFaissId.size() - bundleSize;
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
            if (liveFilter != null) {
                liveFilter.close();
            }
            index.close();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
