package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Products with several photos over HTTP (issue 21): k distinct items each at its matched photo,
 * raw image hits on request, filters per item, more-like-this by all of an item's photos, every
 * photo served.
 */
class ProductsApiTest {
    /**
     * Offline photos per product: item-00 has photos 0, 1, 2; item-03 3, 4; item-05 5; item-06 6 to
     * 9; item-10 10; item-11 11. Categories cat-(first photo % 3): item-00, item-03, item-06 are
     * cat-0; prices 10 × (first photo + 1).
     */
    private static final List<List<Integer>> PRODUCTS =
            List.of(
                    List.of(0, 1, 2),
                    List.of(3, 4),
                    List.of(5),
                    List.of(6, 7, 8, 9),
                    List.of(10),
                    List.of(11));

    private static final String KEY = "products-key";

    @TempDir static Path tmp;
    private static ApiMain.Running service;
    private static Http http;
    private static List<byte[]> photos;

    @BeforeAll
    static void start() throws Exception {
        TestBundle.publishProducts(tmp, PRODUCTS);
        service =
                ApiMain.start(TestBundle.args(tmp, "live.write-key=" + KEY).toArray(String[]::new));
        http = new Http(service.port());
        photos = new ArrayList<>();
        for (Path p : TestBundle.photos(12)) photos.add(Files.readAllBytes(p));
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
    }

    private static List<JsonObject> hits(Http.Response r) {
        assertEquals(200, r.status(), r.text());
        List<JsonObject> hits = new ArrayList<>();
        for (JsonElement e : r.json().getAsJsonArray("items")) hits.add(e.getAsJsonObject());
        return hits;
    }

    private static List<String> ids(List<JsonObject> hits) {
        return hits.stream().map(h -> h.get("id").getAsString()).toList();
    }

    @Test
    void aPhotoFindsItsProductOnceAtThePhotoThatMatched() {
        List<JsonObject> hits = hits(http.postImage("/v1/search?k=10", photos.get(4)));
        assertEquals(6, hits.size(), "k=10 over 6 products: each once");
        assertEquals(6, new HashSet<>(ids(hits)).size(), "distinct items: " + ids(hits));
        JsonObject first = hits.get(0);
        assertEquals("item-03", first.get("id").getAsString());
        assertEquals(1, first.get("matched_image").getAsInt(), "its second photo matched");
        assertEquals(2, first.get("images").getAsInt());
        assertEquals(1.0, first.get("score").getAsDouble(), 1e-3);
        assertEquals("/v1/items/item-03/image", first.get("image_url").getAsString());
        assertEquals(
                "/v1/items/item-03/image?index=1", first.get("matched_image_url").getAsString());
        for (int r = 1; r < hits.size(); r++)
            assertTrue(
                    hits.get(r).get("score").getAsDouble()
                            <= hits.get(r - 1).get("score").getAsDouble(),
                    "best first");
    }

    @Test
    void groupedByImageAnItemComesBackOncePerMatchingPhoto() {
        List<JsonObject> hits =
                hits(http.postImage("/v1/search?k=12&group_by=image", photos.get(7)));
        assertEquals(12, hits.size(), "every photo of every product");
        Set<String> photosSeen = new HashSet<>();
        Map<String, Integer> perItem = new HashMap<>();
        for (JsonObject h : hits) {
            String id = h.get("id").getAsString();
            assertTrue(photosSeen.add(id + "#" + h.get("matched_image").getAsInt()));
            perItem.merge(id, 1, Integer::sum);
        }
        assertEquals(
                Map.of(
                        "item-00", 3, "item-03", 2, "item-05", 1, "item-06", 4, "item-10", 1,
                        "item-11", 1),
                perItem);
        assertEquals("item-06", hits.get(0).get("id").getAsString());
        assertEquals(1, hits.get(0).get("matched_image").getAsInt(), "photo 7 is its second");

        // grouped by item (the default), the same search gives each product once
        assertEquals(3, hits(http.postImage("/v1/search?k=3", photos.get(7))).size());
        assertEquals(
                3,
                new HashSet<>(ids(hits(http.postImage("/v1/search?k=3", photos.get(7))))).size());
    }

