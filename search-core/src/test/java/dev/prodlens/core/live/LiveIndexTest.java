package dev.prodlens.core.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.IdFilter;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** LiveIndex on real Faiss indexes: ids, tombstones, replays, refusals, replicas, concurrency. */
class LiveIndexTest {
    private static final int D = 16;
    private static final int N = 400;
    private static final String MODEL = "model-a";
    private static final String SHA = "0".repeat(64);
    private static final SearchOptions OPTIONS = SearchOptions.DEFAULT.withEfSearch(128);

    private static float[] unit(SplittableRandom random) {
        float[] v = new float[D];
        double norm = 0;
        for (int j = 0; j < D; j++) {
            v[j] = (float) (random.nextDouble() * 2 - 1);
            norm += v[j] * v[j];
        }
        for (int j = 0; j < D; j++) {
            v[j] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    /** A bundle of N items "b0".."b{N-1}" with fields {title=t<i>}, vectors from seed 1. */
    private static LiveIndex bundle(String factory) {
        SplittableRandom random = new SplittableRandom(1);
        float[] base = new float[N * D];
        long[] ids = new long[N];
        List<String> items = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            System.arraycopy(unit(random), 0, base, i * D, D);
            ids[i] = i;
            items.add("b" + i);
        }
        FaissIndex index = FaissIndex.create(D, factory, Metric.INNER_PRODUCT);
        index.add(base, ids);
        return new LiveIndex(index, items, id -> Map.of("title", "t" + id.substring(1)), MODEL, -1);
    }

    private static Update.Upsert upsert(String item, float[] vector) {
        return new Update.Upsert(item, Map.of("title", item), "img/" + item, SHA, MODEL, vector);
    }

    private static List<LiveIndex.Hit> top(LiveIndex live, float[] query, int k) {
        return live.search(query, k, OPTIONS).get(0);
    }

    private static List<String> items(List<LiveIndex.Hit> hits) {
        List<String> out = new ArrayList<>();
        hits.forEach(h -> out.add(h.itemId()));
        return out;
    }

    /** A fixed mixed sequence of upserts, replacements, metadata changes and deletes. */
    private static List<Update> sequence(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Update> updates = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int kind = random.nextInt(4);
            String item = random.nextBoolean() ? "b" + random.nextInt(N) : "n" + random.nextInt(30);
            if (kind == 0 || kind == 1) {
                updates.add(upsert(item, unit(random)));
            } else if (kind == 2) {
                updates.add(new Update.MetadataChange(item, Map.of("price", "" + i)));
            } else {
                updates.add(new Update.Delete(item));
            }
        }
        return updates;
    }

