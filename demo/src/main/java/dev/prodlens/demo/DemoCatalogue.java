package dev.prodlens.demo;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKey;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.core.image.ImageDecoder;
import dev.prodlens.jobs.FileTrees;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.Progress;
import dev.prodlens.testkit.CatalogueWriter;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * demo-catalogue: writes the catalogue {@code catalogue.name} names to {@code catalogue.path}, made
 * from Debian packages' images (no download): {@value #DEMO} (product clip art with near-duplicate
 * groups, {@link ProductClipArt}), {@value #DEMO_PRODUCTS} (the same products, a listing with two
 * photos each, the other copies duplicate listings) or {@value #FASHION_MNIST} ({@link
 * FashionCatalogue}).
 *
 * <p>It owns the CSV's directory. Once: the directory keeps a manifest of the generator's version
 * and settings, and a run that finds the same does nothing; a different one (a newer generator,
 * other {@code demo.*} settings) is replaced. Atomic: everything is written into a staging
 * directory beside it, the manifest last, and renamed into place, so a killed run leaves either the
 * old catalogue, none, or a staging directory that the next run deletes; never a half catalogue
 * that looks complete.
 */
public final class DemoCatalogue {
    public static final String DEMO = "demo";
    public static final String DEMO_PRODUCTS = "demo-products";
    public static final String FASHION_MNIST = "fashion-mnist";

    /**
     * Bump whenever the rows or images a generator writes change, so existing demo catalogues are
     * rebuilt.
     */
    static final int GENERATOR_VERSION = 1;

    static final String MANIFEST = "demo-catalogue.manifest";
    private static final String ITEMS = "items";

    /**
     * What the run did: the catalogue's CSV, its rows, and whether it was written now (false: it
     * was already complete).
     */
    public record Result(Path csv, int items, boolean written) {}

    /**
     * What a generator wrote: rows, label groups, and source images it skipped (undecodable or over
     * a cap).
     */
    record Generated(int items, int groups, int skipped) {}

    private DemoCatalogue() {}

