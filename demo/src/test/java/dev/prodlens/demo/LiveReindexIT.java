package dev.prodlens.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.testkit.CatalogueWriter;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: {@code reindex} while writes continue, with the real processes a user runs: the
 * packaged service ({@code prodlens-api.jar}) serves a catalogue on its local update log, a client
 * streams upserts, metadata changes and deletes, and {@code bin/prodlens-jobs reindex} folds the
 * log into a new bundle meanwhile; the service hot-swaps to it. Afterwards every acknowledged
 * change is there, the new version applied only the changes after the position its manifest records
 * (none twice: its live adds are exactly the upserts after it), and deleted items stay deleted.
 */
class LiveReindexIT {
    private static final int CATALOGUE = 10;
    private static final String KEY = "it-key";

    private PackagedProcesses.Service api;

    /** An item as the catalogue and the writes make it; null fields are absent. */
    private record Item(String title, String category, String price) {}

    /** One acknowledged write. */
    private record Written(long position, String id, String op, Map<String, String> fields) {}

    @Test
    void changesWrittenDuringAReindexAreNeitherLostNorAppliedTwice(@TempDir Path tmp)
            throws Exception {
        List<Path> photos = OfflineImages.photos();
        Path csv = tmp.resolve("catalogue/catalogue.csv");
        Files.createDirectories(csv.getParent());
        Map<String, Item> expected = new TreeMap<>();
        try (CatalogueWriter writer = new CatalogueWriter(csv)) {
            for (int i = 0; i < CATALOGUE; i++) {
                writer.add(
                        "photo " + i,
                        "g" + i,
                        "c" + (i % 3),
                        10 + i,
                        Files.readAllBytes(photos.get(i)));
                expected.put(
                        String.format("item-%06d", i),
                        new Item("photo " + i, "c" + (i % 3), price(10 + i)));
            }
        }
        List<String> settings = PackagedProcesses.settings(tmp, csv, "live-it");
        PackagedProcesses.run(tmp, "prodlens-jobs", "reindex", settings, "reindex-1.log");

        List<String> apiArgs = new ArrayList<>(settings);
        apiArgs.addAll(
                List.of(
                        "api.port=0",
                        "api.reload-interval-ms=200",
                        "live.write-key=" + KEY,
                        "live.segment-bytes=65536"));
        api = PackagedProcesses.Service.start(apiArgs, tmp.resolve("api.log"), KEY);
        try {
            String firstVersion = api.info().get("version").getAsString();
            List<Written> written = new ArrayList<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Throwable> failures = new ArrayList<>();
            Thread client =
                    new Thread(
                            () -> {
                                try {
                                    stream(photos, written, stop);
                                } catch (Throwable e) {
                                    synchronized (failures) {
                                        failures.add(e);
                                    }
                                }
                            });
            client.start();
            awaitWrites(written, 12);
            PackagedProcesses.run(
                    tmp,
                    "prodlens-jobs",
                    "reindex",
                    settings,
                    "reindex-2.log"); // while the client goes on writing
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (api.info().get("version").getAsString().equals(firstVersion)) {
                assertTrue(System.nanoTime() < deadline, "the service never switched bundles");
                Thread.sleep(100);
            }
            int atSwap = size(written);
            awaitWrites(written, atSwap + 8); // and after the swap
            stop.set(true);
            client.join();
            assertEquals(List.of(), failures, "every write was acknowledged");

            JsonObject live = api.info().getAsJsonObject("live");
            long folded = live.get("bundle_log_position").getAsLong();
            List<Written> all;
            synchronized (written) {
                all = List.copyOf(written);
            }
            long last = all.get(all.size() - 1).position();
            assertTrue(folded >= 0 && folded < last, "the bundle folded some, not all: " + folded);
            assertEquals(last, live.get("applied_position").getAsLong());

            // the expected catalogue: the export, then every acknowledged write in position order
            Map<String, Item> state = new TreeMap<>(expected);
            long upsertsAfterFold = 0;
            for (Written w : all) {
                switch (w.op()) {
                    case "upsert" -> {
                        state.put(
                                w.id(),
                                new Item(
                                        w.fields().get("title"), w.fields().get("category"), null));
                        if (w.position() > folded) upsertsAfterFold++;
                    }
                    case "change" ->
                            state.computeIfPresent(
                                    w.id(),
                                    (id, item) ->
                                            new Item(
                                                    item.title(),
                                                    item.category(),
                                                    w.fields().get("price")));
                    case "delete" -> state.remove(w.id());
                    default -> throw new AssertionError(w.op());
                }
            }
            assertEquals(
                    upsertsAfterFold,
                    live.get("live_adds").getAsLong(),
                    "the new version applied exactly the upserts after position " + folded);
            assertEquals(
                    state.size(),
                    api.info().get("items").getAsLong(),
                    "items present: " + state.keySet());
            Map<String, Boolean> touched = new HashMap<>();
            all.forEach(w -> touched.put(w.id(), true));
            for (String id : touched.keySet()) {
                HttpResponse<String> r = api.get("/v1/items/" + id);
                Item want = state.get(id);
                if (want == null) {
                    assertEquals(404, r.statusCode(), id + " was deleted: " + r.body());
                    continue;
                }
                assertEquals(200, r.statusCode(), id + ": " + r.body());
                JsonObject item = JsonParser.parseString(r.body()).getAsJsonObject();
                assertEquals(want.title(), text(item, "title"), id);
                assertEquals(want.category(), text(item, "category"), id);
                assertEquals(
                        want.price(),
                        item.has("price") && !item.get("price").isJsonNull()
                                ? price(item.get("price").getAsDouble())
                                : null,
                        id);
            }
            // a search as deep as the catalogue returns every present item once, and nothing
            // deleted (a change applied twice would show as a duplicate, a lost delete as extra)
            List<String> everything = search(Files.readAllBytes(photos.get(CATALOGUE)));
            assertEquals(
                    everything.size(),
                    new java.util.HashSet<>(everything).size(),
                    "no item twice: " + everything);
            assertEquals(state.keySet(), new java.util.TreeSet<>(everything));
        } finally {
            api.close();
        }
    }

