package dev.prodlens.api.http;

import dev.prodlens.core.bundle.ImageReference;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a catalogue item's image file for GET /v1/items/{id}/image, only under the images root: the
 * bundle's image reference is resolved to a real path (symbolic links and ".." followed) and
 * refused unless it lies inside the root's real path, so no request can read other files.
 */
final class ItemImages {
    private static final String FIX_CATALOGUE =
            "the catalogue or api.images-root needs fixing by an operator";

    private final Path root;

    /**
     * The root's real path, resolved once it exists (not per request: it is on every image's path).
     */
    private volatile Path realRoot;

    ItemImages(Path root) {
        this.root = root;
    }

    private Path realRoot() throws IOException {
        Path real = realRoot;
        if (real == null) realRoot = real = root.toRealPath();
        return real;
    }

    /**
     * The file of item {@code itemId}'s image {@code reference}, or a 404 saying why there is none.
     */
    Path file(String itemId, String reference) {
        if (reference == null || reference.isBlank()) {
            throw missing(itemId, "(the catalogue names none)", "show the item without one");
        }
        Path path;
        try {
            if (reference.startsWith("file:")) {
                path = Path.of(URI.create(reference));
            } else if (ImageReference.isUri(
                    reference)) { // s3a://, hdfs://, http://: not on this machine
                throw missing(
                        itemId,
                        "on this service (it is at "
                                + reference.substring(0, reference.indexOf(':'))
                                + ":…)",
                        "serve the images from their store");
            } else {
                path = root.resolve(reference);
            }
        } catch (IllegalArgumentException e) {
            throw missing(itemId, "(its reference is not a valid path)", FIX_CATALOGUE);
        }
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(realRoot()) || !Files.isRegularFile(real)) {
                throw missing(itemId, "inside the images root (api.images-root)", FIX_CATALOGUE);
            }
            return real;
        } catch (IOException e) {
            throw missing(itemId, "(its file is missing)", FIX_CATALOGUE);
        }
    }

    private static ApiException missing(String itemId, String why, String todo) {
        return ApiException.notFound("image for item", itemId, why, todo);
    }
}