    public static Result make(JobSettings settings) {
        long start = System.nanoTime();
        Path csv = localPath(settings.cataloguePath());
        Path dir = csv.getParent();
        Map<String, String> wanted = manifest(settings, csv);
        try {
            Optional<Map<String, String>> found = readManifest(dir);
            if (found.isPresent() && withoutItems(found.get()).equals(wanted)) {
                int items = Integer.parseInt(found.get().get(ITEMS));
                Progress.stage(
                        "demo-catalogue",
                        String.format(
                                Locale.ROOT,
                                "%s holds the %s catalogue (%,d items) already; nothing to do",
                                csv,
                                settings.catalogueName(),
                                items),
                        0,
                        "",
                        start);
                return new Result(csv, items, false);
            }
            if (found.isEmpty() && !isEmptyOrAbsent(dir)) {
                throw new JobException(
                        dir
                                + " exists but was not written by demo-catalogue; move it away or set catalogue.path to a "
                                + "file in a directory of its own");
            }
            Generated generated = writeAndSwap(settings, csv, wanted);
            Progress.stage(
                    "demo-catalogue",
                    String.format(
                            Locale.ROOT,
                            "wrote the %s catalogue to %s: %,d items in %,d label groups, "
                                    + "%,d source images skipped",
                            settings.catalogueName(),
                            csv,
                            generated.items(),
                            generated.groups(),
                            generated.skipped()),
                    generated.items(),
                    "item",
                    start);
            return new Result(csv, generated.items(), true);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "writing the demo catalogue " + csv + ": " + e.getMessage(), e);
        }
    }

    /**
     * Generates the catalogue into {@code .<dir>.staging} beside its directory, the manifest last,
     * then renames it into place (moving an outdated catalogue aside first, deleting it after).
     * Leftovers of a killed run under those two names are deleted first.
     */
    private static Generated writeAndSwap(
            JobSettings settings, Path csv, Map<String, String> wanted) throws IOException {
        Path dir = csv.getParent();
        Path staging = dir.resolveSibling("." + dir.getFileName() + ".staging");
        Path old = dir.resolveSibling("." + dir.getFileName() + ".old");
        FileTrees.delete(staging);
        FileTrees.delete(old);
        Files.createDirectories(staging);
        Generated generated = generate(settings, staging.resolve(csv.getFileName()));
        Map<String, String> manifest = new LinkedHashMap<>(wanted);
        manifest.put(ITEMS, Integer.toString(generated.items()));
        writeManifest(staging, manifest);
        if (Files.exists(dir)) Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        FileTrees.delete(old);
        return generated;
    }

    /** Writes the catalogue into {@code csv}'s directory. */
    private static Generated generate(JobSettings settings, Path csv) throws IOException {
        Config config = settings.config();
        boolean demo =
                settings.catalogueName().equals(DEMO)
                        || settings.catalogueName().equals(DEMO_PRODUCTS);
        Path source = demo ? OfflineImages.OPENCLIPART : OfflineImages.FASHION_MNIST;
        if (!Files.isDirectory(source)) {
            throw new JobException(
                    source
                            + " is missing: the "
                            + settings.catalogueName()
                            + " catalogue is made from the Debian package "
                            + (demo ? "openclipart-png" : "dataset-fashion-mnist")
                            + "; install it with scripts/install-deps.sh data");
        }
        try (CatalogueWriter out = new CatalogueWriter(csv)) {
            if (demo) {
                int maxSide = config.get(ConfigKeys.DEMO_MAX_SIDE);
                EmbedderConfig limits = EmbedderConfig.fromResolved(settings.embedderSettings());
                // decodes large drawings at a reduced scale that still covers max-side, as the
                // embed job would
                ImageDecoder decoder =
                        new ImageDecoder(
                                new DecodeLimits(limits.maxBytes(), limits.maxPixels(), maxSide));
                return ProductClipArt.write(
                        OfflineImages.OPENCLIPART,
                        out,
                        decoder,
                        config.get(ConfigKeys.DEMO_PRODUCTS),
                        maxSide,
                        settings.catalogueName().equals(DEMO)
                                ? ProductClipArt.Listings.PHOTO_PER_LISTING
                                : ProductClipArt.Listings.PHOTOS_PER_PRODUCT);
            }
            return FashionCatalogue.write(
                    out,
                    config.get(ConfigKeys.DEMO_FASHION_MNIST_ITEMS),
                    config.get(ConfigKeys.DEMO_FASHION_MNIST_SIDE));
        }
    }

    /**
     * What the catalogue is made from: the generator, its version and every setting that changes
     * its files.
     */
    private static Map<String, String> manifest(JobSettings settings, Path csv) {
        List<ConfigKey<?>> keys =
                switch (settings.catalogueName()) {
                    case DEMO, DEMO_PRODUCTS ->
                            List.of(
                                    ConfigKeys.DEMO_PRODUCTS,
                                    ConfigKeys.DEMO_MAX_SIDE,
                                    ConfigKeys.DECODE_MAX_BYTES,
                                    ConfigKeys.DECODE_MAX_PIXELS);
                    case FASHION_MNIST ->
                            List.of(
                                    ConfigKeys.DEMO_FASHION_MNIST_ITEMS,
                                    ConfigKeys.DEMO_FASHION_MNIST_SIDE);
                    default ->
                            throw new JobException(
                                    "demo-catalogue makes the catalogues named "
                                            + DEMO
                                            + ", "
                                            + DEMO_PRODUCTS
                                            + " and "
                                            + FASHION_MNIST
                                            + ", not catalogue.name = "
                                            + settings.catalogueName()
                                            + "; set catalogue.name (and catalogue.path) to one of them");
                };
        Map<String, String> manifest = new LinkedHashMap<>();
        manifest.put("generator", settings.catalogueName());
        manifest.put("version", Integer.toString(GENERATOR_VERSION));
        manifest.put("csv", csv.getFileName().toString());
        for (ConfigKey<?> key : keys) manifest.put(key.name(), settings.config().text(key));
        return manifest;
    }

    private static Optional<Map<String, String>> readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(file)) return Optional.empty();
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> manifest = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(k -> manifest.put(k, properties.getProperty(k)));
        return Optional.of(manifest);
    }

    private static void writeManifest(Path dir, Map<String, String> manifest) throws IOException {
        StringBuilder text =
                new StringBuilder(
                        "# written by demo-catalogue (bin/prodlens-demo demo-catalogue); the catalogue is complete\n");
        manifest.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(dir.resolve(MANIFEST), text, StandardCharsets.UTF_8);
    }

    private static Map<String, String> withoutItems(Map<String, String> manifest) {
        Map<String, String> rest = new LinkedHashMap<>(manifest);
        rest.remove(ITEMS);
        return rest;
    }

    /**
     * The catalogue's path on this machine: demo catalogues are written locally (file: URIs
     * allowed).
     */
    private static Path localPath(String location) {
        String path =
                location.startsWith("file:") ? java.net.URI.create(location).getPath() : location;
        if (!path.startsWith("/")) {
            throw new JobException(
                    "demo-catalogue writes to a local directory; catalogue.path = "
                            + location
                            + " is not one");
        }
        return Path.of(path);
    }

    private static boolean isEmptyOrAbsent(Path dir) throws IOException {
        if (!Files.exists(dir)) return true;
        if (!Files.isDirectory(dir)) return false;
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }
}
