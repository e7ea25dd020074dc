package dev.prodlens.jobs.catalogue;

import dev.prodlens.core.bundle.ImageReference;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.hadoop.fs.Path;

/**
 * A catalogue row's image is a path relative to the images root, an absolute path or a URI ({@code
 * scheme:/…}). A relative one is resolved under the root and may not climb out of it with {@code
 * ..}: such a row is refused and its file never read. A bundle stores each image relative to the
 * root when it lies under it, so the bundle moves with its images: the API resolves the reference
 * against its own images root ({@code api.images-root}). Images elsewhere keep the absolute path or
 * URI the catalogue gave.
 */
public final class ImageRefs {
    private ImageRefs() {}

    /**
     * The root relative images resolve against: {@code catalogue.images-root}, else the catalogue's
     * directory.
     */
    public static String root(String imagesRoot, String cataloguePath) {
        String root =
                imagesRoot != null && !imagesRoot.isBlank()
                        ? imagesRoot
                        : new Path(cataloguePath).getParent().toString();
        return root.length() > 1 && root.endsWith("/")
                ? root.substring(0, root.length() - 1)
                : root;
    }

    /**
     * Where to read {@code ref}: itself when absolute, else under {@code root}; null when it is
     * empty or climbs out of the root.
     */
    public static String resolve(String root, String ref) {
        if (ref == null || ref.isBlank()) return null;
        if (ImageReference.isAbsolute(ref)) return ref;
        String relative = normalised(ref);
        if (relative == null) return null;
        return root.endsWith("/") ? root + relative : root + "/" + relative;
    }

    /**
     * What a bundle stores for an image read from {@code path}: the part under {@code root} when
     * the path lies under it (a relative path without {@code ..}), else {@code path} as it is.
     */
    public static String bundleRef(String root, String path) {
        String prefix = root.endsWith("/") ? root : root + "/";
        if (!path.startsWith(prefix)) return path;
        String relative = path.substring(prefix.length());
        return relative.equals(normalised(relative)) ? relative : path;
    }

    /**
     * {@code relative} without {@code .} or empty segments ({@code a/./b//c} → {@code a/b/c}); null
     * when a {@code ..} would climb above where it starts, or nothing is left.
     */
    static String normalised(String relative) {
        Deque<String> segments = new ArrayDeque<>();
        for (String segment : relative.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".")) continue;
            if (segment.equals("..")) {
                if (segments.isEmpty()) return null;
                segments.removeLast();
            } else {
                segments.addLast(segment);
            }
        }
        return segments.isEmpty() ? null : String.join("/", segments);
    }
}
