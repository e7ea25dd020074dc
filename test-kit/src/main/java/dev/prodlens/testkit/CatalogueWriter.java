package dev.prodlens.testkit;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a generated catalogue the jobs read with their default columns: a CSV with the Shopee
 * product-matching header plus category and price, and each row's image under {@code images/}
 * beside it (referenced by a relative path). Rows are numbered in the order they are added, so a
 * generator that adds the same rows in the same order writes the same files.
 */
public final class CatalogueWriter implements Closeable {
    public static final String HEADER = "posting_id,image,title,label_group,category,price";

    /** Joins an item's photos in the image column. */
    public static final String IMAGE_SEPARATOR = "|";

    private final Path images;
    private final BufferedWriter csv;
    private int rows;

    /** Creates {@code csv} (replacing it) and the {@code images/} directory beside it. */
    public CatalogueWriter(Path csv) throws IOException {
        this.images = Files.createDirectories(csv.toAbsolutePath().getParent().resolve("images"));
        this.csv = Files.newBufferedWriter(csv, StandardCharsets.UTF_8);
        this.csv.write(HEADER + "\n");
    }

    /** Adds one row; {@code encoded} is a PNG or JPEG file's bytes. */
    public void add(String title, String labelGroup, String category, double price, byte[] encoded)
            throws IOException {
        add(title, labelGroup, category, price, List.of(encoded));
    }

    /**
     * Adds one row of an item with several photos, its main one first: each is written as its own
     * file and the image column joins their paths with {@value #IMAGE_SEPARATOR} (the default
     * {@code catalogue.image-separator}).
     */
    public void add(
            String title, String labelGroup, String category, double price, List<byte[]> photos)
            throws IOException {
        if (photos.isEmpty()) throw new IllegalArgumentException("an item needs a photo");
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            byte[] encoded = photos.get(i);
            String name =
                    i == 0
                            ? String.format(Locale.ROOT, "%06d.%s", rows, ext(encoded))
                            : String.format(Locale.ROOT, "%06d-%d.%s", rows, i, ext(encoded));
            Files.write(images.resolve(name), encoded);
            paths.add("images/" + name);
        }
        csv.write(
                String.join(
                        ",",
                        String.format(Locale.ROOT, "item-%06d", rows),
                        String.join(IMAGE_SEPARATOR, paths),
                        field(title),
                        field(labelGroup),
                        field(category),
                        String.format(Locale.ROOT, "%.2f", price)));
        csv.write('\n');
        rows++;
    }

    public int rows() {
        return rows;
    }

    @Override
    public void close() throws IOException {
        csv.close();
    }

    private static String ext(byte[] encoded) {
        return isPng(encoded) ? "png" : "jpg";
    }

    private static boolean isPng(byte[] encoded) {
        return encoded.length > 3 && encoded[1] == 'P' && encoded[2] == 'N' && encoded[3] == 'G';
    }

    /**
     * A CSV field, quoted when it holds a comma, quote or line break (RFC 4180, as the catalogue
     * reader expects).
     */
    private static String field(String value) {
        if (value.chars().noneMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r'))
            return value;
        return '"' + value.replace("\"", "\"\"") + '"';
    }
}
