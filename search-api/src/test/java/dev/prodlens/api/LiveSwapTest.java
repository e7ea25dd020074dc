package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.prodlens.core.bundle.BundleManifest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hot swap to a bundle that folded the update log up to a position (as reindex publishes it): the
 * new version replays only what came after that position, so nothing the bundle holds is applied
 * twice and nothing written meanwhile is lost; then the log drops the segments the bundle holds.
 */
class LiveSwapTest {
    private static final String KEY = "k";

    @TempDir Path tmp;

    private Http.Response put(Http http, String id, byte[] image, String fields) {
        return http.putImage("/v1/items/" + id + "?" + fields, image, KEY);
    }

    private static List<String> found(Http http, byte[] photo) {
        Http.Response r = http.postImage("/v1/search?k=20", photo);
        assertEquals(200, r.status(), r.text());
        List<String> ids = new ArrayList<>();
        for (JsonElement e : r.json().getAsJsonArray("items"))
            ids.add(e.getAsJsonObject().get("id").getAsString());
        return ids;
    }

    private List<String> segments() throws Exception {
        try (Stream<Path> files = Files.list(tmp.resolve("bundles/test/updates"))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".log"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void theNewVersionReplaysOnlyWhatCameAfterItsFoldedPosition() throws Exception {
        TestBundle.publish(tmp, List.of(0, 1, 2, 3, 4, 5), null, null);
        List<byte[]> photos = new ArrayList<>();
        for (Path p : TestBundle.photos(9)) photos.add(Files.readAllBytes(p));
        try (ApiMain.Running service =
                ApiMain.start(
                        TestBundle.args(
                                        tmp,
                                        "live.write-key=" + KEY,
                                        "api.admin-key=admin",
                                        "api.reload-interval-ms=0",
                                        "live.segment-bytes=65536")
                                .toArray(String[]::new))) {
            Http http = new Http(service.port());
            // positions 0..13: item-06 written 14 times (a 5 KiB vector each: the first segment
            // fills and a second begins), then item-01 deleted at 14
            for (int i = 0; i < 14; i++) {
                assertEquals(
                        200,
                        put(
                                        http,
                                        "item-06",
                                        photos.get(6),
                                        "title=photo%206&category=cat-0&price=70")
                                .status());
            }
            Http.Response deleted =
                    http.send("DELETE", "/v1/items/item-01", null, null, "X-API-Key", KEY);
            assertEquals(14, deleted.json().get("position").getAsLong());
            assertTrue(segments().size() >= 2, "the log rolled: " + segments());

            // a reindex folded the log up to 14: item-06 in, item-01 out ...
            TestBundle.publish(
                    tmp,
                    List.of(0, 2, 3, 4, 5, 6),
                    null,
                    new BundleManifest.Live("local:" + tmp.resolve("bundles/test/updates"), 14));
            // ... and writes went on before the swap: they are not in the new bundle
            assertEquals(
                    15,
                    put(http, "item-07", photos.get(7), "title=photo%207&category=cat-1")
                            .json()
                            .get("position")
                            .getAsLong());
            assertEquals(
                    200,
                    http.send("DELETE", "/v1/items/item-03", null, null, "X-API-Key", KEY)
                            .status());

            Http.Response reload = http.post("/admin/reload", "X-API-Key", "admin");
            assertEquals(200, reload.status(), reload.text());
            assertTrue(reload.json().get("switched").getAsBoolean());

            JsonObject live = http.get("/v1/info").json().getAsJsonObject("live");
            assertEquals(14, live.get("bundle_log_position").getAsLong());
            assertEquals(16, live.get("applied_position").getAsLong());
            assertEquals(
                    1, live.get("live_adds").getAsLong(), "only item-07 was added again: " + live);
            assertEquals(1, live.get("tombstones").getAsLong(), "only item-03's entry: " + live);
            List<String> six = found(http, photos.get(6));
            assertEquals("item-06", six.get(0));
            assertEquals(1, six.stream().filter("item-06"::equals).count(), "once: " + six);
            assertEquals("item-07", found(http, photos.get(7)).get(0));
            assertEquals(404, http.get("/v1/items/item-01").status(), "deleted stays deleted");
            assertEquals(404, http.get("/v1/items/item-03").status(), "deleted after the fold too");
            assertFalse(found(http, photos.get(3)).contains("item-03"));
            assertEquals(6, http.get("/v1/info").json().get("items").getAsLong());

            // the segments whose records are all at or below 14 were dropped
            assertFalse(
                    segments().contains("00000000000000000000.log"),
                    "the first segment is compacted away: " + segments());
        }
    }
}
