package dev.prodlens.api.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.prodlens.api.TestBundle;
import dev.prodlens.api.bundle.BundleHolder;
import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.api.metrics.ApiMetrics;
import dev.prodlens.core.embed.ModelCard;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model batch's queries searched together (the unfiltered ones as one Faiss call, a matrix
 * product on a Flat index) find exactly what each finds alone (a scan per query).
 */
class IndexSearchTest {
    private static final int PHOTOS = 9;

    @TempDir static Path tmp;
    private static BundleHolder holder;
    private static BundleHolder.Lease lease;
    private static LiveBundle bundle;

    @BeforeAll
    static void load() {
        IndexSearch.configure();
        Path version = TestBundle.publish(tmp, PHOTOS, null);
        holder =
                BundleHolder.open(
                        version.getParent(),
                        ModelCard.read(TestBundle.embedderConfig(null).modelDir()),
                        Duration.ZERO,
                        new ApiMetrics());
        lease = holder.acquire();
        bundle = lease.bundle();
    }

    @AfterAll
    static void close() {
        if (lease != null) lease.close();
        if (holder != null) holder.close();
    }

    @Test
    void aBatchFindsWhatEachQueryFindsAlone() {
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < PHOTOS; i++)
            vectors.add(
                    bundle.index().vector(bundle.index().itemId(i).orElseThrow()).orElseThrow());
        List<SearchQuery> queries =
                List.of(
                        new SearchQuery(3, null, null, null, null),
                        new SearchQuery(9, null, null, null, null),
                        new SearchQuery(9, "cat-1", null, null, null),
                        new SearchQuery(2, null, null, null, Set.of("item-03")),
                        new SearchQuery(1, null, null, null, null),
                        new SearchQuery(20, null, 25.0, 55.0, null),
                        new SearchQuery(5, null, null, null, null),
                        new SearchQuery(4, "cat-2", null, null, Set.of("item-08")),
                        new SearchQuery(100, null, null, null, null));
        List<List<SearchHit>> together = IndexSearch.search(bundle, vectors, queries);
        assertEquals(PHOTOS, together.size());
        for (int i = 0; i < PHOTOS; i++) {
            List<SearchHit> alone = IndexSearch.search(bundle, vectors.get(i), queries.get(i));
            List<SearchHit> batched = together.get(i);
            assertEquals(ids(alone), ids(batched), "query " + i);
            for (int r = 0; r < alone.size(); r++) {
                assertEquals(
                        alone.get(r).score(),
                        batched.get(r).score(),
                        1e-4,
                        "query " + i + " rank " + r);
            }
        }
        // and each answer is the right one, not merely the same twice
        assertEquals(3, together.get(0).size());
        assertEquals(
                "item-00",
                together.get(0).get(0).id(),
                "a catalogue vector finds its own item first");
        assertEquals(PHOTOS, together.get(1).size());
        assertEquals(Set.of("item-01", "item-04", "item-07"), Set.copyOf(ids(together.get(2))));
        assertFalse(ids(together.get(3)).contains("item-03"));
        assertEquals(List.of("item-04"), ids(together.get(4)));
        assertEquals(
                Set.of("item-02", "item-03", "item-04"),
                Set.copyOf(ids(together.get(5))),
                "prices 30, 40, 50");
        assertEquals(Set.of("item-02", "item-05"), Set.copyOf(ids(together.get(7))));
        assertEquals(
                PHOTOS, together.get(8).size(), "k beyond the catalogue gives the whole catalogue");
    }

    private static List<String> ids(List<SearchHit> hits) {
        return hits.stream().map(SearchHit::id).toList();
    }
}
