package dev.prodlens.api;

import static dev.prodlens.api.ApiErrors.assertError;
import static dev.prodlens.api.ApiErrors.assertErrorShape;
import static dev.prodlens.api.ApiErrors.assertNotFound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The service end to end over HTTP: the real model, a real Faiss bundle, Javalin on loopback. */
class SearchApiTest {
    private static final int PHOTOS = 9;
    private static final long UPLOAD_CAP = 4L << 20;

    @TempDir static Path tmp;
    private static ApiMain.Running service;
    private static Http http;
    private static List<byte[]> photos;

    @BeforeAll
    static void start() throws Exception {
        TestBundle.publish(tmp, PHOTOS, null);
        service =
                ApiMain.start(
                        TestBundle.args(
                                        tmp,
                                        "api.max-upload-bytes=" + UPLOAD_CAP,
                                        "api.admin-key=s3cret",
                                        "api.max-k=500",
                                        "decode.max-pixels=40000000",
                                        "api.cors-origins=*")
                                .toArray(String[]::new));
        http = new Http(service.port());
        photos = new ArrayList<>();
        for (Path p : TestBundle.photos(PHOTOS)) photos.add(Files.readAllBytes(p));
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
    }

    private static List<String> ids(JsonObject result) {
        List<String> ids = new ArrayList<>();
        for (JsonElement e : result.getAsJsonArray("items"))
            ids.add(e.getAsJsonObject().get("id").getAsString());
        return ids;
    }

    @Test
    void aCataloguePhotoFindsItselfFirstWithTimingAndVersion() {
        for (int i : new int[] {0, 4, 8}) {
            Http.Response r = http.postImage("/v1/search?k=5", photos.get(i));
            assertEquals(200, r.status(), r.text());
            JsonObject body = r.json();
            List<String> ids = ids(body);
            assertEquals(5, ids.size());
            assertEquals(
                    String.format("item-%02d", i),
                    ids.get(0),
                    "the photo itself ranks first: " + ids);
            JsonObject first = body.getAsJsonArray("items").get(0).getAsJsonObject();
            assertEquals(
                    1.0, first.get("score").getAsDouble(), 1e-3, "cosine of a vector with itself");
            assertEquals("photo " + i, first.get("title").getAsString());
            assertEquals("cat-" + (i % 3), first.get("category").getAsString());
            assertEquals(10.0 * (i + 1), first.get("price").getAsDouble(), 1e-9);
            assertEquals("/v1/items/item-0" + i + "/image", first.get("image_url").getAsString());
            double previous = 2;
            for (JsonElement e : body.getAsJsonArray("items")) {
                double score = e.getAsJsonObject().get("score").getAsDouble();
                assertTrue(score <= previous + 1e-6, "best first");
                previous = score;
            }
            JsonObject timing = body.getAsJsonObject("timing_ms");
            for (String stage : List.of("decode", "queue", "model", "index", "total")) {
                assertTrue(timing.get(stage).getAsDouble() >= 0, stage);
            }
            assertTrue(timing.get("model").getAsDouble() > 0, "the model ran");
            assertTrue(
                    timing.get("total").getAsDouble()
                            >= timing.get("decode").getAsDouble()
                                    + timing.get("model").getAsDouble());
            assertEquals(
                    service.search().bundles().peek().version(), body.get("version").getAsString());
            assertTrue(body.get("batch_size").getAsInt() >= 1);
        }
    }

    @Test
    void aRawBodyWorksLikeAnUploadWhateverItsContentType() {
        Http.Response raw =
                http.postRaw("/v1/search?k=3", photos.get(2), "application/octet-stream");
        assertEquals(200, raw.status(), raw.text());
        Http.Response lying = http.postRaw("/v1/search?k=3", photos.get(2), "text/plain");
        assertEquals(
                200,
                lying.status(),
                "the format is sniffed from the bytes, not taken from Content-Type: "
                        + lying.text());
        assertEquals(ids(raw.json()), ids(lying.json()));
        assertEquals("item-02", ids(raw.json()).get(0));
    }

