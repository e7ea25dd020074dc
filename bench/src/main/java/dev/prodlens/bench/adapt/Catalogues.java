package dev.prodlens.bench.adapt;

import dev.prodlens.bench.adapt.ImageEmbeddings.LabelledImage;
import dev.prodlens.bench.adapt.LabelledSet.Item;
import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.eval.SampleCatalogue;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.evaluate.EvalData;
import dev.prodlens.jobs.evaluate.EvaluateJob;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/** The labelled catalogues the bench compares the methods on, each with its split. */
public final class Catalogues {
    private static final String GROUP_SPLIT = "split by SHA-256 of label_group (60/20/20)";

    /**
     * Fashion-MNIST with held-out classes, as the issue asks: the methods learn on seven classes
     * (three of every four of their items; the fourth chooses the method and dimension) and are
     * scored on the other three, classes no method learned from or chose with: new kinds of
     * product.
     */
    private static final int FIRST_TEST_CLASS = 7; // Sneaker, Bag, Ankle boot

    private static final int VALIDATION_EVERY = 4;

    private Catalogues() {}

    /**
     * A published bundle's items with the model's own vectors (read from the embeddings table the
     * bundle was built from, as evaluate reads them: a bundle built with adapt.method holds
     * projected vectors in its index) and label groups ({@link GroupSplit#DEFAULT}).
     */
    static LabelledSet demo(Path bundle) {
        SparkSession spark =
                SparkSession.builder()
                        .master("local[2]")
                        .appName("bench adapt")
                        .config("spark.ui.enabled", "false")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .getOrCreate();
        spark.sparkContext().setLogLevel("ERROR");
        EvalData data;
        try {
            Path repo = Path.of("").toAbsolutePath();
            JobSettings settings =
                    JobSettings.from(Config.load(repo.resolve("conf/prodlens.properties")), repo);
            data = EvaluateJob.modelVectors(spark, settings, bundle);
        } finally {
            spark.stop();
        }
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            String group = data.labelGroups()[i];
            if (group == null || group.isBlank()) continue;
            items.add(
                    new Item(
                            group,
                            java.util.Arrays.copyOfRange(
                                    data.vectors(), i * data.dim(), (i + 1) * data.dim())));
        }
        return LabelledSet.split(
                "demo",
                "bundle " + bundle.getFileName() + ", " + GROUP_SPLIT,
                items,
                GroupSplit.DEFAULT::of);
    }

    /**
     * Fashion-MNIST with held-out classes: the first {@code perClass} images of each class of the
     * train file, labelled by class; classes 0-6 to learn on (every fourth item of them to choose
     * with), 7-9 to report.
     */
    static LabelledSet fashion(ImageEmbeddings embeddings, int perClass) {
        List<Item> items =
                embeddings.of(
                        "fashion-mnist-train-" + perClass + "-per-class",
                        () -> fashionImages(perClass));
        List<Item> train = new ArrayList<>();
        List<Item> validation = new ArrayList<>();
        List<Item> test = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            if (OfflineImages.FASHION_CLASSES.indexOf(item.group()) >= FIRST_TEST_CLASS) {
                test.add(item);
            } else {
                (i % VALIDATION_EVERY == VALIDATION_EVERY - 1 ? validation : train).add(item);
            }
        }
        return new LabelledSet(
                "fashion",
                "held-out classes: learned on 0-6 (every 4th item of them chooses), reported on 7-9",
                train,
                validation,
                test);
    }

    /** The offline sample catalogue of {@code size} rows ({@link SampleCatalogue}). */
    static LabelledSet sample(ImageEmbeddings embeddings, Path dir, int size) {
        List<Item> items =
                embeddings.of(
                        "sample-catalogue-" + size,
                        () -> sampleImages(dir.resolve("sample-catalogue-" + size), size));
        return LabelledSet.split("sample", GROUP_SPLIT, items, GroupSplit.DEFAULT::of);
    }

    /**
     * A labelled catalogue CSV as the demo generator writes it ({@code make demo}: data/demo),
     * named after its folder, embedded by the model of {@code embeddings} (cached under the CSV's
     * checksum) and split by {@link GroupSplit#DEFAULT}.
     */
    static LabelledSet csv(ImageEmbeddings embeddings, Path csv) {
        String name = csv.toAbsolutePath().getParent().getFileName().toString();
        return LabelledSet.split(
                name, GROUP_SPLIT, embedded(embeddings, csv), GroupSplit.DEFAULT::of);
    }

    /**
     * Every item of a labelled catalogue CSV, embedded by the model of {@code embeddings} (cached
     * under the folder's name and the CSV's checksum).
     */
    public static List<Item> embedded(ImageEmbeddings embeddings, Path csv) {
        String name = csv.toAbsolutePath().getParent().getFileName().toString();
        String key;
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(csv));
            key = name + "-" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + csv + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
        return embeddings.of(key, () -> catalogueImages(csv));
    }

    /**
     * The first {@code perClass} of each class in the file's order, as grey PNGs at their own 28
     * pixels: the Embedder's one decode and preprocess path enlarges them as it would a shop's.
     */
    private static List<LabelledImage> fashionImages(int perClass) {
        OfflineImages.FashionMnist train = OfflineImages.fashionMnist("train", Integer.MAX_VALUE);
        int[] taken = new int[OfflineImages.FASHION_CLASSES.size()];
        List<LabelledImage> images = new ArrayList<>();
        for (int i = 0; i < train.size(); i++) {
            int label = train.labels()[i];
            if (taken[label]++ >= perClass) continue;
            byte[] png =
                    ImageEdits.encodePng(
                            OfflineImages.fashionImage(
                                    train.images()[i], OfflineImages.FASHION_SIDE));
            images.add(new LabelledImage(OfflineImages.FASHION_CLASSES.get(label), png));
        }
        return images;
    }

    /** Writes the sample catalogue and reads back each row's image and label group. */
    private static List<LabelledImage> sampleImages(Path dir, int size) {
        return catalogueImages(SampleCatalogue.write(dir, size));
    }

    /** Each row's image and label group, of a CSV the demo or sample catalogue generator wrote. */
    static List<LabelledImage> catalogueImages(Path csv) {
        try {
            List<LabelledImage> images = new ArrayList<>();
            List<String> rows = Files.readAllLines(csv);
            for (String row : rows.subList(1, rows.size())) {
                // posting_id,image,title,label_group,...: none of its fields holds a comma (titles
                // are "<clip-art folder> <group> <number>" or "<product> – <category>")
                String[] fields = row.split(",");
                byte[] encoded = Files.readAllBytes(csv.getParent().resolve(fields[1]));
                images.add(new LabelledImage(fields[3], encoded));
            }
            return images;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + csv + ": " + e.getMessage(), e);
        }
    }
}
