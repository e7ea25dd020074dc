package dev.prodlens.jobs.catalogue;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What one image of a catalogue row may hold, decided from the row's text alone before anything is
 * read or embedded (a row lists one image or several, {@link ImageColumn}; each is checked here on
 * its own, with the row's fields). A problem never stops the job: it is the image's outcome,
 * recorded in the embeddings table and counted in the summary.
 *
 * <ul>
 *   <li>An <b>error</b> refuses the image: it gets no embedding and is not indexed (the item is,
 *       with its other images, when any is embedded). An image gets the first that applies: {@link
 *       Error#MISSING_ID}, {@link Error#DUPLICATE_ID} (decided across rows by {@link
 *       CatalogueRows}: the first row of an id in file order is the item), {@link
 *       Error#MISSING_IMAGE}, {@link Error#TOO_MANY_IMAGES}, {@link Error#IMAGE_OUTSIDE_ROOT}; then
 *       its own (a missing file, an undecodable image).
 *   <li>A <b>warning</b> keeps it. {@link Warning#INVALID_PRICE}: indexed without a price, because
 *       a marketplace would rather show an item whose price field is garbled than drop it from
 *       search (the price is for display and filters; an item without one only drops out of price
 *       filters). {@link Warning#NOT_UTF8}: indexed with the text as read, undecodable bytes shown
 *       as U+FFFD, since the image, not the title, is what is searched.
 * </ul>
 */
public final class RowCheck implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Error {
        /** The id is empty or blank: nothing could find the item again. */
        MISSING_ID,
        /** A later row with the id of an earlier one: the first in file order is kept. */
        DUPLICATE_ID,
        /** The image column is empty (a row listing no image at all is one such image). */
        MISSING_IMAGE,
        /** An image after the first {@code catalogue.max-images} of its row: not read. */
        TOO_MANY_IMAGES,
        /**
         * A relative image path climbs out of the images root with "..": refused without reading
         * it.
         */
        IMAGE_OUTSIDE_ROOT
    }

    public enum Warning {
        /** The price is not a plain non-negative number; the item is indexed without one. */
        INVALID_PRICE,
        /** Text with bytes that are not UTF-8; the item is indexed with the text as read. */
        NOT_UTF8
    }

    /**
     * What {@link #check} returns: where to read the image, what the bundle stores, the typed
     * price, the outcome.
     */
    public static final StructType RESULT =
            new StructType()
                    .add("path", DataTypes.StringType, true)
                    .add("image_ref", DataTypes.StringType, true)
                    .add("price", DataTypes.DoubleType, true)
                    .add("error_code", DataTypes.StringType, true)
                    .add("error", DataTypes.StringType, true)
                    .add("warning_code", DataTypes.StringType, true)
                    .add("warning", DataTypes.StringType, true);

    /**
     * A plain decimal number, as catalogues write prices: 12, 12.5, .5, 1e3; no sign, separators or
     * currency.
     */
    private static final Pattern PRICE =
            Pattern.compile("\\+?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    private static final char REPLACEMENT = '\uFFFD';
    private static final int SHOWN_CHARS = 40;

    private final CatalogueColumns columns;
    private final String root;
    private final int maxImages;

    /**
     * {@code root}: the images root ({@link ImageRefs#root}); {@code columns}: to name the source
     * columns in messages; {@code maxImages}: a row's images after these are refused.
     */
    public RowCheck(CatalogueColumns columns, String root, int maxImages) {
        this.columns = columns;
        this.root = root;
        this.maxImages = maxImages;
    }

    /** With the default {@code catalogue.max-images}. */
    public RowCheck(CatalogueColumns columns, String root) {
        this(columns, root, ImageColumn.DEFAULTS.maxImages());
    }

    /** The {@link #RESULT} of a row's first image; {@code file}: the catalogue file of the row. */
    public Row check(
            String file,
            String id,
            String image,
            String price,
            String title,
            String category,
            String labelGroup) {
        return check(file, id, image, 0, price, title, category, labelGroup);
    }

    /** The {@link #RESULT} of image {@code imageIndex} (from 0) of a row. */
    public Row check(
            String file,
            String id,
            String image,
            int imageIndex,
            String price,
            String title,
            String category,
            String labelGroup) {
        String path = ImageRefs.resolve(root, image);
        Double parsed = price(price);
        List<String> warningCodes = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        if (parsed == null && price != null && !price.isBlank()) {
            warningCodes.add(Warning.INVALID_PRICE.name());
            warnings.add(
                    "price "
                            + shown(price)
                            + " ("
                            + columns.price()
                            + ") is not a plain non-negative number; the item is "
                            + "indexed without a price: write prices as numbers such as 12.50");
        }
        List<String> garbled = new ArrayList<>();
        if (hasReplacement(id)) garbled.add(columns.id());
        if (hasReplacement(title)) garbled.add(columns.title());
        if (hasReplacement(category)) garbled.add(columns.category());
        if (hasReplacement(labelGroup)) garbled.add(columns.labelGroup());
        if (!garbled.isEmpty()) {
            warningCodes.add(Warning.NOT_UTF8.name());
            warnings.add(
                    String.join(", ", garbled)
                            + " of this row is not UTF-8 text (undecodable bytes became U+FFFD); the item is "
                            + "indexed with the text as read: save the catalogue as UTF-8");
        }
        String warningCode = warningCodes.isEmpty() ? null : String.join(",", warningCodes);
        String warning = warnings.isEmpty() ? null : String.join("; ", warnings);

        Error error = null;
        String message = null;
        if (id == null || id.isBlank()) {
            error = Error.MISSING_ID;
            message =
                    "a row of "
                            + file
                            + " has no item id ("
                            + columns.id()
                            + " is empty; its image: "
                            + shown(image)
                            + "): give every row a unique id";
        } else if (image == null || image.isBlank()) {
            error = Error.MISSING_IMAGE;
            message =
                    "item "
                            + shown(id)
                            + " has no image ("
                            + columns.image()
                            + " is empty): give every row an image path";
        } else if (imageIndex >= maxImages) {
            error = Error.TOO_MANY_IMAGES;
            message =
                    "item "
                            + shown(id)
                            + "'s image "
                            + shown(image)
                            + " is its image number "
                            + (imageIndex + 1)
                            + ", over catalogue.max-images = "
                            + maxImages
                            + "; it was not read: raise catalogue.max-images or list fewer images";
        } else if (path == null) {
            error = Error.IMAGE_OUTSIDE_ROOT;
            message =
                    "item "
                            + shown(id)
                            + "'s image "
                            + shown(image)
                            + " climbs out of the images root with '..'; it was not read:"
                            + " give a path under catalogue.images-root, or an absolute path";
        }
        return RowFactory.create(
                error == null ? path : null,
                error == null ? ImageRefs.bundleRef(root, path) : null,
                parsed,
                error == null ? null : error.name(),
                message,
                warningCode,
                warning);
    }

    /** The message of a later row with an id already used: names the row that is kept. */
    public static String duplicate(String id, String keptImage, String keptFile, String image) {
        return "item id "
                + shown(id)
                + " is on an earlier row too, which is kept (image "
                + shown(keptImage)
                + " in "
                + keptFile
                + "); this row (image "
                + shown(image)
                + ") is skipped: make ids unique";
    }

    /** The price as a number, or null when it is empty or not a plain non-negative number. */
    static Double price(String text) {
        if (text == null || !PRICE.matcher(text.strip()).matches()) return null;
        double value = Double.parseDouble(text.strip());
        return Double.isFinite(value) ? value : null;
    }

    private static boolean hasReplacement(String text) {
        return text != null && text.indexOf(REPLACEMENT) >= 0;
    }

    /** Catalogue text quoted in a message: one line, at most {@value #SHOWN_CHARS} characters. */
    static String shown(String text) {
        if (text == null) return "(none)";
        String line = text.replaceAll("\\p{Cntrl}", " ").strip();
        return "'"
                + (line.length() > SHOWN_CHARS ? line.substring(0, SHOWN_CHARS) + "…" : line)
                + "'";
    }
}