    @Test
    void filtersNarrowTheResults() {
        JsonObject byCategory =
                http.postImage("/v1/search?k=20&category=cat-1", photos.get(0)).json();
        List<String> ids = ids(byCategory);
        assertEquals(PHOTOS / 3, ids.size(), "every item of cat-1 and nothing else: " + ids);
        for (JsonElement e : byCategory.getAsJsonArray("items"))
            assertEquals("cat-1", e.getAsJsonObject().get("category").getAsString());

        JsonObject byPrice =
                http.postImage("/v1/search?k=20&price_min=25&price_max=55", photos.get(0)).json();
        assertEquals(
                Set.of("item-02", "item-03", "item-04"),
                new TreeSet<>(ids(byPrice)),
                "prices 30, 40, 50");

        JsonObject excluded =
                http.postImage(
                                "/v1/search?k=20&exclude=item-00,item-01&exclude=item-02",
                                photos.get(0))
                        .json();
        List<String> rest = ids(excluded);
        assertEquals(PHOTOS - 3, rest.size());
        assertFalse(
                rest.contains("item-00") || rest.contains("item-01") || rest.contains("item-02"),
                rest.toString());

        JsonObject none = http.postImage("/v1/search?category=no-such", photos.get(0)).json();
        assertEquals(0, none.getAsJsonArray("items").size());
    }

    @Test
    void moreLikeThisLeavesTheItemOut() {
        Http.Response r = http.get("/v1/items/item-03/similar?k=4");
        assertEquals(200, r.status(), r.text());
        List<String> ids = ids(r.json());
        assertEquals(4, ids.size());
        assertFalse(ids.contains("item-03"));
        // the same neighbours as searching with the item's own photo, minus the photo itself
        List<String> byPhoto = ids(http.postImage("/v1/search?k=5", photos.get(3)).json());
        assertEquals(byPhoto.subList(1, 5), ids);

        Http.Response filtered = http.get("/v1/items/item-03/similar?k=20&category=cat-0");
        assertEquals(
                Set.of("item-00", "item-06"),
                new TreeSet<>(ids(filtered.json())),
                "cat-0 without item-03 itself");
    }

    @Test
    void itemsAndTheirImages() throws Exception {
        JsonObject item = http.get("/v1/items/item-05").json();
        assertEquals("photo 5", item.get("title").getAsString());
        assertEquals("cat-2", item.get("category").getAsString());
        assertEquals(60.0, item.get("price").getAsDouble(), 1e-9);
        assertEquals("/v1/items/item-05/image", item.get("image_url").getAsString());

        Http.Response image = http.get(item.get("image_url").getAsString());
        assertEquals(200, image.status());
        assertTrue(Arrays.equals(photos.get(5), image.body()), "the catalogue's own bytes");
        assertTrue(
                image.headers().firstValue("Content-Type").orElse("").startsWith("image/"),
                image.headers().toString());

        assertTrue(
                assertNotFound(http.get("/v1/items/no-such-item"))
                        .startsWith("no item 'no-such-item' in the live catalogue; "));
        assertNotFound(http.get("/v1/items/no-such-item/similar"));
        assertNotFound(http.get("/v1/items/no-such-item/image"));
        // encoded separators are refused by Jetty before any lookup, still as a JSON error
        assertError(http.get("/v1/items/..%2F..%2F..%2Fetc%2Fpasswd/image"), 400, "bad_request");
        assertNotFound(http.get("/v1/items/%2Fetc%2Fpasswd/image")); // an id, and no item has it
        assertNotFound(http.get("/v1/items/passwd/image"));
    }