    @Test
    void filtersApplyToTheProductWhicheverPhotoMatches() {
        for (int photo : List.of(1, 8, 11)) {
            List<JsonObject> cat0 =
                    hits(http.postImage("/v1/search?k=10&category=cat-0", photos.get(photo)));
            assertEquals(Set.of("item-00", "item-03", "item-06"), Set.copyOf(ids(cat0)));
            assertEquals(3, cat0.size(), "each once");
            List<JsonObject> priced =
                    hits(
                            http.postImage(
                                    "/v1/search?k=10&price_min=30&price_max=80",
                                    photos.get(photo)));
            assertEquals(Set.of("item-03", "item-05", "item-06"), Set.copyOf(ids(priced)));
            assertEquals(3, priced.size());
            List<JsonObject> excluded =
                    hits(
                            http.postImage(
                                    "/v1/search?k=10&exclude=item-06&group_by=image",
                                    photos.get(photo)));
            assertEquals(8, excluded.size(), "12 photos less item-06's 4");
            assertFalse(ids(excluded).contains("item-06"));
        }
    }

    @Test
    void moreLikeThisSearchesByAllTheItemsPhotos() {
        List<JsonObject> similar = hits(http.get("/v1/items/item-06/similar?k=10"));
        assertEquals(5, similar.size(), "every other product, once");
        assertFalse(ids(similar).contains("item-06"));
        // each product at the best score any of item-06's four photos gives it
        Map<String, Double> best = new HashMap<>();
        for (int photo = 6; photo <= 9; photo++) {
            for (JsonObject h :
                    hits(http.postImage("/v1/search?k=10&exclude=item-06", photos.get(photo))))
                best.merge(h.get("id").getAsString(), h.get("score").getAsDouble(), Math::max);
        }
        for (JsonObject h : similar)
            assertEquals(
                    best.get(h.get("id").getAsString()),
                    h.get("score").getAsDouble(),
                    1e-3,
                    h.get("id").getAsString());
    }

    @Test
    void everyPhotoOfAnItemIsServedAndListed() throws Exception {
        JsonObject item = http.get("/v1/items/item-00").json();
        assertEquals(3, item.get("images").getAsInt());
        JsonArray urls = item.getAsJsonArray("image_urls");
        assertEquals(3, urls.size());
        for (int i = 0; i < 3; i++) {
            Http.Response image = http.get(urls.get(i).getAsString());
            assertEquals(200, image.status(), urls.get(i).getAsString());
            assertArrayEquals(photos.get(i), image.body(), "photo " + i);
        }
        Http.Response beyond = http.get("/v1/items/item-00/image?index=3");
        assertEquals(404, beyond.status());
        assertTrue(beyond.text().contains("it has 3"), beyond.text());
        assertEquals(400, http.get("/v1/items/item-00/image?index=-1").status());
        Http.Response badGrouping = http.postImage("/v1/search?group_by=brand", photos.get(0));
        assertEquals(400, badGrouping.status());
        assertTrue(badGrouping.text().contains("group_by"), badGrouping.text());
    }

    @Test
    void aChangeOfFieldsKeepsTheItemsPhotosAndAnUpsertIsFoundByItsPhoto() throws Exception {
        Http.Response changed =
                http.send(
                        "PATCH",
                        "/v1/items/item-00",
                        "{\"title\": \"renamed\"}"
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "application/json",
                        "X-API-Key",
                        KEY);
        assertEquals(200, changed.status(), changed.text());
        JsonObject item = http.get("/v1/items/item-00").json();
        assertEquals("renamed", item.get("title").getAsString());
        assertEquals(3, item.get("images").getAsInt(), "a metadata change keeps the photos");
        assertEquals(200, http.get("/v1/items/item-00/image?index=2").status());
        List<JsonObject> found = hits(http.postImage("/v1/search?k=1", photos.get(2)));
        assertEquals("item-00", found.get(0).get("id").getAsString());
        assertEquals(2, found.get(0).get("matched_image").getAsInt());
        assertEquals(3, found.get(0).get("images").getAsInt());

        // an upsert's item has its one photo (item-11 replaced by another photo: the other tests
        // count the same products and photos whichever order they run in)
        byte[] photo = Files.readAllBytes(TestBundle.photos(13).get(12));
        assertEquals(200, http.putImage("/v1/items/item-11", photo, KEY).status());
        JsonObject added = hits(http.postImage("/v1/search?k=1", photo)).get(0);
        assertEquals("item-11", added.get("id").getAsString());
        assertEquals(0, added.get("matched_image").getAsInt());
        assertEquals(1, added.get("images").getAsInt());
    }
}
