package dev.prodlens.jobs.catalogue;

import static dev.prodlens.core.config.ConfigKeys.CATALOGUE_IMAGE_SEPARATOR;
import static dev.prodlens.core.config.ConfigKeys.CATALOGUE_MAX_IMAGES;

import dev.prodlens.core.config.Config;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How the catalogue's image column lists an item's images (issue 21): a list (a JSON array, a
 * Parquet {@code array<string>}) as it is, or text split at {@code catalogue.image-separator}. An
 * item keeps its first {@code catalogue.max-images} images, in catalogue order; {@link RowCheck}
 * refuses the rest as {@link RowCheck.Error#TOO_MANY_IMAGES}.
 *
 * @param separator what separates images in a text column; empty: the text is one image
 * @param maxImages the most images of an item that are read
 */
public record ImageColumn(String separator, int maxImages) implements Serializable {
    /** The configuration's defaults. */
    public static final ImageColumn DEFAULTS = from(Config.of(Map.of()));

    public static ImageColumn from(Config config) {
        return new ImageColumn(
                config.get(CATALOGUE_IMAGE_SEPARATOR), config.get(CATALOGUE_MAX_IMAGES));
    }

    /**
     * The images a text column lists: split at the separator, each entry stripped, empty entries
     * dropped (so {@code "a.jpg | b.jpg|"} is two images); null for null text.
     */
    public List<String> split(String text) {
        if (text == null) return null;
        List<String> images = new ArrayList<>();
        String[] entries =
                separator.isEmpty()
                        ? new String[] {text}
                        : text.split(Pattern.quote(separator), -1);
        for (String entry : entries) {
            String image = entry.strip();
            if (!image.isEmpty()) images.add(image);
        }
        return images;
    }
}