    @Test
    void anItemImageOutsideTheImagesRootIsNotServed() throws Exception {
        // a bundle whose items.jsonl points outside the root (a tampered or misconfigured bundle)
        Path outside = Files.writeString(tmp.resolve("secret.txt"), "not for clients");
        Path link = tmp.resolve("images").resolve("link-to-secret.jpg");
        Files.createSymbolicLink(link, outside);
        var images = new dev.prodlens.api.http.ItemImagesProbe(tmp.resolve("images"));
        assertEquals(404, images.statusOf(outside.toString()));
        assertEquals(404, images.statusOf(link.toString()), "a symbolic link out of the root");
        assertEquals(404, images.statusOf("../secret.txt"));
        assertEquals(404, images.statusOf("s3a://bucket/x.jpg"));
        for (String reference :
                List.of(
                        outside.toString(),
                        "../secret.txt",
                        "s3a://bucket/x.jpg",
                        "",
                        "no-such.jpg")) {
            String message = images.messageOf(reference);
            ApiErrors.assertNotFoundFormat(message);
            ApiErrors.assertMessage(message);
            assertFalse(message.contains(tmp.toString()), "no server paths: " + message);
        }
        assertEquals(
                200,
                images.statusOf(
                        tmp.resolve("images")
                                .toRealPath()
                                .resolve(
                                        Files.list(tmp.resolve("images"))
                                                .filter(
                                                        p ->
                                                                p.getFileName()
                                                                        .toString()
                                                                        .startsWith("photo-00"))
                                                .findFirst()
                                                .orElseThrow()
                                                .getFileName())
                                .toString()));
    }

    @Test
    void badRequestsGetOneLineJsonErrors() {
        assertError(
                http.postRaw(
                        "/v1/search",
                        "hello, not an image".getBytes(StandardCharsets.UTF_8),
                        "image/jpeg"),
                415,
                "unsupported_format");
        byte[] truncated = Arrays.copyOf(photos.get(3), 300);
        assertError(http.postImage("/v1/search", truncated), 422, "corrupt_image");
        assertError(
                http.postRaw("/v1/search", new byte[0], "application/octet-stream"),
                400,
                "bad_request");
        assertError(http.postImage("/v1/search?k=0", photos.get(0)), 400, "bad_request");
        assertError(http.postImage("/v1/search?k=501", photos.get(0)), 400, "bad_request");
        assertError(http.postImage("/v1/search?k=ten", photos.get(0)), 400, "bad_request");
        Http.Response emptyRange =
                http.postImage("/v1/search?price_min=9&price_max=1", photos.get(0));
        assertEquals(200, emptyRange.status(), "a range no item is in: " + emptyRange.text());
        assertEquals(0, emptyRange.json().getAsJsonArray("items").size());
        assertError(http.postImage("/v1/search?price_max=", photos.get(0)), 400, "bad_request");
        assertError(http.postImage("/v1/search?k=", photos.get(0)), 400, "bad_request");
        assertError(http.postImage("/v1/search?k=3&k=4", photos.get(0)), 400, "bad_request");
        assertError(http.postImage("/v1/search?price_min=%048", photos.get(0)), 400, "bad_request");
        Http.Form form = Http.form(java.util.Map.of("colour", "red"), photos.get(0));
        Http.Response extra = http.postRaw("/v1/search", form.body(), form.contentType());
        assertError(extra, 400, "bad_request");
        assertTrue(extra.text().contains("'colour'"), "a search has no fields: " + extra.text());
        assertError(http.postImage("/v1/search?price_min=NaN", photos.get(0)), 400, "bad_request");
        assertError(
                http.postImage("/v1/search?url=http://169.254.169.254/latest", photos.get(0)),
                400,
                "bad_request");
        assertTrue(
                assertNotFound(http.get("/no/such/endpoint"))
                        .startsWith("no endpoint 'GET /no/such/endpoint'; "));
        assertError(
                http.postImages("/v1/search", "image", List.of(photos.get(0), photos.get(1))),
                400,
                "bad_request");
    }

    @Test
    void multipartWithoutABoundaryIsABadRequest() {
        Http.Response r = http.postRaw("/v1/search", photos.get(0), "multipart/form-data");
        assertError(r, 400, "bad_request");
        assertTrue(r.json().get("message").getAsString().contains("boundary"), r.text());
        assertError(
                http.postRaw(
                        "/v1/search",
                        "--x\r\ngarbage".getBytes(StandardCharsets.UTF_8),
                        "multipart/form-data; boundary=x"),
                400,
                "bad_request");
    }

    @Test
    void errorsJettyAnswersItselfAreJsonToo() {
        Http.Response r = http.get("/healthz", "X-Padding", "x".repeat(20_000));
        assertError(r, 431, "headers_too_large");
        assertEquals(200, http.get("/healthz").status(), "and the server goes on");
    }

