package dev.prodlens.api.search;

import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.faiss.Faiss;
import dev.prodlens.core.faiss.IdFilter;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.live.LiveIndex;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Searches a live bundle's Faiss index with query vectors, each with its own k, filters and
 * grouping. An item may have several images, each a vector: grouped by item (the default), a search
 * asks Faiss for k times the most images any item has ({@link #vectorsFor}), which holds at least k
 * distinct items, and keeps each item's first (best) hit; grouped by image it returns the k nearest
 * vectors as they are. The queries without filters share one Faiss call: for an exhaustive (Flat)
 * index that is one matrix product that reads the stored vectors once for all of them, instead of
 * one scan per query (on 10k x 1,280 floats, a model batch of 8 costs 1.3 ms per query instead of
 * 4.5; see {@link #BLAS_FROM_QUERIES}). Filtered queries each carry their own id selector, so they
 * run one by one.
 */
final class IndexSearch {
    /**
     * From three queries on, a Flat search is one matrix product (Faiss's default waits for 20).
     * Measured with the AVX2 build, one thread, 10k x 1,280: per query 4.7 ms scanning at any
     * count; as a product 9.7 ms for 1 query, 4.7 for 2, 4.0 for 3, 2.3 for 4, 1.3 for 8.
     */
    static final int BLAS_FROM_QUERIES = 3;

    private IndexSearch() {}

    /** Applies {@link #BLAS_FROM_QUERIES} to the process (once, before searches start). */
    static void configure() {
        Faiss.setBlasThreshold(BLAS_FROM_QUERIES);
    }

    /** The hits of one query vector. */
    static List<SearchHit> search(LiveBundle bundle, float[] vector, SearchQuery query) {
        return search(bundle, List.of(vector), List.of(query)).get(0);
    }

    /** The hits of each query vector, in order. */
    static List<List<SearchHit>> search(
            LiveBundle bundle, List<float[]> vectors, List<SearchQuery> queries) {
        int n = vectors.size();
        List<List<SearchHit>> hits = new ArrayList<>(Collections.nCopies(n, List.of()));
        long present = bundle.size();
        if (present == 0) return hits;
        List<Integer> plain = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (queries.get(i).filters()) {
                hits.set(i, filtered(bundle, vectors.get(i), queries.get(i)));
            } else {
                plain.add(i);
            }
        }
        if (!plain.isEmpty()) {
            int dimension = vectors.get(plain.get(0)).length;
            float[] block = new float[plain.size() * dimension];
            int k = 1;
            for (int j = 0; j < plain.size(); j++) {
                System.arraycopy(vectors.get(plain.get(j)), 0, block, j * dimension, dimension);
                k = Math.max(k, vectorsFor(bundle, queries.get(plain.get(j)), present));
            }
            List<List<LiveIndex.Hit>> found =
                    bundle.index().search(block, k, bundle.searchOptions());
            for (int j = 0; j < plain.size(); j++) {
                int i = plain.get(j);
                hits.set(i, hitsOf(bundle, found.get(j), queries.get(i)));
            }
        }
        return hits;
    }

    private static List<SearchHit> filtered(LiveBundle bundle, float[] vector, SearchQuery query) {
        BitSet allowed = bundle.select(query.category(), priceTest(query));
        for (String id : query.exclude())
            bundle.index().slot(id).ifPresent(slot -> allowed.clear((int) (long) slot));
        if (allowed.isEmpty()) return List.of();
        try (IdFilter filter = IdFilter.bitmap(allowed)) {
            SearchOptions options = bundle.searchOptions().withFilter(filter);
            int k = vectorsFor(bundle, query, allowed.cardinality());
            return hitsOf(bundle, bundle.index().search(vector, k, options).get(0), query);
        }
    }

    /** The most vectors one search asks Faiss for, whatever k and the images per item. */
    static final int MAX_VECTORS = 10_000;

    /**
     * How many vectors to ask Faiss for: k when grouped by image; k times the most images one item
     * has when grouped by item (k items are among them: no item fills more than its images), at
     * most {@link #MAX_VECTORS}; never more than the {@code items} that may match, or the vectors.
     */
    static int vectorsFor(LiveBundle bundle, SearchQuery query, long items) {
        long vectors = bundle.index().vectorCount();
        if (query.groupBy() == SearchQuery.GroupBy.IMAGE) return (int) Math.min(query.k(), vectors);
        int k = (int) Math.min(query.k(), items);
        long wanted = (long) k * bundle.index().mostImagesPerItem();
        return (int) Math.max(k, Math.min(wanted, Math.min(MAX_VECTORS, vectors)));
    }

    /**
     * The hits as the API answers them: grouped by item, each item once at its first (best) hit, up
     * to k; grouped by image, the first k.
     */
    static List<SearchHit> hitsOf(LiveBundle bundle, List<LiveIndex.Hit> found, SearchQuery query) {
        int k = query.k();
        boolean byItem = query.groupBy() == SearchQuery.GroupBy.ITEM;
        Set<String> seen = byItem ? new HashSet<>() : null;
        List<SearchHit> hits = new ArrayList<>(Math.min(k, found.size()));
        for (LiveIndex.Hit hit : found) {
            if (hits.size() == k) break;
            if (byItem && !seen.add(hit.itemId())) continue;
            BundleItem item = bundle.item(hit);
            hits.add(
                    new SearchHit(
                            item.id(),
                            hit.score(),
                            item.title(),
                            item.category(),
                            item.price(),
                            hit.image(),
                            item.imageCount()));
        }
        return hits;
    }

    /**
     * One answer from the answers of several query vectors (more-like-this of an item with several
     * images): every hit, best score first, grouped as {@code query} says (an item once, at the
     * best score any query vector gave it), the first k.
     */
    static List<SearchHit> fuse(
            LiveBundle bundle, List<List<SearchHit>> answers, SearchQuery query) {
        if (answers.size() == 1) return answers.get(0);
        Comparator<SearchHit> best = Comparator.comparingDouble(SearchHit::score);
        if (bundle.index().metric() == Metric.INNER_PRODUCT) best = best.reversed();
        List<SearchHit> all = new ArrayList<>();
        answers.forEach(all::addAll);
        all.sort(best);
        boolean byItem = query.groupBy() == SearchQuery.GroupBy.ITEM;
        Set<String> seen = new HashSet<>();
        List<SearchHit> fused = new ArrayList<>(query.k());
        for (SearchHit hit : all) {
            if (fused.size() == query.k()) break;
            String key = byItem ? hit.id() : hit.id() + "\u0000" + hit.matchedImage();
            if (seen.add(key)) fused.add(hit);
        }
        return fused;
    }

    /** The query's price range as a test of an item; null when it has none. */
    private static Predicate<BundleItem> priceTest(SearchQuery query) {
        if (query.priceMin() == null && query.priceMax() == null) return null;
        return item -> {
            Double price = item.price();
            return price != null
                    && (query.priceMin() == null || price >= query.priceMin())
                    && (query.priceMax() == null || price <= query.priceMax());
        };
    }
}
