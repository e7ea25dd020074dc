package dev.prodlens.core.bundle;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Reading, writing and publishing bundles on a local (or mounted) file system. A bundle is written
 * into a staging directory, renamed to its version when complete, and made live by replacing the
 * {@code CURRENT} file atomically; readers therefore see the previous bundle or the complete new
 * one, never a partial one, whatever happens to the writer.
 */
public final class Bundles {
    private static final Gson GSON =
            new GsonBuilder()
                    .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                    .setPrettyPrinting()
                    .disableHtmlEscaping()
                    .create();
    private static final Gson LINES =
            new GsonBuilder()
                    .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                    .disableHtmlEscaping()
                    .create();
    private static final DateTimeFormatter VERSION_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private Bundles() {}

    /** A new, sortable, unique version name: UTC time plus a random suffix. */
    public static String newVersion() {
        return VERSION_TIME.format(Instant.now())
                + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A fresh staging directory under {@code catalogueDir} (created with its parents). */
    public static Path createStaging(Path catalogueDir, String version) {
        try {
            return Files.createDirectories(
                    catalogueDir.resolve(BundleFiles.STAGING_PREFIX + version));
        } catch (IOException e) {
            throw new BundleException(
                    "cannot create a bundle directory under "
                            + catalogueDir
                            + " ("
                            + e.getMessage()
                            + "); check bundles.dir is writable");
        }
    }

    /**
     * Renames a complete staging directory to {@code catalogueDir/version}; returns the final path.
     */
    public static Path seal(Path staging, String version) {
        Path target = staging.resolveSibling(version);
        move(staging, target);
        return target;
    }

    /** Makes {@code version} the live bundle: {@code CURRENT} is replaced atomically. */
    public static void publish(Path catalogueDir, String version) {
        Path bundle = catalogueDir.resolve(version);
        readManifest(bundle); // never point CURRENT at something unreadable
        if (!Files.isRegularFile(bundle.resolve(BundleFiles.INDEX))
                || !Files.isRegularFile(bundle.resolve(BundleFiles.ITEMS))) {
            throw new BundleException(
                    "bundle "
                            + bundle
                            + " lacks "
                            + BundleFiles.INDEX
                            + " or "
                            + BundleFiles.ITEMS
                            + "; rebuild it");
        }
        Path tmp =
                catalogueDir.resolve(
                        BundleFiles.STAGING_PREFIX + BundleFiles.CURRENT + "-" + UUID.randomUUID());
        try {
            Files.writeString(tmp, version + "\n", StandardCharsets.UTF_8);
            try (var channel =
                    java.nio.channels.FileChannel.open(
                            tmp, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
        } catch (IOException e) {
            throw new BundleException(
                    "cannot write "
                            + tmp
                            + " ("
                            + e.getMessage()
                            + "); check bundles.dir is writable");
        }
        move(tmp, catalogueDir.resolve(BundleFiles.CURRENT));
    }

    /** The live bundle's directory, if {@code CURRENT} exists. */
    public static Optional<Path> current(Path catalogueDir) {
        Path pointer = catalogueDir.resolve(BundleFiles.CURRENT);
        try {
            String version = Files.readString(pointer, StandardCharsets.UTF_8).strip();
            if (version.isEmpty() || version.contains("/") || version.startsWith(".")) {
                throw new BundleException(
                        pointer
                                + " names no valid version ('"
                                + version
                                + "'); re-run reindex or fix the file");
            }
            return Optional.of(catalogueDir.resolve(version));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new BundleException("cannot read " + pointer + " (" + e.getMessage() + ")");
        }
    }

    public static void writeManifest(Path bundle, BundleManifest manifest) {
        writeAtomically(bundle.resolve(BundleFiles.MANIFEST), GSON.toJson(manifest));
    }

    public static BundleManifest readManifest(Path bundle) {
        Path file = bundle.resolve(BundleFiles.MANIFEST);
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement json = JsonParser.parseReader(reader);
            if (json.isJsonObject()) searchMapAsParameters(json.getAsJsonObject());
            BundleManifest m = GSON.fromJson(json, BundleManifest.class);
            if (m == null || m.model() == null || m.index() == null)
                throw new JsonParseException("model or index missing");
            if (m.formatVersion() > BundleManifest.FORMAT_VERSION) {
                throw new BundleException(
                        file
                                + " has format "
                                + m.formatVersion()
                                + ", newer than this program's "
                                + BundleManifest.FORMAT_VERSION
                                + "; upgrade prodlens");
            }
            if (m.imageBits() < 0 || m.imageBits() > VectorIds.IMAGE_BITS)
                throw new JsonParseException(
                        "vectors.image_bits "
                                + m.imageBits()
                                + " is not in [0, "
                                + VectorIds.IMAGE_BITS
                                + "]");
            if (m.index().searchParameters() == null)
                throw new JsonParseException("index.search_parameters missing");
            try {
                m.index().searchOptions();
            } catch (IllegalArgumentException e) {
                throw new BundleException(file + ": " + e.getMessage() + "; rebuild the bundle");
            }
            return m;
        } catch (NoSuchFileException e) {
            throw new BundleException(
                    "no "
                            + BundleFiles.MANIFEST
                            + " in "
                            + bundle
                            + "; it is not a complete bundle");
        } catch (IOException | JsonParseException e) {
            throw new BundleException(
                    file + " is unreadable (" + e.getMessage() + "); rebuild the bundle");
        }
    }

    /**
     * Formats 1 and 2 kept the tuned parameters as a map ({@code "search": {"nprobe": 16}}) whose
     * keys were already ParameterSpace names: its entries joined as {@code name=value} are format
     * 3's {@code search_parameters} string (none without a map).
     */
    private static void searchMapAsParameters(JsonObject manifest) {
        boolean before3 =
                !(manifest.get("format_version") instanceof JsonPrimitive format)
                        || !format.isNumber()
                        || format.getAsInt() < 3;
        if (!before3
                || !(manifest.get("index") instanceof JsonObject index)
                || index.has("search_parameters")) return;
        StringBuilder parameters = new StringBuilder();
        JsonObject search = index.get("search") instanceof JsonObject map ? map : new JsonObject();
        for (var knob : search.entrySet()) {
            if (!knob.getValue().isJsonPrimitive())
                throw new JsonParseException("index.search." + knob.getKey() + " is not a number");
            if (parameters.length() > 0) parameters.append(',');
            parameters.append(knob.getKey()).append('=').append(knob.getValue().getAsString());
        }
        index.remove("search");
        index.addProperty("search_parameters", parameters.toString());
    }

    /**
     * The learned projection a bundle carries ({@link BundleFiles#PROJECTION}), checked against its
     * manifest's model and projected dimensions; null when the manifest names none (the index holds
     * the model's own vectors).
     *
     * @throws BundleException when the file is missing, unreadable or of another dimension
     */
    public static dev.prodlens.core.adapt.Projection readProjection(
            Path bundle, BundleManifest manifest) {
        if (manifest.adapt() == null || !manifest.adapt().projected()) return null;
        dev.prodlens.core.adapt.Projection projection;
        try {
            projection =
                    dev.prodlens.core.adapt.Projection.read(bundle.resolve(BundleFiles.PROJECTION));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new BundleException(e.getMessage(), e);
        }
        if (projection.inputDimension() != manifest.model().dim()
                || projection.outputDimension() != manifest.adapt().dim())
            throw new BundleException(
                    "bundle "
                            + bundle
                            + " has a projection from "
                            + projection.inputDimension()
                            + " to "
                            + projection.outputDimension()
                            + " dimensions, but its model gives "
                            + manifest.model().dim()
                            + " and its manifest says "
                            + manifest.adapt().dim()
                            + "; rebuild it with reindex");
        return projection;
    }

    /** Writes {@code items} in order, one JSON object per line (line i = index id i). */
    public static long writeItems(Path bundle, Iterator<BundleItem> items) {
        Path file = bundle.resolve(BundleFiles.ITEMS);
        long n = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            while (items.hasNext()) {
                out.write(LINES.toJson(items.next()));
                out.write('\n');
                n++;
            }
        } catch (IOException e) {
            throw new BundleException("cannot write " + file + " (" + e.getMessage() + ")");
        }
        return n;
    }

    /** All items of a bundle; the list index is the id in {@code index.faiss}. */
    public static List<BundleItem> readItems(Path bundle) {
        Path file = bundle.resolve(BundleFiles.ITEMS);
        List<BundleItem> items = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = reader.readLine()) != null; ) {
                BundleItem item = LINES.fromJson(line, BundleItem.class);
                if (item == null || item.id() == null)
                    throw new JsonParseException("line " + (items.size() + 1) + " has no id");
                items.add(item);
            }
        } catch (IOException | JsonParseException e) {
            throw new BundleException(
                    file + " is unreadable (" + e.getMessage() + "); rebuild the bundle");
        }
        return items;
    }

    private static void writeAtomically(Path file, String text) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            move(tmp, file);
        } catch (IOException e) {
            throw new BundleException("cannot write " + file + " (" + e.getMessage() + ")");
        }
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(
                    from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new BundleException(
                    "the file system of "
                            + to
                            + " cannot rename atomically; put bundles.dir on a local disk");
        } catch (IOException e) {
            throw new BundleException(
                    "cannot rename " + from + " to " + to + " (" + e.getMessage() + ")");
        }
    }
}