    @Test
    void corsStarAllowsAnyOrigin() {
        Http.Response r = http.get("/healthz", "Origin", "https://anywhere.example");
        assertEquals(200, r.status());
        assertEquals(
                "*",
                r.headers().firstValue("Access-Control-Allow-Origin").orElse(""),
                r.headers().toString());
    }

    @Test
    void oversizedUploadsAndPixelBombsAreRefused() {
        byte[] big = new byte[(int) UPLOAD_CAP + 1024];
        System.arraycopy(photos.get(0), 0, big, 0, photos.get(0).length);
        Http.Response multipart = http.postImage("/v1/search", big);
        assertEquals(413, multipart.status(), multipart.text());
        assertErrorShape(multipart);
        Http.Response raw = http.postRaw("/v1/search", big, "application/octet-stream");
        assertEquals(413, raw.status(), raw.text());
        assertErrorShape(raw);
        assertError(
                http.postRaw("/v1/search", pngHeader(20_000, 20_000), "image/png"),
                413,
                "too_many_pixels");
    }

    /** A PNG signature and IHDR claiming width × height pixels, and nothing else. */
    private static byte[] pngHeader(int width, int height) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(
                new byte[] {
                    (byte) 0x89,
                    'P',
                    'N',
                    'G',
                    '\r',
                    '\n',
                    0x1A,
                    '\n',
                    0,
                    0,
                    0,
                    13,
                    'I',
                    'H',
                    'D',
                    'R'
                });
        out.writeBytes(java.nio.ByteBuffer.allocate(8).putInt(width).putInt(height).array());
        out.writeBytes(new byte[] {8, 2, 0, 0, 0});
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        byte[] all = out.toByteArray();
        crc.update(all, 12, all.length - 12);
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }

    @Test
    void aBatchAnswersEveryImageAndKeepsGoingPastABadOne() {
        List<byte[]> images =
                List.of(photos.get(1), "junk".getBytes(StandardCharsets.UTF_8), photos.get(7));
        Http.Response r = http.postImages("/v1/search/batch?k=2", "image", images);
        assertEquals(200, r.status(), r.text());
        JsonArray results = r.json().getAsJsonArray("results");
        assertEquals(3, results.size());
        assertEquals(
                "item-01", ids(results.get(0).getAsJsonObject().getAsJsonObject("result")).get(0));
        assertEquals(
                "unsupported_format", results.get(1).getAsJsonObject().get("error").getAsString());
        assertEquals(
                Set.of("error", "message"),
                results.get(1).getAsJsonObject().keySet(),
                "as an error answer has them");
        ApiErrors.assertMessage(results.get(1).getAsJsonObject().get("message").getAsString());
        assertEquals(Set.of("result"), results.get(0).getAsJsonObject().keySet());
        assertEquals(
                "item-07", ids(results.get(2).getAsJsonObject().getAsJsonObject("result")).get(0));
    }

    @Test
    void healthMetricsAndDocs() {
        assertEquals(200, http.get("/healthz").status());
        JsonObject ready = http.get("/readyz").json();
        assertEquals("ready", ready.get("status").getAsString());
        assertEquals(PHOTOS, ready.get("items").getAsInt());

        http.postImage("/v1/search", photos.get(0));
        String metrics = http.get("/metrics").text();
        assertTrue(
                metrics.contains("prodlens_requests_total{endpoint=\"/v1/search\",status=\"200\"}"),
                metrics);
        assertTrue(
                metrics.contains("prodlens_request_seconds_bucket{endpoint=\"/v1/search\""),
                metrics);
        assertTrue(metrics.contains("prodlens_batch_size_count"), metrics);
        assertTrue(
                metrics.matches("(?s).*\\nprocess_resident_memory_bytes [1-9][0-9.E]*\\n.*"),
                "the process's RSS: " + metrics);
        assertTrue(metrics.contains("jvm_memory_used_bytes{area=\"heap\"}"), metrics);
        for (String stage : List.of("decode", "queue", "model", "index")) {
            assertTrue(
                    metrics.contains("prodlens_stage_seconds_count{stage=\"" + stage + "\"}"),
                    stage);
        }
        assertTrue(
                metrics.contains("prodlens_bundle_items " + PHOTOS)
                        || metrics.contains("prodlens_bundle_items " + PHOTOS + ".0"),
                metrics);
        assertTrue(metrics.contains("prodlens_queue_depth"), metrics);

        JsonObject openapi =
                JsonParser.parseString(http.get("/openapi.json").text()).getAsJsonObject();
        for (String path :
                List.of(
                        "/v1/search",
                        "/v1/search/batch",
                        "/v1/items/{id}",
                        "/v1/items/{id}/similar",
                        "/v1/items/{id}/image",
                        "/healthz",
                        "/readyz",
                        "/metrics")) {
            assertNotNull(openapi.getAsJsonObject("paths").get(path), path + " documented");
        }
        Http.Response docs = http.get("/docs");
        assertEquals(200, docs.status());
        assertTrue(docs.text().contains("/openapi.json"));
        String script =
                docs.text()
                        .replaceAll("(?s).*<script src=\"([^\"]+swagger-ui-bundle.js)\".*", "$1");
        assertEquals(
                200, http.get(script).status(), "Swagger UI is served from the jar: " + script);
        Http.Response page = http.get("/");
        assertEquals(200, page.status());
        assertTrue(page.text().contains("<title>prodlens"), page.text());
        JsonObject info = http.get("/v1/info").json();
        assertEquals(3, info.getAsJsonObject("categories").size());
        assertEquals(
                "",
                info.getAsJsonObject("index").get("search_parameters").getAsString(),
                "the manifest's ParameterSpace string (none for Flat)");
    }

    @Test
    void adminEndpointsNeedTheKey() {
        assertError(http.post("/admin/reload", "X-API-Key", "wrong"), 401, "unauthorized");
        Http.Response ok = http.post("/admin/reload", "X-API-Key", "s3cret");
        assertEquals(200, ok.status(), ok.text());
        assertFalse(ok.json().get("switched").getAsBoolean(), "CURRENT has not moved");
    }

    @Test
    void aDeclaredPathAnswersOtherMethods405WithAllow() {
        Http.Response trace = http.send("TRACE", "/v1/info", null, null);
        assertError(trace, 405, "method_not_allowed");
        assertEquals("GET, HEAD", trace.headers().firstValue("Allow").orElse(""));
        Http.Response get = http.get("/v1/search");
        assertError(get, 405, "method_not_allowed");
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
        Http.Response post = http.send("POST", "/v1/items/item-01/similar", new byte[0], null);
        assertError(post, 405, "method_not_allowed");
        assertNotFound(http.send("TRACE", "/v1/no-such-thing", null, null));
        // writes are off here: their operations answer how to turn them on, and are not offered
        assertTrue(
                assertNotFound(http.send("DELETE", "/v1/items/item-01", null, null))
                        .contains("live.write-key"));
        assertEquals(
                "GET, HEAD",
                http.send("POST", "/v1/items/item-01", new byte[0], null)
                        .headers()
                        .firstValue("Allow")
                        .orElse(""));
    }

    @Test
    void theServedContractIsThisServicesOwn() {
        JsonObject openapi =
                JsonParser.parseString(http.get("/openapi.json").text()).getAsJsonObject();
        JsonObject paths = openapi.getAsJsonObject("paths");
        assertNotNull(paths.get("/admin/reload"), "api.admin-key is set");
        assertEquals(null, paths.get("/v1/items/batch"), "writes are off");
        assertEquals(null, paths.getAsJsonObject("/v1/items/{id}").get("put"));
        assertEquals(
                500,
                openapi.getAsJsonObject("components")
                        .getAsJsonObject("parameters")
                        .getAsJsonObject("K")
                        .getAsJsonObject("schema")
                        .get("maximum")
                        .getAsInt(),
                "k's range is api.max-k's");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/v1/search?k=-1", "/v1/search?category=x&price_max=abc"})
    void noErrorLeaksInternals(String path) {
        Http.Response r = http.postImage(path, photos.get(0));
        assertEquals(400, r.status());
        assertErrorShape(r);
    }
}
