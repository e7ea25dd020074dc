package dev.prodlens.api;

import static dev.prodlens.api.ApiErrors.assertError;
import static dev.prodlens.api.ApiErrors.assertNotFound;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search by URL against a real HTTP server on loopback: the whole download has one deadline, so a
 * host that trickles its body is cut off, the search is answered, and the connection is closed.
 * (This service also runs without an admin key: admin endpoints are off.)
 */
class UrlSearchTest {
    private static final long DEADLINE_MS = 1_500;
    private static final long UPLOAD_CAP = 4L << 20;

    @TempDir static Path tmp;
    private static ApiMain.Running service;
    private static Http http;
    private static HttpServer images;
    private static ExecutorService imageThreads;
    private static byte[] photo;

    /** Counted down when the trickling download's connection is closed under it. */
    private static final CountDownLatch abandoned = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        TestBundle.publish(tmp, 3, null);
        photo = Files.readAllBytes(TestBundle.photos(3).get(2));
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        imageThreads = Executors.newCachedThreadPool();
        images.setExecutor(imageThreads);
        images.createContext("/photo.jpg", exchange -> send(exchange, 200, photo));
        images.createContext(
                "/huge.jpg", exchange -> send(exchange, 200, new byte[(int) UPLOAD_CAP + 1]));
        images.createContext("/trickle.jpg", UrlSearchTest::trickle);
        images.start();
        service =
                ApiMain.start(
                        TestBundle.args(
                                        tmp,
                                        "api.url-fetch.allow-hosts=127.0.0.1",
                                        "api.url-fetch.timeout-ms=" + DEADLINE_MS,
                                        "api.max-upload-bytes=" + UPLOAD_CAP)
                                .toArray(String[]::new));
        http = new Http(service.port());
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
        if (images != null) images.stop(0);
        if (imageThreads != null) imageThreads.shutdownNow();
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /**
     * One byte a second of a 1,000-byte body: every read gets data, so only a deadline on the whole
     * download ends it.
     */
    private static void trickle(HttpExchange exchange) throws IOException {
        exchange.sendResponseHeaders(200, 1_000);
        try (OutputStream out = exchange.getResponseBody()) {
            for (int i = 0; i < 1_000; i++) {
                out.write(photo[i]);
                out.flush();
                Thread.sleep(1_000); // the trickle itself, not a wait in the test
            }
        } catch (IOException e) {
            abandoned.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String url(String path) {
        return "/v1/search?k=3&url=http://127.0.0.1:" + images.getAddress().getPort() + path;
    }

    @Test
    void anImageOnAnAllowedHostIsSearched() {
        Http.Response r = http.post(url("/photo.jpg"), "Accept", "application/json");
        assertEquals(200, r.status(), r.text());
        assertEquals(
                "item-02",
                r.json().getAsJsonArray("items").get(0).getAsJsonObject().get("id").getAsString());
    }

    @Test
    void aHostThatTricklesItsBodyIsCutOffAtTheDeadline() throws Exception {
        Http.Response r = http.post(url("/trickle.jpg"), "Accept", "application/json");
        assertError(r, 422, "url_fetch_failed");
        assertTrue(
                r.json()
                        .get("message")
                        .getAsString()
                        .contains(
                                "did not send the image within "
                                        + DEADLINE_MS
                                        + " ms (api.url-fetch.timeout-ms)"),
                r.text());
        assertTrue(
                abandoned.await(30, TimeUnit.SECONDS),
                "the download's connection was closed, not left trickling");
        assertEquals(
                200,
                http.post(url("/photo.jpg"), "Accept", "application/json").status(),
                "and the service searches on");
    }

    @Test
    void failedDownloadsSayWhatHappenedInOneLine() throws IOException {
        Http.Response missing = http.post(url("/missing.jpg"), "Accept", "application/json");
        assertError(missing, 422, "url_fetch_failed");
        assertTrue(
                missing.json().get("message").getAsString().contains("answered HTTP 404"),
                missing.text());

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Http.Response refused =
                http.post(
                        "/v1/search?url=http://127.0.0.1:" + closedPort + "/x.jpg",
                        "Accept",
                        "application/json");
        assertError(refused, 422, "url_fetch_failed");
        assertTrue(
                refused.json().get("message").getAsString().startsWith("cannot connect to"),
                refused.text());

        assertError(
                http.post(url("/huge.jpg"), "Accept", "application/json"), 413, "upload_too_large");
        assertError(
                http.post("/v1/search?url=http://localhost/x.jpg", "Accept", "application/json"),
                422,
                "url_not_allowed");
    }

    @Test
    void adminEndpointsOffAreNotFoundInTheOneFormat() {
        String message = assertNotFound(http.post("/admin/reload", "X-API-Key", "anything"));
        assertTrue(
                message.startsWith("no endpoint 'POST /admin/reload' (admin endpoints are off); "),
                message);
    }
}
