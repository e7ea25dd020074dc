package dev.prodlens.api.http;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds a catalogue item's image file for GET /v1/items/{id}/image, only under the images root:
 * the bundle's image reference is resolved to a real path (symbolic links and ".." followed) and
 * refused unless it lies inside the root's real path, so no request can read other files.
 */
final class ItemImages {
    private final Path root;

    ItemImages(Path root) {
        this.root = root;
    }

    /** The file, or a 404 saying why there is none. */
    Path file(String reference) {
        if (reference == null || reference.isBlank()) throw ApiException.notFound("this item has no image");
        Path path;
        try {
            if (reference.startsWith("file:")) {
                path = Path.of(URI.create(reference));
            } else if (reference.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*")) {
                throw ApiException.notFound("this item's image is not on the service's file system (" + reference.replaceAll("://.*", "://…")
                        + "); serve the images from their store");
            } else {
                path = root.resolve(reference);
            }
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("this item's image reference is not a valid path");
        }
        try {
            Path real = path.toRealPath();
            if (!real.startsWith(root.toRealPath()) || !Files.isRegularFile(real)) {
                throw ApiException.notFound("this item's image is outside the images root (api.images-root) and is not served");
            }
            return real;
        } catch (IOException e) {
            throw ApiException.notFound("this item's image file is missing");
        }
    }
}
