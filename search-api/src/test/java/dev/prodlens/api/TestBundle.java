package dev.prodlens.api;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.adapt.Scatter;
import dev.prodlens.core.adapt.Whitening;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.testkit.OfflineImages;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real bundles for the API tests, made the way the Spark job makes them, minus Spark: the offline
 * photos embedded by the real model, an exact Faiss index, items.jsonl and a manifest, published
 * through CURRENT. Item i is {@code item-0i}, title "photo i", category {@code cat-(i%3)}, price
 * {@code 10 × (i+1)}; its image is copied under {@code images/} and referenced relative to it, as
 * the jobs write images under the images root.
 */
public final class TestBundle {
    public static final String CATALOGUE = "test";

    private TestBundle() {}

    /** The repository's stock configuration. */
    public static Path conf() {
        return Repo.root().resolve("conf/prodlens.properties");
    }

    public static Path models() {
        return Path.of(
                System.getProperty("prodlens.models", Repo.root().resolve("models").toString()));
    }

    /** The photos the bundles index (the first {@code n} offline photos). */
    public static List<Path> photos(int n) {
        List<Path> all = OfflineImages.photos();
        if (all.size() < n)
            throw new IllegalStateException(
                    "only "
                            + all.size()
                            + " offline photos; install them with scripts/install-deps.sh data");
        return all.subList(0, n);
    }

