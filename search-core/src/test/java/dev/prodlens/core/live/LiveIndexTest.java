package dev.prodlens.core.live;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.IdFilter;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchOptions;
import java.util.ArrayList;
import java.util.BitSet;
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
            assertEquals(Optional.of((long) N), live.slot("new"));
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
            assertEquals(N, changed.get("new").slot());
            assertEquals(N + 1, changed.get("b3").slot());
            assertEquals(4, changed.get("b4").slot());
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
            assertEquals(Optional.of(1L), live.slot("b1"));
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
                assertEquals(a.slot(u.itemId()), b.slot(u.itemId()));
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

    /**
     * Items 0..59 with (i % 3) + 1 images each, Faiss ids {@link VectorIds#of}(ordinal, image, 8).
     */
    private static LiveIndex multiImage(String factory, List<float[]> vectors) {
        SplittableRandom random = new SplittableRandom(5);
        int items = 60;
        int[] counts = new int[items];
        List<Long> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < items; i++) {
            counts[i] = i % 3 + 1;
            names.add("m" + i);
            for (int image = 0; image < counts[i]; image++) {
                vectors.add(unit(random));
                ids.add(VectorIds.of(i, image, VectorIds.IMAGE_BITS));
            }
        }
        float[] base = new float[vectors.size() * D];
        for (int v = 0; v < vectors.size(); v++)
            System.arraycopy(vectors.get(v), 0, base, v * D, D);
        FaissIndex index = FaissIndex.create(D, factory, Metric.INNER_PRODUCT);
        if (!index.isTrained()) index.train(base);
        index.add(base, ids.stream().mapToLong(Long::longValue).toArray());
        return new LiveIndex(
                index,
                new LiveIndex.Items(names, counts, VectorIds.IMAGE_BITS),
                id -> Map.of(),
                MODEL,
                -1,
                v -> v);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW32", "IVF4,Flat"})
    void anItemsImagesShareItsSlotAndEachHitNamesItsImage(String factory) {
        List<float[]> vectors = new ArrayList<>();
        try (LiveIndex live = multiImage(factory, vectors)) {
            SearchOptions exact =
                    factory.startsWith("IVF") ? SearchOptions.DEFAULT.withNprobe(4) : OPTIONS;
            // item m5 has 3 images, after the images of m0..m4
            int first = 0;
            for (int i = 0; i < 5; i++) first += i % 3 + 1;
            for (int image = 0; image < 3; image++) {
                LiveIndex.Hit hit = live.search(vectors.get(first + image), 1, exact).get(0).get(0);
                assertEquals("m5", hit.itemId());
                assertEquals(image, hit.image());
            }
            assertEquals(3, live.vectors("m5").orElseThrow().size());
            assertArrayEquals(
                    vectors.get(first + 2), live.vectors("m5").orElseThrow().get(2), 1e-6f);
            assertEquals(3, live.mostImagesPerItem());
            assertEquals(vectors.size(), live.vectorCount());

            // a filter over slots applies to every image of the item
            BitSet allowed = new BitSet();
            allowed.set(0, 60);
            allowed.clear(5);
            try (IdFilter notM5 = IdFilter.bitmap(allowed)) {
                for (int image = 0; image < 3; image++) {
                    List<LiveIndex.Hit> hits =
                            live.search(vectors.get(first + image), 20, exact.withFilter(notM5))
                                    .get(0);
                    assertEquals(20, hits.size());
                    assertFalse(items(hits).contains("m5"));
                }
            }

            // a delete hides all its images; an upsert replaces them with its one image
            live.apply(0, new Update.Delete("m5"));
            assertFalse(
                    items(live.search(vectors.get(first + 1), 30, exact).get(0)).contains("m5"));
            float[] fresh = unit(new SplittableRandom(77));
            live.apply(1, upsert("m8", fresh));
            LiveIndex.Hit hit = live.search(fresh, 1, exact).get(0).get(0);
            assertEquals("m8", hit.itemId());
            assertEquals(0, hit.image());
            assertEquals(1, live.vectors("m8").orElseThrow().size());
            int m8 = 0;
            for (int i = 0; i < 8; i++) m8 += i % 3 + 1;
            for (int image = 0; image < 3; image++) {
                List<LiveIndex.Hit> hits = live.search(vectors.get(m8 + image), 100, exact).get(0);
                assertTrue(
                        hits.stream().noneMatch(h -> h.itemId().equals("m8") && h.score() > 0.999f),
                        "m8's replaced image " + image + " came back");
            }
            assertEquals(59, live.size());
        }
    }

    @Test
    void imageCountsMustMatchTheIndex() {
        FaissIndex index = FaissIndex.create(D, "Flat", Metric.INNER_PRODUCT);
        index.add(new float[3 * D], new long[] {0, 1, 256});
        try {
            assertThrows(
                    IllegalArgumentException.class,
                    () ->
                            new LiveIndex(
                                    index,
                                    new LiveIndex.Items(List.of("a", "b"), new int[] {1, 1}, 8),
                                    id -> Map.of(),
                                    MODEL,
                                    -1,
                                    v -> v));
            assertThrows(
                    IllegalArgumentException.class,
                    () ->
                            new LiveIndex(
                                    index,
                                    new LiveIndex.Items(List.of("a", "b"), new int[] {2, 1}, 0),
                                    id -> Map.of(),
                                    MODEL,
                                    -1,
                                    v -> v));
        } finally {
            index.close();
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
