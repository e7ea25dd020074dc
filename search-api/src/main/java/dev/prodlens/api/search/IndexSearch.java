package dev.prodlens.api.search;

import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.faiss.Faiss;
import dev.prodlens.core.faiss.IdFilter;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.live.LiveIndex;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * Searches a live bundle's Faiss index with query vectors, each with its own k and filters. The
 * queries without filters share one Faiss call: for an exhaustive (Flat) index that is one matrix
 * product that reads the stored vectors once for all of them, instead of one scan per query (on 10k
 * x 1,280 floats, a model batch of 8 costs 1.3 ms per query instead of 4.5; see {@link
 * #BLAS_FROM_QUERIES}). Filtered queries each carry their own id selector, so they run one by one.
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
                k = Math.max(k, queries.get(plain.get(j)).k());
            }
            List<List<LiveIndex.Hit>> found =
                    bundle.index()
                            .search(block, (int) Math.min(k, present), bundle.searchOptions());
            for (int j = 0; j < plain.size(); j++) {
                int i = plain.get(j);
                hits.set(i, hitsOf(bundle, found.get(j), queries.get(i).k()));
            }
        }
        return hits;
    }

    private static List<SearchHit> filtered(LiveBundle bundle, float[] vector, SearchQuery query) {
        BitSet allowed = bundle.select(query.category(), priceTest(query));
        for (String id : query.exclude())
            bundle.index().faissId(id).ifPresent(f -> allowed.clear((int) (long) f));
        if (allowed.isEmpty()) return List.of();
        try (IdFilter filter = IdFilter.bitmap(allowed)) {
            SearchOptions options = bundle.searchOptions().withFilter(filter);
            int k = Math.min(query.k(), allowed.cardinality());
            return hitsOf(bundle, bundle.index().search(vector, k, options).get(0), k);
        }
    }

    /** The first {@code k} hits as the API answers them. */
    private static List<SearchHit> hitsOf(LiveBundle bundle, List<LiveIndex.Hit> found, int k) {
        int count = Math.min(k, found.size());
        List<SearchHit> hits = new ArrayList<>(count);
        for (int rank = 0; rank < count; rank++) {
            LiveIndex.Hit hit = found.get(rank);
            BundleItem item = bundle.item(hit);
            hits.add(
                    new SearchHit(
                            item.id(), hit.score(), item.title(), item.category(), item.price()));
        }
        return hits;
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
