package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.live.UpdateLogException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle that folded the log further than the log now reaches: the same local log after a crash
 * took records the reindex had read before they were fsynced (never acknowledged) is padded, so new
 * writes never get positions the bundle holds; another log than the reindex read is refused.
 */
class LiveStartTest {
    @TempDir Path tmp;

    private String[] args(String... more) {
        return TestBundle.args(tmp, more).toArray(String[]::new);
    }

    @Test
    void theSameLocalLogCutShortIsPaddedPastTheBundlesPosition() throws Exception {
        Path updates = tmp.resolve("bundles/test/updates");
        TestBundle.publish(
                tmp, List.of(0, 1, 2), null, new BundleManifest.Live("local:" + updates, 20));
        byte[] photo = Files.readAllBytes(TestBundle.photos(4).get(3));
        try (ApiMain.Running service = ApiMain.start(args("live.write-key=k"))) {
            Http http = new Http(service.port());
            JsonObject live = http.get("/v1/info").json().getAsJsonObject("live");
            assertEquals(20, live.get("applied_position").getAsLong(), live.toString());
            assertEquals(0, live.get("lag").getAsLong(), live.toString());
            Http.Response put = http.putImage("/v1/items/item-03?title=three", photo, "k");
            assertEquals(200, put.status(), put.text());
            assertEquals(21, put.json().get("position").getAsLong(), "after the bundle's position");
            assertTrue(put.json().get("visible").getAsBoolean());
            assertEquals("three", http.get("/v1/items/item-03").json().get("title").getAsString());
        }
        // the fillers are skipped on replay too
        try (ApiMain.Running again = ApiMain.start(args())) {
            Http http = new Http(again.port());
            assertEquals("three", http.get("/v1/items/item-03").json().get("title").getAsString());
            assertEquals(
                    21,
                    http.get("/v1/info")
                            .json()
                            .getAsJsonObject("live")
                            .get("applied_position")
                            .getAsLong());
        }
    }

    @Test
    void aBundleOfAnotherLogIsRefusedWithOneLine() {
        TestBundle.publish(
                tmp, List.of(0, 1), null, new BundleManifest.Live("kafka:elsewhere:9092/t", 5));
        UpdateLogException e = assertThrows(UpdateLogException.class, () -> ApiMain.start(args()));
        assertTrue(e.getMessage().contains("another log than the reindex read"), e.getMessage());
        assertTrue(e.getMessage().contains("kafka:elsewhere:9092/t"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
