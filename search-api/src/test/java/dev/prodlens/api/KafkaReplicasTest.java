package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.prodlens.core.live.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * API replicas on one Kafka topic (issue 17, {@code live.log=kafka}): a real in-process KRaft
 * broker ({@link KafkaBroker}) and services started with {@link ApiMain#start} on the same
 * published bundle. Writes through replica A reach replica B, and a write through B reaches A; once
 * both report the same applied position they answer every query identically (ids and scores), and a
 * replica started late replays the topic to the same state. The bundle holds photos 0 to 3; photos
 * 4 to 7 are new to it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaReplicasTest {
    private static final String KEY = "replica-key";
    private static final String TOPIC = "prodlens-replicas-test";

    @TempDir static Path tmp;
    private static KafkaBroker broker;
    private static final List<ApiMain.Running> services = new ArrayList<>();
    private static Http a;
    private static Http b;
    private static List<byte[]> photos;

    @BeforeAll
    static void start() throws Exception {
        TestBundle.publish(tmp, 4, null);
        photos = new ArrayList<>();
        for (Path p : TestBundle.photos(8)) photos.add(Files.readAllBytes(p));
        broker = KafkaBroker.start();
        a = new Http(replica().port());
        b = new Http(replica().port());
    }

    /** One more replica on the topic, with the write key. */
    private static ApiMain.Running replica() {
        ApiMain.Running running =
                ApiMain.start(
                        TestBundle.args(
                                        tmp,
                                        "live.log=kafka",
                                        "live.kafka.servers=" + broker.bootstrapServers(),
                                        "live.kafka.topic=" + TOPIC,
                                        "live.write-key=" + KEY)
                                .toArray(String[]::new));
        services.add(running);
        return running;
    }

    @AfterAll
    static void stop() {
        for (ApiMain.Running s : services) s.close();
        if (broker != null) broker.close();
    }

    private static long put(Http http, String id, int photo, String query) {
        return written(http.putImage("/v1/items/" + id + query, photos.get(photo), KEY));
    }

    private static long patch(Http http, String id, String json) {
        return written(
                http.send(
                        "PATCH",
                        "/v1/items/" + id,
                        json.getBytes(StandardCharsets.UTF_8),
                        "application/json",
                        "X-API-Key",
                        KEY));
    }

    private static long delete(Http http, String id) {
        return written(http.send("DELETE", "/v1/items/" + id, null, null, "X-API-Key", KEY));
    }

    private static long written(Http.Response r) {
        assertEquals(200, r.status(), r.text());
        return r.json().get("position").getAsLong();
    }

    private static JsonObject live(Http http) {
        return http.get("/v1/info").json().getAsJsonObject("live");
    }

    /** Waits until {@code http}'s replica has applied {@code position}. */
    private static void awaitApplied(Http http, long position) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (live(http).get("applied_position").getAsLong() < position) {
            assertTrue(
                    System.nanoTime() < deadline,
                    "position " + position + " not applied in 30 s: " + live(http));
            Thread.sleep(50);
        }
    }

    /** What a replica answers to every query of the test, as text (ids, scores, fields). */
    private static List<String> answers(Http http) {
        List<String> answers = new ArrayList<>();
        List<String> filters =
                List.of("", "&category=cat-0", "&category=cat-1", "&price_min=25", "&price_max=25");
        for (int p = 0; p < photos.size(); p++) {
            for (String filter : filters) {
                Http.Response r = http.postImage("/v1/search?k=20" + filter, photos.get(p));
                assertEquals(200, r.status(), r.text());
                answers.add("photo " + p + filter + ": " + hits(r));
            }
        }
        for (String id :
                List.of(
                        "item-00", "item-01", "item-02", "item-03", "new-4", "new-5", "new-6",
                        "from-b")) {
            Http.Response r = http.get("/v1/items/" + id);
            answers.add(id + ": " + r.status() + " " + r.text());
            Http.Response similar = http.get("/v1/items/" + id + "/similar?k=10");
            answers.add(
                    id
                            + " similar: "
                            + similar.status()
                            + " "
                            + (similar.status() == 200 ? hits(similar) : similar.text()));
        }
        JsonObject live = live(http);
        for (String counter : List.of("applied_position", "live_adds", "tombstones"))
            answers.add(counter + ": " + live.get(counter));
        answers.add("items: " + http.get("/v1/info").json().get("items"));
        return answers;
    }

    /** The hits of an answer (ids, scores, fields, in order), without its timings. */
    private static String hits(Http.Response r) {
        return r.json().getAsJsonArray("items").toString();
    }

    /** The score of {@code id} among the top 20 for {@code photo}, -1 when it is not there. */
    private static double score(Http http, int photo, String id) {
        Http.Response r = http.postImage("/v1/search?k=20", photos.get(photo));
        assertEquals(200, r.status(), r.text());
        for (JsonElement e : r.json().getAsJsonArray("items")) {
            JsonObject hit = e.getAsJsonObject();
            if (hit.get("id").getAsString().equals(id)) return hit.get("score").getAsDouble();
        }
        return -1;
    }

    private static List<String> topIds(Http http, int photo) {
        Http.Response r = http.postImage("/v1/search?k=20", photos.get(photo));
        assertEquals(200, r.status(), r.text());
        List<String> ids = new ArrayList<>();
        for (JsonElement e : r.json().getAsJsonArray("items"))
            ids.add(e.getAsJsonObject().get("id").getAsString());
        return ids;
    }

    @Test
    @Order(1)
    void writesThroughOneReplicaGiveBothReplicasTheSameAnswers() throws Exception {
        assertTrue(live(a).get("log").getAsString().contains("kafka"), live(a).toString());
        put(a, "new-4", 4, "?title=four&category=cat-0&price=4");
        put(a, "new-5", 5, "?title=five&category=cat-1&price=50");
        put(a, "new-6", 6, "?title=six&category=cat-1&price=60&label_group=g6");
        put(a, "item-01", 7, "?title=one%20now%20seven&category=cat-0&price=70"); // a replace
        patch(a, "item-02", "{\"price\": 1.25, \"title\": \"cheap two\"}");
        patch(a, "new-5", "{\"category\": \"cat-2\"}");
        delete(a, "item-03");
        long last = delete(a, "new-6");

        awaitApplied(a, last);
        awaitApplied(b, last);
        assertEquals(
                live(a).get("applied_position").getAsLong(),
                live(b).get("applied_position").getAsLong());

        List<String> fromA = answers(a);
        assertEquals(fromA, answers(b), "replica B answers as A does");
        // and what they answer is the changes
        assertEquals("new-4", topIds(b, 4).get(0));
        assertEquals("item-01", topIds(b, 7).get(0), "item-01 now has photo 7's vector");
        // item-01 no longer holds photo 1's vector: photo 1 finds no exact match in it (it may
        // still rank first, by photo 7's likeness to photo 1)
        assertTrue(score(b, 1, "item-01") < 0.99, "item-01 still matches photo 1 exactly");
        assertFalse(topIds(b, 3).contains("item-03"));
        assertFalse(topIds(b, 6).contains("new-6"));
        assertEquals(404, b.get("/v1/items/item-03").status());
        assertEquals(1.25, b.get("/v1/items/item-02").json().get("price").getAsDouble());
        assertEquals("cat-2", b.get("/v1/items/new-5").json().get("category").getAsString());
        assertEquals(200, b.get("/v1/items/new-4/image").status(), "B serves A's stored image");
    }

    @Test
    @Order(2)
    void aWriteThroughReplicaBIsSeenByA() throws Exception {
        long position = put(b, "from-b", 6, "?title=from%20b&category=cat-2&price=3");
        awaitApplied(a, position);
        assertEquals("from-b", topIds(a, 6).get(0));
        assertEquals("from b", a.get("/v1/items/from-b").json().get("title").getAsString());
        long change = patch(a, "from-b", "{\"price\": 33}"); // A changes B's new item
        awaitApplied(b, change);
        assertEquals(33.0, b.get("/v1/items/from-b").json().get("price").getAsDouble());
        assertEquals(answers(a), answers(b));
    }

    @Test
    @Order(3)
    void aReplicaStartedLateCatchesUpAndAnswersIdentically() throws Exception {
        long last = live(a).get("applied_position").getAsLong();
        assertTrue(last >= 9, "the topic holds the writes above: " + live(a));
        Http c = new Http(replica().port());
        awaitApplied(c, last);
        assertEquals(answers(a), answers(c), "the late replica answers as A does");
        assertEquals(answers(b), answers(c));
    }
}