    /**
     * The command-line arguments that point a service at bundles under {@code root}, on a free
     * port.
     */
    public static List<String> args(Path root, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--conf",
                                conf().toString(),
                                "model.dir=" + models(),
                                "bundles.dir=" + root.resolve("bundles"),
                                "catalogue.name=" + CATALOGUE,
                                "api.images-root=" + root.resolve("images"),
                                "api.port=0",
                                "api.host=127.0.0.1"));
        args.addAll(List.of(more));
        return args;
    }

    /** The embedder settings of {@code modelId} (the configured model when null). */
    public static EmbedderConfig embedderConfig(String modelId) {
        Config config = Config.load(conf()).with(Map.of("model.dir", models().toString()));
        if (modelId != null) config = config.with(Map.of("model.id", modelId));
        return EmbedderConfig.from(config, Repo.root());
    }

    /**
     * Embeds the first {@code photos} photos with {@code modelId} (the configured model when null)
     * and publishes them as a new version under {@code root/bundles/test}; returns its directory.
     */
    public static Path publish(Path root, int photos, String modelId) {
        return publish(
                root, java.util.stream.IntStream.range(0, photos).boxed().toList(), modelId, null);
    }

    /**
     * Publishes the given photos (item i is photo i, as above) as a new version that records {@code
     * live} as the update log folded in (null: none), the way reindex publishes a catalogue that
     * the log changed.
     */
    public static Path publish(
            Path root, List<Integer> photoIndexes, String modelId, BundleManifest.Live live) {
        return publish(root, photoIndexes, modelId, live, 0);
    }

    /**
     * As above; with {@code projectTo} above 0 the bundle also carries a learned projection
     * (PCA-whitening of the photos' own embeddings onto that many dimensions, written by the same
     * {@link Projection} the service reads) and indexes the projected vectors, as the adapt stage
     * publishes them (issue 18).
     */
    public static Path publish(
            Path root,
            List<Integer> photoIndexes,
            String modelId,
            BundleManifest.Live live,
            int projectTo) {
        return publish(
                root, photoIndexes.stream().map(List::of).toList(), modelId, live, projectTo, 0);
    }

    /**
     * A bundle of products with several photos (format 5): product j has the photos {@code
     * products.get(j)}, and is named, titled and priced after its first photo i as above; its
     * images' Faiss ids are {@link VectorIds#of}(j, image, {@link VectorIds#IMAGE_BITS}).
     */
    public static Path publishProducts(Path root, List<List<Integer>> products) {
        return publish(root, products, null, null, 0, VectorIds.IMAGE_BITS);
    }

    /**
     * A bundle of one item per image file: item i has {@code files.get(i)} (named, titled and
     * priced as photo i above).
     */
    public static Path publishFiles(Path root, List<Path> files) {
        return publish(
                root,
                java.util.stream.IntStream.range(0, files.size()).mapToObj(List::of).toList(),
                files,
                null,
                null,
                0,
                0);
    }

    private static Path publish(
            Path root,
            List<List<Integer>> products,
            String modelId,
            BundleManifest.Live live,
            int projectTo,
            int imageBits) {
        int needed = products.stream().flatMap(List::stream).mapToInt(i -> i + 1).max().orElse(0);
        return publish(root, products, photos(needed), modelId, live, projectTo, imageBits);
    }

    private static Path publish(
            Path root,
            List<List<Integer>> products,
            List<Path> all,
            String modelId,
            BundleManifest.Live live,
            int projectTo,
            int imageBits) {
        EmbedderConfig embedderConfig = embedderConfig(modelId);
        try (Embedder embedder = Embedder.open(embedderConfig)) {
            Path images = Files.createDirectories(root.resolve("images"));
            List<BundleItem> items = new ArrayList<>();
            List<byte[]> bytes = new ArrayList<>();
            List<Long> idList = new ArrayList<>();
            int most = 0;
            for (List<Integer> photoIndexes : products) {
                List<String> refs = new ArrayList<>();
                for (int i : photoIndexes) {
                    Path source = all.get(i);
                    Path copy =
                            images.resolve(String.format("photo-%02d-%s", i, source.getFileName()));
                    if (!Files.exists(copy)) Files.copy(source, copy);
                    bytes.add(Files.readAllBytes(copy));
                    idList.add(VectorIds.of(items.size(), refs.size(), imageBits));
                    refs.add(images.relativize(copy).toString());
                }
                most = Math.max(most, refs.size());
                int i = photoIndexes.get(0);
                items.add(
                        new BundleItem(
                                String.format("item-%02d", i),
                                "photo " + i,
                                "cat-" + (i % 3),
                                10.0 * (i + 1),
                                refs.get(0),
                                "group-" + i,
                                imageBits == 0 ? null : refs));
            }
            List<EmbedResult> embedded = embedder.embed(bytes);
            int dim = embedder.card().dim();
            float[] vectors = new float[bytes.size() * dim];
            long[] ids = idList.stream().mapToLong(Long::longValue).toArray();
            for (int v = 0; v < bytes.size(); v++) {
                System.arraycopy(embedded.get(v).vector(), 0, vectors, v * dim, dim);
            }
            BundleManifest.Vectors vectorMap =
                    imageBits == 0
                            ? null
                            : new BundleManifest.Vectors(imageBits, bytes.size(), most);
            Path catalogueDir = root.resolve("bundles").resolve(CATALOGUE);
            String version = Bundles.newVersion();
            Path staging = Bundles.createStaging(catalogueDir, version);
            int modelDim = dim;
            BundleManifest.Adapt adapt = null;
            if (projectTo > 0) {
                Scatter scatter = new Scatter(dim);
                for (EmbedResult e : embedded) scatter.add(e.vector());
                Projection projection = Whitening.pca(scatter, projectTo);
                projection.write(staging.resolve(BundleFiles.PROJECTION));
                vectors = projection.applyAll(vectors);
                dim = projectTo;
                adapt = new BundleManifest.Adapt(projection.method(), projectTo, 0);
            }
            try (FaissIndex index = FaissIndex.create(dim, "Flat", Metric.INNER_PRODUCT)) {
                index.add(vectors, ids);
                index.write(staging.resolve(BundleFiles.INDEX));
                Bundles.writeItems(staging, items.iterator());
                Bundles.writeManifest(
                        staging,
                        new BundleManifest(
                                BundleManifest.FORMAT_VERSION,
                                version,
                                Instant.now().toString(),
                                new BundleManifest.Model(
                                        embedder.card().id(),
                                        embedder.card().fingerprint(),
                                        modelDim,
                                        embedderConfig.engine().name(),
                                        embedder.card().json()),
                                new BundleManifest.Index(
                                        "Flat",
                                        "test",
                                        "inner_product",
                                        index.size(),
                                        "",
                                        0,
                                        1.0,
                                        10,
                                        0,
                                        0.95,
                                        index.memoryUsageBytes()),
                                new BundleManifest.Catalogue(
                                        CATALOGUE,
                                        "test",
                                        items.size(),
                                        items.size(),
                                        Map.of(),
                                        Map.of(),
                                        null),
                                live,
                                adapt,
                                vectorMap));
            }
            Path sealed = Bundles.seal(staging, version);
            Bundles.publish(catalogueDir, version);
            return sealed;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
