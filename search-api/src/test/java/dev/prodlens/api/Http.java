package dev.prodlens.api;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A small HTTP client for the API tests: JSON answers, multipart uploads. */
public final class Http {
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public Http(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** A response: status, headers, body. */
    public record Response(int status, java.net.http.HttpHeaders headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public JsonObject json() {
            return JsonParser.parseString(text()).getAsJsonObject();
        }
    }

    public Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    public Response get(String path, String header, String value) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header(header, value).GET());
    }

    public Response postRaw(String path, byte[] body, String contentType) {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    public Response post(String path, String header, String value) {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header(header, value)
                        .POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** multipart/form-data with one file part per image, all named {@code field}. */
    public Response postImages(String path, String field, List<byte[]> images) {
        String boundary = "prodlens-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; i < images.size(); i++) {
            body.writeBytes(
                    ("--"
                                    + boundary
                                    + "\r\nContent-Disposition: form-data; name=\""
                                    + field
                                    + "\"; filename=\"image-"
                                    + i
                                    + ".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
                            .getBytes(StandardCharsets.UTF_8));
            body.writeBytes(images.get(i));
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return postRaw(path, body.toByteArray(), "multipart/form-data; boundary=" + boundary);
    }

    /** A multipart/form-data body and its Content-Type. */
    public record Form(byte[] body, String contentType) {}

    /** Text parts {@code fields} (in order), then {@code image} as the part {@code image}. */
    public static Form form(Map<String, String> fields, byte[] image) {
        String boundary = "prodlens-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        fields.forEach(
                (name, value) ->
                        body.writeBytes(
                                ("--"
                                                + boundary
                                                + "\r\nContent-Disposition: form-data; name=\""
                                                + name
                                                + "\"\r\n\r\n"
                                                + value
                                                + "\r\n")
                                        .getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(
                ("--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(image);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return new Form(body.toByteArray(), "multipart/form-data; boundary=" + boundary);
    }

    /**
     * Any method with a body (null: none) of {@code contentType}, and headers as name, value, ...
     */
    public Response send(
            String method, String path, byte[] body, String contentType, String... headers) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path))
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) request.header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) request.header(headers[i], headers[i + 1]);
        return send(request);
    }

    /** An item write: {@code PUT path} with the image as the raw body and the write key. */
    public Response putImage(String path, byte[] image, String writeKey) {
        return send("PUT", path, image, "image/jpeg", "X-API-Key", writeKey);
    }

    public Response postImage(String path, byte[] image) {
        return postImages(path, "image", List.of(image));
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> r =
                    client.send(
                            request.timeout(Duration.ofSeconds(60)).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), r.headers(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One series' value from /metrics (a regex for its name and labels), 0 when absent. */
    public double metric(String series) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(?m)^" + series + " (\\S+)$")
                        .matcher(get("/metrics").text());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
