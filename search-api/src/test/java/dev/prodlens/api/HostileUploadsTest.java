package dev.prodlens.api;

import static dev.prodlens.api.ApiErrors.assertError;
import static dev.prodlens.api.ApiErrors.assertErrorShape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.prodlens.testkit.HostileImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15's hostile corpus through the service: every file gets an answer the decoder's limits
 * decided (not an exhausted heap, not a stack trace), concurrent bombs never hold more decode
 * memory than the configured budget (its gauge on /metrics), and the service answers ordinary
 * searches afterwards. The memory assertions read what the server reports, not wall time.
 */
class HostileUploadsTest {
    private static final int SIDE = 7000;

    @TempDir static Path tmp;
    private static ApiMain.Running service;
    private static Http http;
    private static byte[] photo;

    @BeforeAll
    static void start() throws Exception {
        TestBundle.publish(tmp, 3, null);
        service = ApiMain.start(TestBundle.args(tmp).toArray(String[]::new));
        http = new Http(service.port());
        photo = Files.readAllBytes(TestBundle.photos(1).get(0));
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
    }

    /** Finding 3: scans hidden behind a zero-length marker: one line, 422, before any decoding. */
    @Test
    void hiddenScansAreCorrupt() {
        Http.Response r = http.postImage("/v1/search", HostileImages.hiddenScansJpeg(1000));
        assertError(r, 422, "corrupt_image");
        assertTrue(r.json().get("message").getAsString().contains("segment length of 0"), r.text());
        assertError(
                http.postImage("/v1/search", HostileImages.stuffedZeroScansJpeg(1000)),
                422,
                "corrupt_image");
    }

    /** Finding 4: the legal 99-scan 7000x7000 JPEG would hold 294 MB: 413 from its header. */
    @Test
    void aHeavyProgressiveJpegIsOverBudget() {
        Http.Response r =
                http.postImage("/v1/search", HostileImages.heavyProgressiveJpeg(SIDE, 99));
        assertError(r, 413, "decode_over_budget");
        assertTrue(
                r.json().get("message").getAsString().contains("decode.max-memory-bytes"),
                r.text());
    }

    /**
     * Findings 1 and 2: 7000x7000 WebPs, lossy and lossless: searched, libwebp decoding them at
     * reduced scale.
     */
    @Test
    void webpBombsAreSearchedAtReducedScale() {
        for (byte[] webp :
                List.of(HostileImages.lossyWebp(SIDE), HostileImages.losslessWebp(SIDE))) {
            Http.Response r = http.postImage("/v1/search?k=1", webp);
            assertEquals(200, r.status(), r.text());
        }
        assertEquals(
                0,
                http.metric("prodlens_decode_memory_in_use_bytes"),
                "every decode gave its memory back");
    }

    /**
     * A batch of 16 bombs: one answer per image, and the service is still there for the next
     * search.
     */
    @Test
    void aBatchOfBombsIsAnsweredPerImage() {
        byte[] webp = HostileImages.losslessWebp(SIDE);
        Http.Response r =
                http.postImages("/v1/search/batch", "image", Collections.nCopies(16, webp));
        assertEquals(200, r.status(), r.text());
        JsonArray results = r.json().getAsJsonArray("results");
        assertEquals(16, results.size());
        for (var entry : results) {
            JsonObject e = entry.getAsJsonObject();
            assertTrue(e.has("result") && !e.get("result").isJsonNull(), e.toString());
        }
        assertEquals(200, http.postImage("/v1/search?k=1", photo).status());
    }

    /**
     * A batch's images are decoded one after another on the request's thread, so they share the
     * request's deadline: eight 5000x5000 70-scan JPEGs (0.4 s each on 2 AVX2 cores) cannot hold
     * the thread past api.request-timeout-ms (1 s here), the later ones are stopped.
     */
    @Test
    void aBatchsDecodesShareTheRequestsDeadline() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("short"));
        TestBundle.publish(root, 3, null);
        try (ApiMain.Running quick =
                ApiMain.start(
                        TestBundle.args(
                                        root,
                                        "api.request-timeout-ms=1000",
                                        "api.batch.max-images=8")
                                .toArray(String[]::new))) {
            byte[] heavy = HostileImages.heavyProgressiveJpeg(5000, 70);
            Http.Response r =
                    new Http(quick.port())
                            .postImages("/v1/search/batch", "image", Collections.nCopies(8, heavy));
            assertEquals(200, r.status(), r.text());
            List<String> errors = new ArrayList<>();
            for (var entry : r.json().getAsJsonArray("results")) {
                JsonObject e = entry.getAsJsonObject();
                if (e.has("error") && !e.get("error").isJsonNull()) {
                    errors.add(e.get("error").getAsString());
                    assertTrue(
                            e.get("message")
                                    .getAsString()
                                    .contains("longer than 1000 ms (api.request-timeout-ms)"),
                            e.toString());
                }
            }
            assertTrue(
                    errors.contains("decode_timeout"),
                    "some decodes stopped at the request's deadline: " + r.text());
            assertEquals(Set.of("decode_timeout"), Set.copyOf(errors), r.text());
        }
    }

    /**
     * Many heavy uploads at once: the decodes in flight never hold more than the budget (sampled
     * from /metrics while they run), each is answered (searched, or refused 413/503 with a JSON
     * body), and afterwards nothing is held and ordinary searches work.
     */
    @Test
    void concurrentBombsStayWithinTheBudget() throws Exception {
        double budget = http.metric("prodlens_decode_memory_budget_bytes");
        assertEquals(512L << 20, (long) budget);
        List<byte[]> bombs =
                List.of(
                        HostileImages.heavyProgressiveJpeg(5000, 70),
                        HostileImages.pngBomb(SIDE),
                        HostileImages.lossyWebp(SIDE),
                        HostileImages.heavyProgressiveJpeg(SIDE, 99));
        ExecutorService clients = Executors.newFixedThreadPool(24);
        List<Future<Http.Response>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 24; i++) {
                byte[] bomb = bombs.get(i % bombs.size());
                answers.add(
                        clients.submit(
                                () -> new Http(service.port()).postImage("/v1/search?k=1", bomb)));
            }
            double peak = 0;
            while (answers.stream().anyMatch(f -> !f.isDone())) {
                peak = Math.max(peak, http.metric("prodlens_decode_memory_in_use_bytes"));
            }
            assertTrue(peak <= budget, "decodes held " + peak + " of a " + budget + " budget");
            assertTrue(peak > 0, "the sampling saw decodes at work");
            for (Future<Http.Response> answer : answers) {
                Http.Response r = answer.get();
                assertTrue(Set.of(200, 413, 503).contains(r.status()), r.text());
                if (r.status() != 200) assertErrorShape(r);
            }
        } finally {
            clients.shutdownNow();
            assertTrue(clients.awaitTermination(1, TimeUnit.MINUTES));
        }
        assertEquals(0, http.metric("prodlens_decode_memory_in_use_bytes"));
        assertEquals(200, http.get("/healthz").status());
        assertEquals(200, http.postImage("/v1/search?k=1", photo).status());
    }
}
