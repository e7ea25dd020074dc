package dev.prodlens.core.eval;

import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.core.image.ImageDecodeException;
import dev.prodlens.core.image.ImageDecoder;
import dev.prodlens.testkit.CatalogueWriter;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A labelled catalogue made from images every machine of ours has offline (Debian packages, see
 * {@link OfflineImages}), for tests, benchmarks and a first run: each real photo with its edited
 * copies forms one label group (category "photo"); then clip-art images, each with one edited copy,
 * in groups of two (category: the clip-art folder), until {@code items} rows. Writes {@code
 * catalogue.csv} (Shopee columns + category, price) and {@code images/} under {@code dir}.
 * Deterministic: the same call writes the same files.
 */
public final class SampleCatalogue {
    private static final List<ImageEdits> EDITS = List.of(ImageEdits.values());

    /** Extra clip-art files drawn to make up for the few over the pixel cap. */
    private static final int SKIP_MARGIN = 64;

    private SampleCatalogue() {}

    /** Writes the catalogue; returns its CSV path. Existing files of the same name are replaced. */
    public static Path write(Path dir, int items) {
        Path csv = dir.resolve("catalogue.csv");
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
        try (CatalogueWriter out = new CatalogueWriter(csv)) {
            List<Path> photos = OfflineImages.photos();
            for (int p = 0; p < photos.size() && out.rows() < items; p++) {
                BufferedImage original = decoder.decode(Files.readAllBytes(photos.get(p)));
                String group = "photo-" + p;
                add(out, "photo", group, ImageEdits.encodeJpeg(original, 0.9f));
                for (int e = 0; e < EDITS.size() && out.rows() < items; e++) {
                    add(out, "photo", group, EDITS.get(e).apply(original));
                }
            }
            // spread over all of clip art; a few are huge posters over the pixel cap: those are
            // skipped
            List<Path> clipArt =
                    OfflineImages.clipArtSample(
                            Math.min(
                                    OfflineImages.clipArt().size(),
                                    (items - out.rows() + 1) / 2 + SKIP_MARGIN));
            for (int c = 0; c < clipArt.size() && out.rows() < items; c++) {
                Path file = clipArt.get(c);
                BufferedImage original;
                try {
                    original = decoder.decode(Files.readAllBytes(file));
                } catch (ImageDecodeException e) {
                    continue;
                }
                String category = OfflineImages.OPENCLIPART.relativize(file).getName(0).toString();
                String group = "clip-" + c;
                add(out, category, group, ImageEdits.encodePng(original));
                if (out.rows() < items) {
                    add(out, category, group, EDITS.get(c % EDITS.size()).apply(original));
                }
            }
            return csv;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "writing the sample catalogue under " + dir + ": " + e.getMessage(), e);
        } catch (ImageDecodeException e) {
            throw new IllegalStateException(
                    "an offline image does not decode: " + e.getMessage(), e);
        }
    }

    /**
     * A row titled after its category, group and number, priced 1.00 to 100.99 by a fixed stride.
     */
    private static void add(CatalogueWriter out, String category, String group, byte[] encoded)
            throws IOException {
        int n = out.rows();
        out.add(
                category + " " + group + " " + n,
                group,
                category,
                1 + (n * 7919 % 10_000) / 100.0,
                encoded);
    }

    /** {@code SampleCatalogue <dir> <items>}: writes the catalogue and prints the CSV's path. */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: SampleCatalogue <dir> <items>");
            System.exit(2);
        }
        System.out.println(write(Path.of(args[0]), Integer.parseInt(args[1])));
    }
}
