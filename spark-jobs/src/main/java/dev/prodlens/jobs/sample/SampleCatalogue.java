package dev.prodlens.jobs.sample;

import dev.prodlens.core.eval.ImageEdits;
import dev.prodlens.core.eval.OfflineImages;
import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.core.image.ImageDecodeException;
import dev.prodlens.core.image.ImageDecoder;

import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A labelled catalogue made from images every machine of ours has offline (Debian packages, see
 * {@link OfflineImages}), for tests, benchmarks and a first run: each real photo with its edited
 * copies forms one label group (category "photo"); then clip-art images, each with one edited
 * copy, in groups of two (category: the clip-art folder), until {@code items} rows. Writes
 * {@code catalogue.csv} (Shopee columns + category, price) and {@code images/} under {@code dir}.
 * Deterministic: the same call writes the same files.
 */
public final class SampleCatalogue {
    private static final List<ImageEdits> EDITS = List.of(ImageEdits.values());
    /** Extra clip-art files drawn to make up for the few over the pixel cap. */
    private static final int SKIP_MARGIN = 64;

    private SampleCatalogue() {
    }

    /** Writes the catalogue; returns its CSV path. Existing files of the same name are replaced. */
    public static Path write(Path dir, int items) {
        try {
            Path images = Files.createDirectories(dir.resolve("images"));
            Path csv = dir.resolve("catalogue.csv");
            ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
            int written = 0;
            try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                out.write("posting_id,image,title,label_group,category,price\n");
                List<Path> photos = OfflineImages.photos();
                for (int p = 0; p < photos.size() && written < items; p++) {
                    BufferedImage original = decoder.decode(Files.readAllBytes(photos.get(p)));
                    String group = "photo-" + p;
                    written += row(out, images, written, "photo", group, ImageEdits.encodeJpeg(original, 0.9f));
                    for (int e = 0; e < EDITS.size() && written < items; e++) {
                        written += row(out, images, written, "photo", group, EDITS.get(e).apply(original));
                    }
                }
                // spread over all of clip art; a few are huge posters over the pixel cap: those are skipped
                List<Path> clipArt = OfflineImages.clipArtSample(Math.min(OfflineImages.clipArt().size(), (items - written + 1) / 2 + SKIP_MARGIN));
                for (int c = 0; c < clipArt.size() && written < items; c++) {
                    Path file = clipArt.get(c);
                    BufferedImage original;
                    try {
                        original = decoder.decode(Files.readAllBytes(file));
                    } catch (ImageDecodeException e) {
                        continue;
                    }
                    String category = OfflineImages.OPENCLIPART.relativize(file).getName(0).toString();
                    String group = "clip-" + c;
                    written += row(out, images, written, category, group, ImageEdits.encodePng(original));
                    if (written < items) {
                        written += row(out, images, written, category, group, EDITS.get(c % EDITS.size()).apply(original));
                    }
                }
            }
            return csv;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the sample catalogue under " + dir + ": " + e.getMessage(), e);
        } catch (ImageDecodeException e) {
            throw new IllegalStateException("an offline image does not decode: " + e.getMessage(), e);
        }
    }

    private static int row(BufferedWriter out, Path images, int n, String category, String group, byte[] encoded) throws IOException {
        boolean png = encoded.length > 3 && encoded[1] == 'P' && encoded[2] == 'N' && encoded[3] == 'G';
        String name = String.format(Locale.ROOT, "%06d.%s", n, png ? "png" : "jpg");
        Files.write(images.resolve(name), encoded);
        double price = 1 + (n * 7919 % 10_000) / 100.0;
        out.write(String.format(Locale.ROOT, "item-%06d,images/%s,%s %s %d,%s,%s,%.2f%n", n, name, category, group, n, group, category, price));
        return 1;
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
