package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real crash of the service while it takes writes (issue 17): the packaged jar runs in a child
 * JVM on the local update log; two client threads stream upserts, metadata changes and deletes;
 * after more than 40 acknowledged writes the JVM itself is killed with SIGKILL ({@code
 * Process.destroyForcibly}), mid-write. Restarted on the same directories, the service must hold
 * every acknowledged change (the last per id in log order), and every write that was not
 * acknowledged must be either absent or whole, never half-applied.
 *
 * <p>Each thread owns some ids (new ones and one bundle item) and is the only one to write them, so
 * for each such id at most one write (its thread's last) is unknown. Two ids are shared by both
 * threads, with whole-item writes only (upserts and deletes), so their state is that of the write
 * with the highest position: the last acknowledged one, or one of the unknown ones.
 */
class LiveCrashIT {
    private static final String KEY = "crash-key";
    private static final int ACKED_BEFORE_KILL = 44;
    private static final int BUNDLE_ITEMS = 4;
    private static final int PHOTOS = 8;

    @TempDir Path tmp;

    /** One write as sent; {@code position} -1 and {@code outcome} set when not acknowledged. */
    record Write(
            int thread,
            int seq,
            String id,
            String op,
            Map<String, String> fields,
            int photo,
            long position,
            String outcome) {
        boolean acked() {
            return position >= 0;
        }
    }

    /** An item as the service should hold it: its fields and the photo of its image. */
    record State(Map<String, String> fields, int photo) {}

    @Test
    void everyAcknowledgedWriteSurvivesAKillDashNineAndNothingIsHalfApplied() throws Exception {
        long started = System.nanoTime();
        TestBundle.publish(tmp, BUNDLE_ITEMS, null);
        List<byte[]> photos = new ArrayList<>();
        for (Path p : TestBundle.photos(PHOTOS)) photos.add(Files.readAllBytes(p));
        List<String> args = TestBundle.args(tmp, "live.write-key=" + KEY);

        ApiJarIT.Served first = ApiJarIT.serve(List.of(), args, tmp.resolve("first.log"));
        List<Write> writes = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger acked = new AtomicInteger();
        AtomicBoolean killed = new AtomicBoolean();
        List<Thread> clients = new ArrayList<>();
        try {
            for (int t = 0; t < 2; t++) {
                int thread = t;
                Thread client =
                        new Thread(
                                () -> stream(thread, first.http(), photos, writes, acked, killed),
                                "writer-" + t);
                client.start();
                clients.add(client);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acked.get() < ACKED_BEFORE_KILL && System.nanoTime() < deadline) {
                if (clients.stream().noneMatch(Thread::isAlive)) break;
                Thread.sleep(5);
            }
            assertTrue(
                    acked.get() >= ACKED_BEFORE_KILL,
                    acked.get() + " writes acknowledged in time; " + writes);
        } finally {
            // SIGKILL to the JVM itself (ApiJarIT.start runs java, no shell): no shutdown hook
            killed.set(true);
            first.process().destroyForcibly();
            assertTrue(first.process().waitFor(30, TimeUnit.SECONDS));
            for (Thread client : clients) client.join(TimeUnit.SECONDS.toMillis(70));
        }
        assertEquals(137, first.process().exitValue(), "killed by SIGKILL");
        long killedAt = System.nanoTime();

        List<Write> all = new ArrayList<>(writes);
        for (Write w : all) {
            if (!w.acked() && !w.outcome().startsWith("io:"))
                fail("a write was refused before the kill: " + w);
        }
        // each thread writes one at a time: its acknowledged positions increase with its sends
        for (int t = 0; t < 2; t++) {
            long previous = -1;
            for (Write w : all) {
                if (w.thread() != t || !w.acked()) continue;
                assertTrue(w.position() > previous, "positions follow the sends: " + w);
                previous = w.position();
            }
        }
        Set<Long> positions = new HashSet<>();
        for (Write w : all)
            if (w.acked()) assertTrue(positions.add(w.position()), "one record per position " + w);

        ApiJarIT.Served second = ApiJarIT.serve(List.of(), args, tmp.resolve("second.log"));
        try {
            Http http = second.http();
            long highest = all.stream().mapToLong(Write::position).max().orElseThrow();
            JsonObject live = http.get("/v1/info").json().getAsJsonObject("live");
            assertTrue(
                    live.get("applied_position").getAsLong() >= highest,
                    live + " holds position " + highest);

            Map<String, State> present = new TreeMap<>();
            Set<String> ids = new TreeSet<>();
            for (Write w : all) ids.add(w.id());
            for (int i = 0; i < BUNDLE_ITEMS; i++) ids.add(String.format("item-%02d", i));
            for (String id : ids) {
                List<State> candidates = candidates(id, all);
                State actual = actual(http, id, photos, candidates);
                assertTrue(
                        candidates.contains(actual),
                        id
                                + " is "
                                + actual
                                + ", not one of "
                                + candidates
                                + "; its writes: "
                                + all.stream().filter(w -> w.id().equals(id)).toList());
                if (actual != null) present.put(id, actual);
            }

            // the index holds exactly the present items, each under its current photo's vector
            for (int p = 0; p < PHOTOS; p++) {
                Http.Response r = http.postImage("/v1/search?k=100", photos.get(p));
                assertEquals(200, r.status(), r.text());
                Set<String> found = new TreeSet<>();
                List<String> order = new ArrayList<>();
                for (JsonElement e : r.json().getAsJsonArray("items")) {
                    String id = e.getAsJsonObject().get("id").getAsString();
                    found.add(id);
                    order.add(id);
                }
                assertEquals(present.keySet(), found, "search finds exactly the present items");
                int photo = p;
                Set<String> withPhoto = new TreeSet<>();
                present.forEach(
                        (id, s) -> {
                            if (s.photo() == photo) withPhoto.add(id);
                        });
                if (!withPhoto.isEmpty())
                    assertTrue(
                            withPhoto.contains(order.get(0)),
                            "photo " + p + " finds " + order.get(0) + " first, not " + withPhoto);
            }
            Http.Response filtered =
                    http.postImage("/v1/search?k=100&category=cat-1", photos.get(0));
            assertEquals(200, filtered.status(), filtered.text());
            for (JsonElement e : filtered.json().getAsJsonArray("items")) {
                String id = e.getAsJsonObject().get("id").getAsString();
                assertEquals("cat-1", present.get(id).fields().get("category"), id);
            }
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            System.out.printf(
                    "LiveCrashIT: %d writes sent, %d acknowledged, %d unknown at the kill;"
                            + " highest acknowledged position %d; %d items present after the"
                            + " restart; %d ms in all, %d ms from the kill%n",
                    all.size(),
                    all.stream().filter(Write::acked).count(),
                    all.stream().filter(w -> !w.acked()).count(),
                    highest,
                    present.size(),
                    elapsed,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
        } finally {
            second.stop();
        }
    }

    /**
     * One client: writes until the service is killed (its first failed request), recording each
     * write with its position once the service acknowledged it.
     */
    private static void stream(
            int thread,
            Http http,
            List<byte[]> photos,
            List<Write> writes,
            AtomicInteger acked,
            AtomicBoolean killed) {
        Random random = new Random(17 + thread);
        List<String> owned = new ArrayList<>();
        for (int j = 0; j < 4; j++) owned.add("t" + thread + "-" + j);
        owned.add(String.format("item-%02d", thread)); // a bundle item, changed and replaced
        List<String> shared = List.of("shared-0", "shared-1");
        // what this thread knows of its own ids: present or not (it alone writes them)
        Map<String, Boolean> exists = new HashMap<>();
        for (String id : owned) exists.put(id, id.startsWith("item-"));
        for (int seq = 0; !Thread.currentThread().isInterrupted(); seq++) {
            boolean onShared = random.nextInt(4) == 0;
            String id =
                    onShared
                            ? shared.get(random.nextInt(shared.size()))
                            : owned.get(random.nextInt(owned.size()));
            int roll = random.nextInt(10);
            String op;
            if (onShared) op = roll < 7 ? "upsert" : "delete";
            else if (!exists.get(id)) op = roll < 8 ? "upsert" : "delete";
            else op = roll < 4 ? "upsert" : roll < 8 ? "change" : "delete";
            Map<String, String> fields = new LinkedHashMap<>();
            int photo = -1;
            Http.Response response;
            String outcome = null;
            try {
                switch (op) {
                    case "upsert" -> {
                        photo = random.nextInt(photos.size());
                        fields.put("title", "t" + thread + " w" + seq + " photo " + photo);
                        fields.put("category", "cat-" + random.nextInt(3));
                        fields.put("price", (random.nextInt(10000) / 4.0) + "");
                        if (random.nextBoolean()) fields.put("label_group", "g" + seq);
                        StringBuilder query = new StringBuilder();
                        fields.forEach(
                                (k, v) ->
                                        query.append(query.length() == 0 ? '?' : '&')
                                                .append(k)
                                                .append('=')
                                                .append(
                                                        URLEncoder.encode(
                                                                v, StandardCharsets.UTF_8)));
                        response = http.putImage("/v1/items/" + id + query, photos.get(photo), KEY);
                    }
                    case "change" -> {
                        if (random.nextBoolean())
                            fields.put("price", (random.nextInt(10000) / 4.0) + "");
                        if (random.nextBoolean()) fields.put("title", "changed w" + seq);
                        if (fields.isEmpty() || random.nextBoolean())
                            fields.put("category", "cat-" + random.nextInt(3));
                        StringBuilder json = new StringBuilder("{");
                        fields.forEach(
                                (k, v) ->
                                        json.append(json.length() == 1 ? "" : ",")
                                                .append('"')
                                                .append(k)
                                                .append("\":\"")
                                                .append(v)
                                                .append('"'));
                        json.append('}');
                        response =
                                http.send(
                                        "PATCH",
                                        "/v1/items/" + id,
                                        json.toString().getBytes(StandardCharsets.UTF_8),
                                        "application/json",
                                        "X-API-Key",
                                        KEY);
                    }
                    default ->
                            response =
                                    http.send(
                                            "DELETE",
                                            "/v1/items/" + id,
                                            null,
                                            null,
                                            "X-API-Key",
                                            KEY);
                }
            } catch (RuntimeException e) {
                // the connection died with the service: this write may or may not be in the log
                response = null;
                outcome = "io: " + e;
            }
            long position = -1;
            if (response != null && response.status() != 200) {
                outcome =
                        (killed.get() ? "io: after kill " : "")
                                + response.status()
                                + " "
                                + response.text();
            } else if (response != null && !response.json().get("id").getAsString().equals(id)) {
                outcome = "wrong answer";
            } else if (response != null) {
                position = response.json().get("position").getAsLong();
                outcome = "acknowledged";
            }
            writes.add(new Write(thread, seq, id, op, fields, photo, position, outcome));
            if (position < 0) return;
            acked.incrementAndGet();
            if (exists.containsKey(id)) exists.put(id, !op.equals("delete"));
        }
    }

    /** The bundle's own state of {@code id} (see {@link TestBundle}); null when not in it. */
    private static State initial(String id) {
        if (!id.startsWith("item-")) return null;
        int i = Integer.parseInt(id.substring(5));
        Map<String, String> fields = new TreeMap<>();
        fields.put("title", "photo " + i);
        fields.put("category", "cat-" + (i % 3));
        fields.put("price", Double.toString(10.0 * (i + 1)));
        fields.put("label_group", "group-" + i);
        return new State(fields, i);
    }

    private static State apply(State state, Write w) {
        return switch (w.op()) {
            case "upsert" -> new State(normal(w.fields()), w.photo());
            case "change" -> {
                if (state == null) yield null; // refused (404) by the service, never logged
                Map<String, String> fields = new TreeMap<>(state.fields());
                fields.putAll(normal(w.fields()));
                yield new State(fields, state.photo());
            }
            default -> null;
        };
    }

    private static Map<String, String> normal(Map<String, String> fields) {
        Map<String, String> out = new TreeMap<>(fields);
        out.computeIfPresent("price", (k, v) -> Double.toString(Double.parseDouble(v)));
        return out;
    }

    /**
     * The states {@code id} may be in: its acknowledged writes applied in log order, and that with
     * each unknown write applied last (for a thread's own id, its only unknown write is its last
     * write; for a shared id, whole-item writes, an unknown one either lost to the highest
     * acknowledged one or came after it).
     */
    private static List<State> candidates(String id, List<Write> all) {
        List<Write> acked =
                all.stream()
                        .filter(w -> w.id().equals(id) && w.acked())
                        .sorted(Comparator.comparingLong(Write::position))
                        .toList();
        State state = initial(id);
        for (Write w : acked) state = apply(state, w);
        List<State> candidates = new ArrayList<>();
        candidates.add(state);
        for (Write w : all) {
            if (w.id().equals(id) && !w.acked()) candidates.add(apply(state, w));
        }
        return candidates;
    }

    /** What the restarted service holds for {@code id}, its image checked against a photo. */
    private static State actual(Http http, String id, List<byte[]> photos, List<State> candidates) {
        Http.Response r = http.get("/v1/items/" + id);
        if (r.status() == 404) {
            assertEquals(404, http.get("/v1/items/" + id + "/image").status(), id);
            return null;
        }
        assertEquals(200, r.status(), r.text());
        JsonObject item = r.json();
        Map<String, String> fields = new TreeMap<>();
        for (String name : List.of("title", "category", "label_group")) {
            if (item.has(name) && !item.get(name).isJsonNull())
                fields.put(name, item.get(name).getAsString());
        }
        if (item.has("price") && !item.get("price").isJsonNull())
            fields.put("price", Double.toString(item.get("price").getAsDouble()));
        Http.Response image = http.get("/v1/items/" + id + "/image");
        assertEquals(200, image.status(), id + ": " + image.text());
        int photo = -1;
        for (int p = 0; p < photos.size(); p++) {
            if (java.util.Arrays.equals(photos.get(p), image.body())) photo = p;
        }
        assertTrue(photo >= 0, id + "'s image is one of the photos sent");
        State actual = new State(fields, photo);
        for (State c : candidates) {
            if (c != null && Objects.equals(c, actual))
                assertArrayEquals(photos.get(c.photo()), image.body());
        }
        return actual;
    }
}
