package dev.prodlens.api.http;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The image bytes of a search request: multipart field {@code image} (repeated for a batch), a raw
 * body, or, only when enabled, a {@code url} on an allow-listed host. The bytes are never trusted
 * by their Content-Type: the decoder sniffs the format from the content. Sizes are capped while
 * reading, so an oversized upload costs at most the cap in memory.
 */
final class RequestImages {
    static final String FIELD = "image";
    private static final Duration FETCH_TIMEOUT = Duration.ofSeconds(5);

    private final long maxBytes;
    private final int maxImages;
    private final List<String> urlHosts;
    private final HttpClient http;

    RequestImages(long maxBytes, int maxImages, List<String> urlHosts) {
        this.maxBytes = maxBytes;
        this.maxImages = maxImages;
        this.urlHosts = urlHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        // no redirects: a redirect could lead from an allowed host to an internal one (SSRF)
        this.http = urlHosts.isEmpty() ? null
                : HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(FETCH_TIMEOUT).build();
    }

    /** The one image of a search request. */
    byte[] one(Context ctx) {
        List<byte[]> images = all(ctx);
        if (images.size() != 1) {
            throw ApiException.badRequest("send exactly one image: multipart field '" + FIELD + "', or the image as the raw body"
                    + " (got " + images.size() + "); use /v1/search/batch for several");
        }
        return images.get(0);
    }

    /** All images of a request (at most api.batch.max-images). */
    List<byte[]> all(Context ctx) {
        String url = ctx.queryParam("url");
        if (url != null) return List.of(fetch(url));
        List<byte[]> images = new ArrayList<>();
        if (ctx.isMultipartFormData()) {
            List<UploadedFile> files = uploads(ctx);
            if (files.size() > maxImages) {
                throw new ApiException(413, "too_many_images", files.size() + " images in one request; at most " + maxImages
                        + " (api.batch.max-images)");
            }
            long total = 0;
            for (UploadedFile file : files) {
                total += file.size();
                if (total > maxBytes) throw tooLarge();
                try (InputStream in = file.content()) {
                    images.add(read(in));
                } catch (IOException e) {
                    throw ApiException.badRequest("cannot read the uploaded image (" + e.getMessage() + "); send it again");
                }
            }
        } else if (ctx.contentLength() != 0) {
            try (InputStream in = ctx.bodyInputStream()) {
                byte[] body = read(in);
                if (body.length > 0) images.add(body);
            } catch (IOException e) {
                throw ApiException.badRequest("cannot read the request body (" + e.getMessage() + "); send it again");
            }
        }
        if (images.isEmpty()) {
            throw ApiException.badRequest("no image: send it as multipart field '" + FIELD + "' or as the raw request body");
        }
        return images;
    }

    /** The multipart files named {@value #FIELD}; Jetty enforces the size caps while it parses. */
    private List<UploadedFile> uploads(Context ctx) {
        try {
            return ctx.uploadedFiles(FIELD);
        } catch (IllegalStateException e) {
            String reason = String.valueOf(e.getMessage());
            if (reason.contains("exceeds")) throw tooLarge();
            throw ApiException.badRequest("malformed multipart/form-data body; send the image as field '" + FIELD + "'");
        }
    }

    private byte[] read(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) throw tooLarge();
        return bytes;
    }

    private ApiException tooLarge() {
        return new ApiException(413, "upload_too_large", "the upload is larger than " + maxBytes
                + " bytes (api.max-upload-bytes); send a smaller image");
    }

    /** Fetches an image by URL, only from an allow-listed host over http(s), without redirects. */
    private byte[] fetch(String url) {
        if (http == null) {
            throw ApiException.badRequest("searching by URL is off; upload the image instead (an operator can allow hosts with "
                    + "api.url-fetch.allow-hosts)");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'" + url + "' is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || !urlHosts.contains(host) || uri.getUserInfo() != null) {
            throw new ApiException(422, "url_not_allowed", "the service does not fetch from '" + url + "': only http(s) URLs on "
                    + String.join(", ", urlHosts) + " are allowed");
        }
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).timeout(FETCH_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw new ApiException(422, "url_fetch_failed", url + " answered HTTP " + response.statusCode() + "; check the URL");
                }
                return read(in);
            }
        } catch (IOException e) {
            throw new ApiException(422, "url_fetch_failed", "cannot fetch " + url + " (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "stopping", "the service is stopping; retry");
        }
    }
}
