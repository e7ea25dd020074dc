package dev.prodlens.testkit;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes a generated catalogue the jobs read with their default columns: a CSV with the Shopee
 * product-matching header plus category and price, and each row's image under {@code images/}
 * beside it (referenced by a relative path). Rows are numbered in the order they are added, so a
 * generator that adds the same rows in the same order writes the same files.
 */
public final class CatalogueWriter implements Closeable {
    public static final String HEADER = "posting_id,image,title,label_group,category,price";

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
        String name = String.format(Locale.ROOT, "%06d.%s", rows, isPng(encoded) ? "png" : "jpg");
        Files.write(images.resolve(name), encoded);
        csv.write(
                String.join(
                        ",",
                        String.format(Locale.ROOT, "item-%06d", rows),
                        "images/" + name,
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
