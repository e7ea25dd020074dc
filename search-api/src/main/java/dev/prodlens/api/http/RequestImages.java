package dev.prodlens.api.http;

import dev.prodlens.api.ApiSettings;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The image bytes of a search request: multipart field {@code image} (repeated for a batch), a raw
 * body, or, only when enabled, a {@code url} on an allow-listed host ({@link UrlFetcher}). The
 * bytes are never trusted by their Content-Type: the decoder sniffs the format from the content.
 * Sizes are capped while reading, so an oversized upload costs at most the cap in memory.
 */
final class RequestImages {
    static final String FIELD = "image";
    private static final Pattern BOUNDARY =
            Pattern.compile(";\\s*boundary=\\S", Pattern.CASE_INSENSITIVE);

    private final long maxBytes;
    private final int maxImages;
    private final UrlFetcher urls;

    RequestImages(long maxBytes, int maxImages, ApiSettings.UrlFetch urlFetch) {
        this.maxBytes = maxBytes;
        this.maxImages = maxImages;
        this.urls = new UrlFetcher(urlFetch, maxBytes);
    }

    /** The one image of an item write. */
    byte[] one(Context ctx) {
        return exactlyOne(all(ctx));
    }

    /** The one image of a search, nothing else in its body ({@link #search}). */
    byte[] searchOne(Context ctx) {
        return exactlyOne(search(ctx));
    }

    private static byte[] exactlyOne(List<byte[]> images) {
        if (images.size() != 1) {
            throw ApiException.badRequest(
                    "send exactly one image: multipart field '"
                            + FIELD
                            + "', or the image as the raw body"
                            + " (got "
                            + images.size()
                            + "); use /v1/search/batch for several");
        }
        return images.get(0);
    }

    /** An image from an allow-listed URL ({@link UrlFetcher}). */
    byte[] fetch(String url) {
        return urls.fetch(url);
    }

    /** All images of a request (at most api.batch.max-images). */
    List<byte[]> all(Context ctx) {
        String url = ctx.queryParam("url");
        if (url != null) return List.of(urls.fetch(url));
        List<byte[]> images = new ArrayList<>();
        if (ctx.isMultipartFormData()) {
            List<UploadedFile> files = uploads(ctx);
            if (files.size() > maxImages) {
                throw new ApiException(
                        413,
                        "too_many_images",
                        files.size()
                                + " images in one request; at most "
                                + maxImages
                                + " (api.batch.max-images)");
            }
            long total = 0;
            for (UploadedFile file : files) {
                total += file.size();
                if (total > maxBytes) throw tooLarge(maxBytes);
                try (InputStream in = file.content()) {
                    images.add(read(in));
                } catch (IOException e) {
                    throw ApiException.badRequest("cannot read the uploaded image; send it again");
                }
            }
        } else if (ctx.contentLength() != 0) {
            try (InputStream in = ctx.bodyInputStream()) {
                byte[] body = read(in);
                if (body.length > 0) images.add(body);
            } catch (IOException e) {
                throw ApiException.badRequest("the request body ended early; send it again");
            }
        }
        if (images.isEmpty()) {
            throw ApiException.badRequest(
                    "no image: send it as multipart field '"
                            + FIELD
                            + "' or as the raw request body");
        }
        return images;
    }

    /**
     * A search's images: as {@link #all}, and a multipart body holds nothing but {@value #FIELD}
     * parts (a search has no fields; an unknown part is a mistake to say, not to ignore).
     */
    List<byte[]> search(Context ctx) {
        // all() first: it parses a multipart body with its errors answered (malformed, too large)
        List<byte[]> images = all(ctx);
        if (ctx.isMultipartFormData()) {
            Set<String> parts = new TreeSet<>(ctx.formParamMap().keySet());
            parts.addAll(ctx.uploadedFileMap().keySet());
            parts.remove(FIELD);
            if (!parts.isEmpty()) {
                throw ApiException.badRequest(
                        "unknown multipart field '"
                                + parts.iterator().next()
                                + "'; a search takes only '"
                                + FIELD
                                + "' parts");
            }
        }
        return images;
    }

    /** The multipart files named {@value #FIELD}; Jetty enforces the size caps while it parses. */
    private List<UploadedFile> uploads(Context ctx) {
        String type = String.valueOf(ctx.contentType());
        if (!BOUNDARY.matcher(type).find()) {
            throw ApiException.badRequest(
                    "multipart/form-data without a boundary parameter; let the HTTP client build the"
                            + " multipart body (curl -F image=@photo.jpg) or send the image as the raw body");
        }
        try {
            return ctx.uploadedFiles(FIELD);
        } catch (Exception e) { // Jetty's parser throws checked exceptions too, undeclared through
            // Javalin's Kotlin
            if (e instanceof IllegalStateException
                    && String.valueOf(e.getMessage()).contains("exceeds")) throw tooLarge(maxBytes);
            throw ApiException.badRequest(
                    "malformed multipart/form-data body; send the image as field '" + FIELD + "'");
        }
    }

    private byte[] read(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        if (bytes.length > maxBytes) throw tooLarge(maxBytes);
        return bytes;
    }

    static ApiException tooLarge(long maxBytes) {
        return new ApiException(
                413,
                "upload_too_large",
                "the image is larger than "
                        + maxBytes
                        + " bytes (api.max-upload-bytes); send a smaller image");
    }
}
