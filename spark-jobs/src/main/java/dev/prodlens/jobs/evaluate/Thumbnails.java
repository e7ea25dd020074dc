package dev.prodlens.jobs.evaluate;

import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.core.image.ImageDecodeException;
import dev.prodlens.core.image.ImageDecoder;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;
import javax.imageio.ImageIO;

/**
 * Makes the report's small JPEG thumbnails, once per item. Images are decoded by the project's one
 * decoder ({@link ImageDecoder}, with its limits against hostile files) and scaled to fit a {@value
 * #SIDE}-pixel square. An image that cannot be read or decoded gets no file but a note saying why:
 * the report shows a placeholder, it never fails for a thumbnail.
 */
public final class Thumbnails {
    /** Longest side of a thumbnail, in pixels. */
    static final int SIDE = 96;

    static final String DIRECTORY = "thumbs";
    private static final String FORMAT = "jpg";

    /**
     * A thumbnail file relative to the report directory, or null with a note saying why there is
     * none.
     */
    public record Thumbnail(String relativePath, String note) {
        boolean exists() {
            return relativePath != null;
        }
    }

    // the decoder may decode at a reduced scale down to the thumbnail's size: much faster for big
    // photos
    private final ImageDecoder decoder =
            new ImageDecoder(DecodeLimits.DEFAULTS.withTargetMinSide(SIDE));
    private final ImageSource images;
    private final IntFunction<String> imageRefs;
    private final Path directory;
    private final Map<Integer, Thumbnail> made = new HashMap<>();

    /** {@code reportDirectory}: thumbnails go to its {@value #DIRECTORY}/ sub-directory. */
    Thumbnails(ImageSource images, EvalData data, Path reportDirectory) throws IOException {
        this(images, data::imageRef, reportDirectory);
    }

    /**
     * {@code imageRefs}: an item's image path or URI by ordinal; thumbnails go to {@code
     * directory}'s {@value #DIRECTORY}/ sub-directory.
     */
    public Thumbnails(ImageSource images, IntFunction<String> imageRefs, Path directory)
            throws IOException {
        this.images = images;
        this.imageRefs = imageRefs;
        this.directory = Files.createDirectories(directory.resolve(DIRECTORY));
    }

    /** The thumbnail of an item, made on first request. */
    public Thumbnail of(int ordinal) {
        return made.computeIfAbsent(ordinal, this::make);
    }

    /**
     * An item's thumbnail as a report cell of CSS class {@code kind} with its caption (already
     * HTML), or a placeholder saying why there is none.
     */
    public String cell(String kind, int ordinal, String caption) {
        Thumbnail thumbnail = of(ordinal);
        StringBuilder html = new StringBuilder("<div class=\"cell ").append(kind).append("\">");
        if (thumbnail.exists()) {
            html.append("<img class=\"thumb\" alt=\"\" src=\"")
                    .append(Html.escape(thumbnail.relativePath()))
                    .append("\">");
        } else {
            html.append("<div class=\"placeholder\" title=\"")
                    .append(Html.escape(thumbnail.note()))
                    .append("\">no image</div>");
        }
        html.append("<div>").append(caption).append("</div>");
        if (!thumbnail.exists())
            html.append("<div class=\"note\">")
                    .append(Html.escape(thumbnail.note()))
                    .append("</div>");
        return html.append("</div>").toString();
    }

    private Thumbnail make(int ordinal) {
        String ref = imageRefs.apply(ordinal);
        try {
            byte[] bytes = images.read(ordinal, ref);
            if (bytes == null) {
                return new Thumbnail(null, "no image for this item");
            }
            BufferedImage small = fit(decoder.decode(bytes), SIDE);
            String name = ordinal + "." + FORMAT;
            if (!ImageIO.write(small, FORMAT, directory.resolve(name).toFile())) {
                return new Thumbnail(null, "no " + FORMAT + " writer available");
            }
            return new Thumbnail(DIRECTORY + "/" + name, null);
        } catch (IOException e) {
            return new Thumbnail(
                    null,
                    "cannot read image "
                            + (ref == null ? "(no path)" : ref)
                            + ": "
                            + e.getMessage());
        } catch (ImageDecodeException e) {
            return new Thumbnail(null, e.getMessage());
        } catch (RuntimeException e) {
            // an ImageSource implementation's own failure (bad URI, storage client error): still
            // only a placeholder
            return new Thumbnail(null, "cannot make a thumbnail: " + e);
        }
    }

    /**
     * The image scaled to fit a side x side square, halving first so that the final step stays
     * smooth.
     */
    static BufferedImage fit(BufferedImage image, int side) {
        double scale = Math.min(1.0, (double) side / Math.max(image.getWidth(), image.getHeight()));
        int width = Math.max(1, (int) Math.round(image.getWidth() * scale));
        int height = Math.max(1, (int) Math.round(image.getHeight() * scale));
        BufferedImage current = image;
        while (current.getWidth() / 2 >= width && current.getHeight() / 2 >= height) {
            current = resize(current, current.getWidth() / 2, current.getHeight() / 2);
        }
        return current.getWidth() == width && current.getHeight() == height
                ? current
                : resize(current, width, height);
    }

    private static BufferedImage resize(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(
                    RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
