package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.bundle.BundleFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle that carries a learned projection (issue 18): its index holds projected vectors, and the
 * service projects every query and every live upsert through the same {@code Projection} the bundle
 * was written with. Parity: a catalogue photo sent as a query lands on its own stored vector, score
 * 1 (the same bytes, the same model, the same projection on both sides).
 */
class ProjectedBundleTest {
    private static final int OUT = 6;

    @TempDir Path tmp;

    @Test
    void queriesAndUpsertsAreProjectedAsTheBundleWas() throws Exception {
        Path bundle = TestBundle.publish(tmp, List.of(0, 1, 2, 3, 4, 5, 6, 7), null, null, OUT);
        assertTrue(Files.isRegularFile(bundle.resolve(BundleFiles.PROJECTION)));
        List<Path> photos = TestBundle.photos(9);
        try (ApiMain.Running service =
                ApiMain.start(TestBundle.args(tmp, "live.write-key=k").toArray(String[]::new))) {
            Http http = new Http(service.port());
            JsonObject adapt = http.get("/v1/info").json().getAsJsonObject("adapt");
            assertEquals("pca-whitening", adapt.get("method").getAsString());
            assertEquals(OUT, adapt.get("dim").getAsInt());
            for (int i = 0; i < 8; i++) {
                JsonArray items =
                        http.postImage("/v1/search?k=3", Files.readAllBytes(photos.get(i)))
                                .json()
                                .getAsJsonArray("items");
                JsonObject first = items.get(0).getAsJsonObject();
                assertEquals(String.format("item-%02d", i), first.get("id").getAsString());
                assertEquals(1.0, first.get("score").getAsDouble(), 1e-4, "parity for photo " + i);
            }
            // a live upsert goes into the index's (projected) space too
            Http.Response put =
                    http.send(
                            "PUT",
                            "/v1/items/new-8?title=eight",
                            Files.readAllBytes(photos.get(8)),
                            "image/jpeg",
                            "X-API-Key",
                            "k");
            assertEquals(200, put.status(), put.text());
            JsonObject first =
                    http.postImage("/v1/search?k=3", Files.readAllBytes(photos.get(8)))
                            .json()
                            .getAsJsonArray("items")
                            .get(0)
                            .getAsJsonObject();
            assertEquals("new-8", first.get("id").getAsString());
            assertEquals(1.0, first.get("score").getAsDouble(), 1e-4);
            assertEquals(200, http.get("/v1/items/new-8/similar?k=3").status());
        }
    }

    @Test
    void aBundleWhoseProjectionIsMissingOrDamagedIsRefusedInOneLine() throws Exception {
        Path bundle = TestBundle.publish(tmp, List.of(0, 1, 2), null, null, 2);
        Path file = bundle.resolve(BundleFiles.PROJECTION);
        byte[] good = Files.readAllBytes(file);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 1;
        bundle.toFile().setWritable(true);
        file.toFile().setWritable(true);
        Files.write(file, bad);
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> ApiMain.start(TestBundle.args(tmp).toArray(String[]::new)));
        assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
