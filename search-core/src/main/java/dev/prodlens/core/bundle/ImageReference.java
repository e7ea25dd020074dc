package dev.prodlens.core.bundle;

import java.util.regex.Pattern;

/**
 * How catalogues give images and bundles store them: a path relative to an images root, an absolute
 * path, or a URI ({@code scheme:/…}: file:, hdfs://, s3a://, http://). One reading of them for the
 * jobs, which read the images, and the service, which serves them.
 */
public final class ImageReference {
    private static final Pattern URI = Pattern.compile("[a-zA-Z][a-zA-Z0-9+.-]*:/");

    private ImageReference() {}

    /** A URI ({@code scheme:/…}). */
    public static boolean isUri(String reference) {
        return URI.matcher(reference).lookingAt();
    }

    /**
     * An absolute path or a URI: used as it is wherever it is read, never resolved against a root.
     */
    public static boolean isAbsolute(String reference) {
        return reference.startsWith("/") || isUri(reference);
    }
}