    /**
     * Writes until stopped, one at a time: upserts of new items and replacements of catalogue items
     * (with photos the catalogue lacks), price changes, deletes.
     */
    private void stream(List<Path> photos, List<Written> written, AtomicBoolean stop)
            throws Exception {
        for (int i = 0; !stop.get(); i++) {
            String id;
            String op;
            Map<String, String> fields = new LinkedHashMap<>();
            HttpResponse<String> r;
            switch (i % 4) {
                case 0, 3 -> {
                    int photo = CATALOGUE + (i / 2) % (photos.size() - CATALOGUE);
                    id = i % 4 == 0 ? "live-" + i : String.format("item-%06d", (i / 4) % CATALOGUE);
                    op = "upsert";
                    fields.put("title", "written " + i);
                    fields.put("category", "c" + (i % 3));
                    r =
                            api.send(
                                    "PUT",
                                    "/v1/items/"
                                            + id
                                            + "?title=written%20"
                                            + i
                                            + "&category=c"
                                            + (i % 3),
                                    HttpRequest.BodyPublishers.ofByteArray(
                                            Files.readAllBytes(photos.get(photo))),
                                    "image/jpeg");
                }
                case 1 -> {
                    id = String.format("item-%06d", (i / 4) % CATALOGUE);
                    op = "change";
                    fields.put("price", price(100 + i));
                    r =
                            api.send(
                                    "PATCH",
                                    "/v1/items/" + id,
                                    HttpRequest.BodyPublishers.ofString(
                                            "{\"price\": " + (100 + i) + "}"),
                                    "application/json");
                    if (r.statusCode() == 404) continue; // deleted earlier: nothing recorded
                }
                default -> {
                    id =
                            i % 8 == 2
                                    ? "live-" + (i - 2)
                                    : String.format("item-%06d", (i * 7) % CATALOGUE);
                    op = "delete";
                    r =
                            api.send(
                                    "DELETE",
                                    "/v1/items/" + id,
                                    HttpRequest.BodyPublishers.noBody(),
                                    null);
                }
            }
            assertEquals(200, r.statusCode(), op + " " + id + ": " + r.body());
            long position =
                    JsonParser.parseString(r.body()).getAsJsonObject().get("position").getAsLong();
            synchronized (written) {
                written.add(new Written(position, id, op, fields));
            }
            Thread.sleep(100);
        }
    }

    private static int size(List<Written> written) {
        synchronized (written) {
            return written.size();
        }
    }

    private static void awaitWrites(List<Written> written, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (size(written) < count) {
            assertTrue(
                    System.nanoTime() < deadline,
                    "the client wrote " + size(written) + " of " + count);
            Thread.sleep(50);
        }
    }

    private static String price(double value) {
        return String.format(java.util.Locale.ROOT, "%.2f", value);
    }

    private static String text(JsonObject o, String name) {
        return o.has(name) && !o.get(name).isJsonNull() ? o.get(name).getAsString() : null;
    }

    private List<String> search(byte[] photo) throws IOException, InterruptedException {
        HttpResponse<String> r =
                api.send(
                        "POST",
                        "/v1/search?k=1000",
                        HttpRequest.BodyPublishers.ofByteArray(photo),
                        "image/jpeg");
        assertEquals(200, r.statusCode(), r.body());
        List<String> ids = new ArrayList<>();
        for (JsonElement e :
                JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("items"))
            ids.add(e.getAsJsonObject().get("id").getAsString());
        return ids;
    }
}
