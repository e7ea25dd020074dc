package dev.prodlens.api.search;

import static dev.prodlens.api.ApiErrors.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.api.ApiMain;
import dev.prodlens.api.Http;
import dev.prodlens.api.TestBundle;
import dev.prodlens.api.batch.DynamicBatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load is shed before decoding: with every place of the model queue taken, a search is refused 503
 * at once. The queue is filled by holding its places (what searches being decoded hold), so the
 * test needs no timing; a corrupt image proves the order, as decoding it would answer 422.
 */
class AdmissionTest {
    private static final int CAPACITY = 2;

    @TempDir static Path tmp;
    private static ApiMain.Running service;
    private static Http http;
    private static byte[] photo;
    private static byte[] corrupt;

    @BeforeAll
    static void start() throws Exception {
        TestBundle.publish(tmp, 3, null);
        service =
                ApiMain.start(
                        TestBundle.args(
                                        tmp,
                                        "api.batching.queue-capacity=" + CAPACITY,
                                        "api.batch.max-images=" + CAPACITY)
                                .toArray(String[]::new));
        http = new Http(service.port());
        photo = Files.readAllBytes(TestBundle.photos(1).get(0));
        corrupt = Arrays.copyOf(photo, 300);
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
    }

    @Test
    void aFullQueueRefusesBeforeDecoding() {
        var held = service.search().admit(CAPACITY);
        double decodes = metric("prodlens_stage_seconds_count\\{stage=\"decode\"}");
        double shed = metric("prodlens_shed_total\\{reason=\"queue_full\"}");
        try {
            Http.Response single = http.postImage("/v1/search", corrupt);
            assertError(single, 503, "overloaded");
            assertEquals("1", single.headers().firstValue("Retry-After").orElse(""));
            assertTrue(
                    single.json()
                            .get("message")
                            .getAsString()
                            .contains("api.batching.queue-capacity"),
                    single.text());
            assertError(
                    http.postImages("/v1/search/batch", "image", List.of(photo, corrupt)),
                    503,
                    "overloaded");
            assertEquals(
                    decodes,
                    metric("prodlens_stage_seconds_count\\{stage=\"decode\"}"),
                    "nothing was decoded");
            assertEquals(
                    shed + 2,
                    metric("prodlens_shed_total\\{reason=\"queue_full\"}"),
                    "both counted as shed");
        } finally {
            held.forEach(DynamicBatcher.Ticket::close);
        }
        assertError(
                http.postImage("/v1/search", corrupt),
                422,
                "corrupt_image"); // decoded now, and its place given back
        Http.Response batch = http.postImages("/v1/search/batch", "image", List.of(photo, photo));
        assertEquals(200, batch.status(), "both places are free: " + batch.text());
    }

    @Test
    void aBatchGetsAPlaceForEveryImageOrNone() {
        Http.Response batch;
        try (var held = service.search().admit(1).get(0)) {
            batch = http.postImages("/v1/search/batch", "image", List.of(photo, photo));
            assertError(batch, 503, "overloaded");
            assertEquals(
                    200,
                    http.postImage("/v1/search", photo).status(),
                    "the place the refused batch took is free again");
        }
        batch = http.postImages("/v1/search/batch", "image", List.of(photo, photo));
        assertEquals(200, batch.status(), batch.text());
    }

    private static double metric(String series) {
        return http.metric(series);
    }
}
