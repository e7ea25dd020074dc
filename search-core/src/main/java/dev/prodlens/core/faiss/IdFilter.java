package dev.prodlens.core.faiss;

import java.util.BitSet;
import java.util.Objects;

/**
 * A set of item ids that a search may return (Faiss IDSelector). Build it once and reuse it across
 * searches and threads (a category's items, say); close it when done. Combining filters with {@link
 * #and} or {@link #not} keeps what they need alive, so the parts may be closed first.
 */
public final class IdFilter extends NativeHandle {
    private IdFilter(long pointer) {
        super(pointer, FaissNative::freeFilter, "id filter");
    }

    /** Only these ids (hash set with a Bloom pre-filter: fast for any set size). */
    public static IdFilter allowList(long... ids) {
        Objects.requireNonNull(ids, "ids");
        return new IdFilter(FaissNative.filterAllowList(ids));
    }

    /** Ids in [minInclusive, maxExclusive). */
    public static IdFilter range(long minInclusive, long maxExclusive) {
        if (minInclusive > maxExclusive) {
            throw new IllegalArgumentException(
                    "range min " + minInclusive + " > max " + maxExclusive);
        }
        return new IdFilter(FaissNative.filterRange(minInclusive, maxExclusive));
    }

    /** Ids whose bit is set; for dense id spaces (ids 0..n-1), one bit per id. */
    public static IdFilter bitmap(BitSet allowed) {
        Objects.requireNonNull(allowed, "allowed");
        return new IdFilter(FaissNative.filterBitmap(allowed.toByteArray()));
    }

    /** Every id this filter rejects (e.g. "exclude these items"). */
    public IdFilter not() {
        return shared(p -> new IdFilter(FaissNative.filterNot(p)));
    }

    /** Runs {@code body} with the filter's native pointer held, or with 0 when there is none. */
    static <T> T withPointer(IdFilter filter, java.util.function.LongFunction<T> body) {
        return filter == null ? body.apply(0) : filter.shared(body);
    }

    /**
     * Ids whose value shifted right by {@code bits} this filter accepts: an item-level filter
     * applied to vector ids whose low {@code bits} number the item's images
     * (dev.prodlens.core.bundle.VectorIds). Negative ids are rejected.
     */
    public IdFilter shifted(int bits) {
        if (bits < 0 || bits > 62)
            throw new IllegalArgumentException("shift bits " + bits + " not in [0, 62]");
        return shared(p -> new IdFilter(FaissNative.filterShifted(p, bits)));
    }

    /** Ids both filters accept. */
    public IdFilter and(IdFilter other) {
        Objects.requireNonNull(other, "other");
        return shared(a -> other.shared(b -> new IdFilter(FaissNative.filterAnd(a, b))));
    }
}
