package dev.prodlens.bench.adapt;

import dev.prodlens.bench.adapt.LabelledSet.Item;
import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * Labelled images embedded through the one embedding path ({@link Embedder}: decode, preprocess,
 * model), once per model: the vectors are cached in {@code dir} under the catalogue's key and the
 * model's fingerprint (weights and preprocessing), so a rerun reads them back in a second and a new
 * model or preprocessing embeds afresh.
 */
public final class ImageEmbeddings {
    /** An image to embed and the group it belongs to. */
    record LabelledImage(String group, byte[] encoded) {}

    private static final String FORMAT = "prodlens-adapt-embeddings-1";

    /** Images per task: small enough to keep the cores even and few decoded images in memory. */
    private static final int SLICE = 32;

    private final Path dir;
    private final EmbedderConfig config;

    public ImageEmbeddings(Path dir, EmbedderConfig config) {
        this.dir = dir;
        this.config = config;
    }

    /**
     * The vectors of the images {@code key} names: from the cache, or embedded (images that fail to
     * embed are left out, and said so).
     */
    List<Item> of(String key, Supplier<List<LabelledImage>> images) {
        String fingerprint = ModelCard.read(config.modelDir()).fingerprint();
        Path file = dir.resolve(key + "-" + fingerprint.substring(0, 16) + ".bin");
        try {
            return read(file, key);
        } catch (NoSuchFileException e) {
            // not embedded yet
        } catch (IOException e) {
            System.out.printf("%s: unreadable cache (%s), embedding again%n", key, e.getMessage());
        }
        List<Item> items = embed(key, images.get());
        write(file, key, items);
        return items;
    }

    /** Embeds on every core, one model instance of the configured threads per core. */
    private List<Item> embed(String key, List<LabelledImage> images) {
        long start = System.nanoTime();
        int workers = Runtime.getRuntime().availableProcessors();
        List<EmbedResult> results = new ArrayList<>(images.size());
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try (Embedder embedder = Embedder.open(config)) {
            List<Future<List<EmbedResult>>> slices = new ArrayList<>();
            for (int from = 0; from < images.size(); from += SLICE) {
                List<byte[]> bytes =
                        images.subList(from, Math.min(images.size(), from + SLICE)).stream()
                                .map(LabelledImage::encoded)
                                .toList();
                slices.add(pool.submit(() -> embedder.embed(bytes)));
            }
            for (Future<List<EmbedResult>> f : slices) results.addAll(f.get());
        } catch (Exception e) {
            throw new IllegalStateException(key + ": embedding failed: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
        List<Item> items = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            if (results.get(i).isOk())
                items.add(new Item(images.get(i).group(), results.get(i).vector()));
        }
        System.out.printf(
                Locale.ROOT,
                "%s: embedded %d images (%d failed) in %.0f s on %d threads%n",
                key,
                items.size(),
                images.size() - items.size(),
                (System.nanoTime() - start) / 1e9,
                workers);
        return items;
    }

    private static List<Item> read(Path file, String key) throws IOException {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (!in.readUTF().equals(FORMAT) || !in.readUTF().equals(key))
                throw new IOException("another format or catalogue");
            int n = in.readInt();
            int dim = in.readInt();
            List<Item> items = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String group = in.readUTF();
                float[] v = new float[dim];
                for (int j = 0; j < dim; j++) v[j] = in.readFloat();
                items.add(new Item(group, v));
            }
            return items;
        }
    }

    /** Writes a temporary file and renames it, so an interrupted run leaves no partial cache. */
    private static void write(Path file, String key, List<Item> items) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), key, ".tmp");
            try (DataOutputStream out =
                    new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
                out.writeUTF(FORMAT);
                out.writeUTF(key);
                out.writeInt(items.size());
                out.writeInt(items.get(0).vector().length);
                for (Item item : items) {
                    out.writeUTF(item.group());
                    for (float x : item.vector()) out.writeFloat(x);
                }
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + file + ": " + e.getMessage(), e);
        }
    }
}