    private static void applyAll(LiveIndex live, List<Update> updates) {
        for (int p = 0; p < updates.size(); p++) {
            live.apply(p, updates.get(p));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32"})
    void addedItemIsFoundByItsOwnVector(String factory) {
        try (LiveIndex live = bundle(factory)) {
            float[] v = unit(new SplittableRandom(99));
            live.apply(0, upsert("new", v));
            assertEquals("new", top(live, v, 5).get(0).itemId());
            assertEquals(Optional.of((long) N), live.faissId("new"));
            assertEquals(
                    Map.of("title", "new", LiveIndex.IMAGE, "img/new"),
                    live.fields("new").orElseThrow());
            assertEquals(1, live.liveAdds());
            assertEquals(0, live.tombstones());
            assertEquals(0, live.appliedPosition());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32"})
    void replacedItemIsFoundOnlyUnderItsNewVectorAndOnce(String factory) {
        try (LiveIndex live = bundle(factory)) {
            float[] old = live.vector("b7").orElseThrow();
            float[] fresh = unit(new SplittableRandom(5));
            live.apply(0, upsert("b7", fresh));
            assertEquals("b7", top(live, fresh, 1).get(0).itemId());
            List<String> nearOld = items(top(live, old, 10));
            assertFalse(nearOld.get(0).equals("b7"));
            boolean exact = factory.equals("Flat"); // HNSW does not list every item
            List<String> all = items(top(live, fresh, exact ? N : 50));
            assertEquals(1, Collections.frequency(all, "b7"));
            assertEquals(exact ? N : 50, all.size());
            assertEquals(1, live.tombstones());
            assertEquals(1, live.liveAdds());
            assertEquals(N, live.size());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32"})
    void deletedItemIsNeverReturnedAndKResultsStillComeBack(String factory) {
        try (LiveIndex live = bundle(factory)) {
            float[] query = live.vector("b3").orElseThrow();
            List<String> before = items(top(live, query, 10));
            for (int i = 0; i < 5; i++) { // the five nearest, b3 itself first
                live.apply(i, new Update.Delete(before.get(i)));
            }
            List<String> after = items(top(live, query, 10));
            assertEquals(10, after.size());
            for (int i = 0; i < 5; i++) {
                assertFalse(after.contains(before.get(i)), before.get(i));
                assertFalse(live.contains(before.get(i)));
                assertTrue(live.fields(before.get(i)).isEmpty());
            }
            assertEquals(before.subList(5, 10), after.subList(0, 5));
            if (factory.equals("Flat")) { // HNSW does not list every item
                assertEquals(N - 5, items(top(live, query, N)).size());
            }
        }
    }

    @Test
    void callerFilterIsCombinedWithTheTombstones() {
        try (LiveIndex live = bundle("Flat");
                IdFilter firstTen = IdFilter.range(0, 10)) {
            live.apply(0, new Update.Delete("b2"));
            List<String> hits =
                    items(live.search(new float[D], 10, OPTIONS.withFilter(firstTen)).get(0));
            assertEquals(9, hits.size());
            assertFalse(hits.contains("b2"));
            assertFalse(firstTen.isClosed());
        }
    }

    @Test
    void metadataChangeShowsInFieldsAndNotInTheIndex() {
        try (LiveIndex live = bundle("Flat")) {
            float[] query = live.vector("b9").orElseThrow();
            List<LiveIndex.Hit> before = top(live, query, 10);
            live.apply(0, new Update.MetadataChange("b9", Map.of("price", "12.50")));
            live.apply(1, new Update.MetadataChange("b9", Map.of("title", "")));
            assertEquals(Map.of("price", "12.50"), live.fields("b9").orElseThrow());
            assertEquals(Map.of("title", "t8"), live.fields("b8").orElseThrow());
            List<LiveIndex.Hit> after = top(live, query, 10);
            assertEquals(items(before), items(after), "the same entries, in the same order");
            assertEquals(before.get(0).score(), after.get(0).score());
            assertNull(before.get(0).fields(), "a bundle item's hit carries no fields");
            assertEquals(Map.of("price", "12.50"), after.get(0).fields(), "a changed item's do");
            assertEquals(0, live.liveAdds());
            assertEquals(0, live.tombstones());
            assertEquals(Set.of("b9"), live.overlay().keySet());
            live.apply(2, new Update.MetadataChange("missing", Map.of("price", "1")));
            assertFalse(live.contains("missing"));
        }
    }

    @Test
    void theChangedItemsAndTheDeletedBundleItemsAreListed() {
        try (LiveIndex live = bundle("Flat")) {
            SplittableRandom random = new SplittableRandom(5);
            live.apply(0, upsert("new", unit(random))); // added
            live.apply(1, upsert("b3", unit(random))); // replaced: a new Faiss id
            live.apply(2, new Update.MetadataChange("b4", Map.of("price", "2"))); // same id
            live.apply(3, new Update.Delete("b5"));
            live.apply(4, upsert("b6", unit(random)));
            live.apply(5, new Update.Delete("b6")); // replaced, then deleted
            Map<String, LiveIndex.Changed> changed = new java.util.TreeMap<>();
            live.changed().forEach(c -> changed.put(c.itemId(), c));
            assertEquals(Set.of("new", "b3", "b4"), changed.keySet());
            assertEquals(N, changed.get("new").faissId());
            assertEquals(N + 1, changed.get("b3").faissId());
            assertEquals(4, changed.get("b4").faissId());
            assertEquals(
                    Map.of("title", "b3", LiveIndex.IMAGE, "img/b3"), changed.get("b3").fields());
            assertEquals(Map.of("title", "t4", "price", "2"), changed.get("b4").fields());
            assertEquals(Set.of("b5", "b6"), Set.copyOf(live.removedFromBundle()));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> new Update.MetadataChange("b4", Map.of(LiveIndex.IMAGE, "x.jpg")),
                    "an image is not a field: it changes only with its vector");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32"})
    void replayingTheSamePositionsChangesNothing(String factory) {
        List<Update> updates = sequence(11);
        float[] queries = queries();
        try (LiveIndex live = bundle(factory)) {
            applyAll(live, updates);
            List<List<LiveIndex.Hit>> results = live.search(queries, 10, OPTIONS);
            long adds = live.liveAdds();
            long tombstones = live.tombstones();
            Map<String, Map<String, String>> overlay = live.overlay();
            applyAll(live, updates);
            live.apply(updates.size() - 1, new Update.Delete("b0"));
            assertEquals(results, live.search(queries, 10, OPTIONS));
            assertEquals(adds, live.liveAdds());
            assertEquals(tombstones, live.tombstones());
            assertEquals(overlay, live.overlay());
            assertEquals(updates.size() + 1, live.ignoredReplays());
            assertEquals(updates.size() - 1, live.appliedPosition());
        }
    }

    @Test
    void wrongFingerprintOrDimensionIsRefusedAndChangesNothing() {
        try (LiveIndex live = bundle("HNSW32")) {
            float[] v = unit(new SplittableRandom(3));
            Update other = new Update.Upsert("b1", Map.of(), "img", SHA, "model-b", v);
            UpdateLogException e =
                    assertThrows(UpdateLogException.class, () -> live.apply(4, other));
            assertTrue(e.getMessage().contains("position 4"), e.getMessage());
            assertTrue(e.getMessage().contains("model-a"), e.getMessage());
            assertTrue(e.getMessage().contains("model-b"), e.getMessage());
            Update shorter = upsert("b1", new float[D - 1]);
            assertThrows(UpdateLogException.class, () -> live.apply(5, shorter));
            assertEquals(-1, live.appliedPosition());
            assertEquals(0, live.liveAdds());
            assertEquals(0, live.tombstones());
            assertEquals(Optional.of(1L), live.faissId("b1"));
            assertEquals(Map.of("title", "t1"), live.fields("b1").orElseThrow());
            live.apply(4, upsert("b1", v)); // the position was not used up
            assertEquals("b1", top(live, v, 1).get(0).itemId());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32"})
    void replicasApplyingTheSameSequenceConverge(String factory) {
        List<Update> updates = sequence(23);
        float[] queries = queries();
        try (LiveIndex a = bundle(factory);
                LiveIndex b = bundle(factory)) {
            applyAll(a, updates);
            for (int p = 0; p < updates.size(); p++) { // b gets duplicates as well
                b.apply(p, updates.get(p));
                b.apply(p, updates.get(p));
            }
            assertEquals(a.search(queries, 10, OPTIONS), b.search(queries, 10, OPTIONS));
            assertEquals(a.overlay(), b.overlay());
            for (Update u : updates) {
                assertEquals(a.faissId(u.itemId()), b.faissId(u.itemId()));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32"})
    void searchesRunWhileUpdatesApply(String factory) throws Exception {
        try (LiveIndex live = bundle(factory)) {
            Set<String> deleted = ConcurrentHashMap.newKeySet();
            AtomicBoolean writing = new AtomicBoolean(true);
            float[] queries = queries();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Integer>> searchers = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    searchers.add(
                            pool.submit(
                                    () -> {
                                        int rounds = 0;
                                        while (writing.get() || rounds < 20) {
                                            Set<String> gone = Set.copyOf(deleted);
                                            for (List<LiveIndex.Hit> hits :
                                                    live.search(queries, 10, OPTIONS)) {
                                                assertEquals(10, hits.size());
                                                for (LiveIndex.Hit h : hits) {
                                                    assertFalse(gone.contains(h.itemId()));
                                                }
                                            }
                                            rounds++;
                                        }
                                        return rounds;
                                    }));
                }
                SplittableRandom random = new SplittableRandom(7);
                for (int p = 0; p < 300; p++) {
                    String item = "b" + p;
                    if (p % 3 == 0) {
                        live.apply(p, new Update.Delete(item));
                        deleted.add(item);
                    } else {
                        live.apply(p, upsert(p % 3 == 1 ? item : "n" + p, unit(random)));
                    }
                }
                writing.set(false);
                for (Future<Integer> f : searchers) {
                    assertTrue(f.get() >= 20);
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(N - 100 + 100, live.size());
            assertEquals(200, live.liveAdds());
            assertEquals(200, live.tombstones());
            assertTrue(live.reindexRecommended(0.5));
            assertFalse(live.reindexRecommended(1.0));
        }
    }

    private static float[] queries() {
        SplittableRandom random = new SplittableRandom(42);
        float[] q = new float[8 * D];
        for (int i = 0; i < 8; i++) {
            System.arraycopy(unit(random), 0, q, i * D, D);
        }
        return q;
    }
}
