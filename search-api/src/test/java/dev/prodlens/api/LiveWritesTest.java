package dev.prodlens.api;

import static dev.prodlens.api.ApiErrors.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Item writes end to end (issue 17): the real model embeds each upsert, the local update log
 * records it (fsynced), the live index serves it; search, more-like-this, item lookups and images
 * see every change at once, and a restarted service replays the log. The bundle holds photos 0 to
 * 5; photos 6 to 8 are new to it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveWritesTest {
    private static final String KEY = "w-key";
    private static final long UPLOAD_CAP = 2L << 20;

    @TempDir static Path tmp;
    private static ApiMain.Running service;
    private static Http http;
    private static List<byte[]> photos;

    @BeforeAll
    static void start() throws Exception {
        TestBundle.publish(tmp, 6, null);
        photos = new ArrayList<>();
        for (Path p : TestBundle.photos(9)) photos.add(Files.readAllBytes(p));
        service = start(tmp);
        http = new Http(service.port());
    }

    private static ApiMain.Running start(Path root) {
        return ApiMain.start(
                TestBundle.args(
                                root,
                                "live.write-key=" + KEY,
                                "live.batch.max-items=4",
                                "api.max-upload-bytes=" + UPLOAD_CAP)
                        .toArray(String[]::new));
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
    }

    private static Http.Response put(String id, byte[] image, String query) {
        return http.putImage("/v1/items/" + id + query, image, KEY);
    }

    private static Http.Response patch(String id, String json) {
        return http.send(
                "PATCH",
                "/v1/items/" + id,
                json.getBytes(StandardCharsets.UTF_8),
                "application/json",
                "X-API-Key",
                KEY);
    }

    private static Http.Response delete(String id) {
        return http.send("DELETE", "/v1/items/" + id, null, null, "X-API-Key", KEY);
    }

    private static List<String> found(byte[] photo, String query) {
        Http.Response r = http.postImage("/v1/search?k=9" + query, photo);
        assertEquals(200, r.status(), r.text());
        List<String> ids = new ArrayList<>();
        for (JsonElement e : r.json().getAsJsonArray("items"))
            ids.add(e.getAsJsonObject().get("id").getAsString());
        return ids;
    }

    private static JsonObject live() {
        return http.get("/v1/info").json().getAsJsonObject("live");
    }

    @Test
    @Order(1)
    void anUpsertOfANewItemIsDurableAndFoundByItsPhotoAtOnce() {
        Http.Response r = put("new-6", photos.get(6), "?title=Red%20kettle&category=cat-0&price=5");
        assertEquals(200, r.status(), r.text());
        JsonObject written = r.json();
        assertEquals("new-6", written.get("id").getAsString());
        assertEquals("upsert", written.get("operation").getAsString());
        assertTrue(written.get("visible").getAsBoolean(), r.text());
        long position = written.get("position").getAsLong();
        assertEquals(position, live().get("applied_position").getAsLong());

        assertEquals("new-6", found(photos.get(6), "").get(0));
        assertEquals("new-6", found(photos.get(6), "&category=cat-0").get(0));
        assertFalse(found(photos.get(6), "&category=cat-1").contains("new-6"));
        JsonObject item = http.get("/v1/items/new-6").json();
        assertEquals("Red kettle", item.get("title").getAsString());
        assertEquals(5.0, item.get("price").getAsDouble());
        Http.Response image = http.get("/v1/items/new-6/image");
        assertEquals(200, image.status());
        assertArrayEquals(photos.get(6), image.body(), "the stored image is the one sent");
        assertEquals(1, live().get("live_adds").getAsLong());
        assertEquals(7, http.get("/v1/info").json().get("items").getAsLong());
        assertEquals(1.0, http.metric("prodlens_live_adds"));
        // 1 add over 6 bundle items is under live.reindex-share (0.2)
        assertFalse(live().get("reindex_recommended").getAsBoolean());
        assertEquals(0.0, http.metric("prodlens_live_reindex_recommended"));

        // the same write again: idempotent in effect (one item, found first), a new position
        Http.Response again =
                put("new-6", photos.get(6), "?title=Red%20kettle&category=cat-0&price=5");
        assertEquals(200, again.status(), again.text());
        assertTrue(again.json().get("position").getAsLong() > position);
        assertEquals(7, http.get("/v1/info").json().get("items").getAsLong());
        assertEquals(1, found(photos.get(6), "").stream().filter("new-6"::equals).count());
        // 2 adds and 1 tombstone over 6: a reindex is recommended, and the service still serves
        assertTrue(live().get("reindex_recommended").getAsBoolean());
        assertEquals(1.0, http.metric("prodlens_live_reindex_recommended"));
    }

    @Test
    @Order(2)
    void anUpsertTakesAMultipartImageWithItsFieldsAsFormFields() {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        fields.put("title", "Blue vase");
        fields.put("category", "cat-1");
        fields.put("price", "3.25");
        Http.Form form = Http.form(fields, photos.get(8));
        Http.Response r =
                http.send(
                        "PUT",
                        "/v1/items/multi-8?title=overridden&label_group=g8",
                        form.body(),
                        form.contentType(),
                        "X-API-Key",
                        KEY);
        assertEquals(200, r.status(), r.text());
        JsonObject item = http.get("/v1/items/multi-8").json();
        assertEquals("Blue vase", item.get("title").getAsString(), "the form's title wins");
        assertEquals("g8", item.get("label_group").getAsString(), "the query's fields count too");
        assertEquals(3.25, item.get("price").getAsDouble());
        assertEquals("multi-8", found(photos.get(8), "&category=cat-1").get(0));
        assertEquals(200, delete("multi-8").status());
    }

    @Test
    @Order(3)
    void aMetadataChangeIsSeenByFiltersAtOnceWithoutReembedding() {
        long tombstones = live().get("tombstones").getAsLong();
        Http.Response r = patch("item-01", "{\"price\": 999.5, \"title\": \"renamed\"}");
        assertEquals(200, r.status(), r.text());
        assertEquals("change", r.json().get("operation").getAsString());
        JsonObject item = http.get("/v1/items/item-01").json();
        assertEquals(999.5, item.get("price").getAsDouble());
        assertEquals("renamed", item.get("title").getAsString());
        assertEquals("cat-1", item.get("category").getAsString(), "untouched fields stay");
        assertEquals(List.of("item-01"), found(photos.get(1), "&price_min=900"));
        assertFalse(found(photos.get(1), "&price_max=100").contains("item-01"));
        assertEquals(tombstones, live().get("tombstones").getAsLong(), "no vector replaced");
    }

    @Test
    @Order(4)
    void aDeleteRemovesTheItemFromSearchLookupsImagesAndMoreLikeThis() {
        assertEquals("item-02", found(photos.get(2), "").get(0));
        Http.Response r = delete("item-02");
        assertEquals(200, r.status(), r.text());
        assertTrue(r.json().get("visible").getAsBoolean());
        assertFalse(found(photos.get(2), "").contains("item-02"));
        assertFalse(found(photos.get(2), "&category=cat-2").contains("item-02"));
        assertEquals(404, http.get("/v1/items/item-02").status());
        assertEquals(404, http.get("/v1/items/item-02/image").status());
        assertEquals(404, http.get("/v1/items/item-02/similar").status());
        for (JsonElement e :
                http.get("/v1/items/item-00/similar?k=20").json().getAsJsonArray("items"))
            assertFalse(e.getAsJsonObject().get("id").getAsString().equals("item-02"));
        assertEquals(
                1,
                http.get("/v1/info").json().getAsJsonObject("categories").get("cat-2").getAsInt(),
                "cat-2 held item-02 and item-05; one is left");
    }

    @Test
    @Order(5)
    void anUpsertOfAnExistingItemReplacesItsVector() {
        long tombstones = live().get("tombstones").getAsLong();
        Http.Response r = put("item-03", photos.get(7), "?title=now%20photo%207&category=cat-0");
        assertEquals(200, r.status(), r.text());
        assertEquals("item-03", found(photos.get(7), "").get(0));
        assertFalse(found(photos.get(3), "").subList(0, 1).contains("item-03"));
        assertEquals(tombstones + 1, live().get("tombstones").getAsLong());
        JsonObject item = http.get("/v1/items/item-03").json();
        assertEquals("now photo 7", item.get("title").getAsString());
        assertFalse(
                item.has("price") && !item.get("price").isJsonNull(),
                "a replaced item keeps only what was sent");
        Http.Response similar = http.get("/v1/items/item-03/similar?k=3");
        assertEquals(200, similar.status(), "more-like-this reads the replaced vector");
        assertEquals(3, similar.json().getAsJsonArray("items").size());
    }

    @Test
    @Order(6)
    void badWritesAre4xxAndRecordNothing() {
        long before = live().get("applied_position").getAsLong();
        assertError(http.send("DELETE", "/v1/items/item-00", null, null), 401, "unauthorized");
        assertError(
                http.send("DELETE", "/v1/items/item-00", null, null, "X-API-Key", "wrong"),
                401,
                "unauthorized");
        assertError(put("x-1", photos.get(8), "?colour=red"), 400, "invalid_item");
        assertError(put("x-1", photos.get(8), "?price=cheap"), 400, "invalid_item");
        assertError(
                put("x-1", java.util.Arrays.copyOf(photos.get(8), 300), ""), 422, "corrupt_image");
        assertError(put("x-1", new byte[(int) UPLOAD_CAP + 1], ""), 413, "upload_too_large");
        assertError(patch("no-such-item", "{\"price\": 1}"), 404, "not_found");
        assertError(patch("item-00", "{\"image\": \"x.jpg\"}"), 400, "invalid_item");
        assertError(patch("item-00", "[1]"), 400, "bad_request");
        String five =
                "{\"items\": ["
                        + "{\"id\": \"a\", \"op\": \"delete\"},".repeat(4)
                        + "{\"id\": \"a\", \"op\": \"delete\"}]}";
        assertError(batch(five), 413, "too_many_items");
        assertError(
                batch("{\"items\": [{\"id\": \"a\", \"op\": \"delete\", \"extra\": 1}]}"),
                400,
                "bad_request");
        // the contract's item shapes: a delete has no fields, a change names one, a price is a
        // number as the contract writes one (Java alone would take "1d"), fields are known ones
        for (String item :
                List.of(
                        "{\"id\": \"a\", \"op\": \"delete\", \"fields\": {\"title\": \"t\"}}",
                        "{\"id\": \"item-00\", \"op\": \"change\", \"fields\": {}}",
                        "{\"id\": \"item-00\", \"op\": \"change\", \"fields\": {\"price\": \"1d\"}}",
                        "{\"id\": \"item-00\", \"op\": \"change\", \"fields\": {\"colour\": \"red\"}}")) {
            assertError(batch("{\"items\": [" + item + "]}"), 400, "bad_request");
        }
        assertError(put("x-1", photos.get(8), "?price=0x1p3"), 400, "invalid_item");
        // a JSON price with a huge exponent costs nothing to refuse (its plain text would be
        // 200 MB), and one beyond BigDecimal's range is refused too, not an internal error
        assertError(patch("item-00", "{\"price\": 1e200000000}"), 400, "invalid_item");
        assertError(patch("item-00", "{\"price\": 1e99999999999}"), 400, "invalid_item");
        assertError(patch("item-00", "{\"price\": 1e-200000000}"), 400, "invalid_item");
        // a bad query field the form overrides is refused all the same
        Http.Form form = Http.form(java.util.Map.of("price", "3"), photos.get(8));
        assertError(
                http.send(
                        "PUT",
                        "/v1/items/x-1?price=cheap",
                        form.body(),
                        form.contentType(),
                        "X-API-Key",
                        KEY),
                400,
                "invalid_item");
        assertEquals(before, live().get("applied_position").getAsLong(), "nothing was logged");
        assertEquals(404, http.get("/v1/items/x-1").status());
        // while any price a double holds is taken, however small (Schemathesis sent this one)
        Http.Response tiny = patch("item-00", "{\"price\": 1.2095091518727115e-128}");
        assertEquals(200, tiny.status(), tiny.text());
    }

    private static Http.Response batch(String json) {
        return http.send(
                "POST",
                "/v1/items/batch",
                json.getBytes(StandardCharsets.UTF_8),
                "application/json",
                "X-API-Key",
                KEY);
    }

    @Test
    @Order(7)
    void aBatchWritesTheGoodItemsAndAnswersTheBadOne() {
        String good = Base64.getEncoder().encodeToString(photos.get(8));
        String bad =
                Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(photos.get(8), 300));
        Http.Response r =
                batch(
                        "{\"items\": ["
                                + "{\"id\": \"new-8\", \"image_base64\": \""
                                + good
                                + "\", \"fields\": {\"title\": \"eight\", \"category\": \"cat-2\"}},"
                                + "{\"id\": \"bad-1\", \"image_base64\": \""
                                + bad
                                + "\"},"
                                + "{\"id\": \"item-04\", \"op\": \"change\", \"fields\": {\"price\": \"1.5\"}},"
                                + "{\"id\": \"item-05\", \"op\": \"delete\"}]}");
        assertEquals(200, r.status(), r.text());
        JsonArray results = r.json().getAsJsonArray("results");
        assertEquals(4, results.size());
        assertEquals("new-8", results.get(0).getAsJsonObject().get("id").getAsString());
        assertEquals("corrupt_image", results.get(1).getAsJsonObject().get("error").getAsString());
        long p0 = results.get(0).getAsJsonObject().get("position").getAsLong();
        assertEquals(p0 + 1, results.get(2).getAsJsonObject().get("position").getAsLong());
        assertEquals(p0 + 2, results.get(3).getAsJsonObject().get("position").getAsLong());
        assertEquals("new-8", found(photos.get(8), "").get(0));
        assertEquals(1.5, http.get("/v1/items/item-04").json().get("price").getAsDouble());
        assertEquals(404, http.get("/v1/items/item-05").status());
        assertEquals(404, http.get("/v1/items/bad-1").status());
    }

    @Test
    @Order(8)
    void aRestartedServiceReplaysEveryAcknowledgedChange() {
        List<String> before = found(photos.get(6), "");
        JsonObject item1 = http.get("/v1/items/item-01").json();
        long applied = live().get("applied_position").getAsLong();
        service.close();
        service = start(tmp);
        http = new Http(service.port());
        assertEquals(applied, live().get("applied_position").getAsLong());
        assertEquals(before, found(photos.get(6), ""));
        assertEquals(item1.get("price"), http.get("/v1/items/item-01").json().get("price"));
        assertEquals(404, http.get("/v1/items/item-02").status());
        assertEquals("item-03", found(photos.get(7), "").get(0));
        assertEquals("new-8", found(photos.get(8), "").get(0));
    }

    @Test
    @Order(9)
    void withoutAWriteKeyWritesAreOffAndTheLogIsStillServed() {
        service.close();
        service = ApiMain.start(TestBundle.args(tmp).toArray(String[]::new));
        http = new Http(service.port());
        assertError(delete("item-00"), 404, "not_found");
        assertFalse(live().get("writes").getAsBoolean());
        assertEquals("new-6", found(photos.get(6), "").get(0), "the log's changes are served");
    }
}
