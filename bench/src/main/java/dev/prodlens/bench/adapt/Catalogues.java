package dev.prodlens.bench.adapt;

import dev.prodlens.bench.adapt.ImageEmbeddings.LabelledImage;
import dev.prodlens.bench.adapt.LabelledSet.Item;
import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.eval.SampleCatalogue;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The labelled catalogues the bench compares the methods on, each with its split. */
final class Catalogues {
    private static final String GROUP_SPLIT = "split by SHA-256 of label_group (60/20/20)";

    /**
     * Fashion-MNIST's classes by part: the test classes are never learned or chosen on, and the
     * validation classes are unseen by the learners too, so the choice of method and dimension is
     * made in the test's situation (new kinds of product); two of them, since among the items of a
     * single class every result is a match.
     */
    private static final int FIRST_VALIDATION_CLASS = 5; // Sandal, Shirt

    private static final int FIRST_TEST_CLASS = 7; // Sneaker, Bag, Ankle boot

    private Catalogues() {}

    /** A published bundle's own vectors and label groups ({@link GroupSplit#DEFAULT}). */
    static LabelledSet demo(Path bundle) {
        List<BundleItem> bundleItems = Bundles.readItems(bundle);
        List<Item> items = new ArrayList<>();
        try (FaissIndex index = FaissIndex.read(bundle.resolve(BundleFiles.INDEX))) {
            for (int i = 0; i < bundleItems.size(); i++) {
                String group = bundleItems.get(i).labelGroup();
                if (group == null || group.isBlank()) continue;
                items.add(new Item(group, index.reconstruct(i).orElseThrow()));
            }
        }
        return LabelledSet.split(
                "demo",
                "bundle " + bundle.getFileName() + ", " + GROUP_SPLIT,
                items,
                GroupSplit.DEFAULT::of);
    }

    /**
     * Fashion-MNIST with held-out classes: the first {@code perClass} images of each class of the
     * train file, labelled by class; classes 0-4 to learn on, 5-6 to choose on, 7-9 to report.
     */
    static LabelledSet fashion(ImageEmbeddings embeddings, int perClass) {
        List<Item> items =
                embeddings.of(
                        "fashion-mnist-train-" + perClass + "-per-class",
                        () -> fashionImages(perClass));
        return LabelledSet.split(
                "fashion",
                "held-out classes: train 0-4, validation 5-6, test 7-9",
                items,
                Catalogues::fashionPart);
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

    private static GroupSplit.Part fashionPart(String className) {
        int label = OfflineImages.FASHION_CLASSES.indexOf(className);
        if (label >= FIRST_TEST_CLASS) return GroupSplit.Part.TEST;
        if (label >= FIRST_VALIDATION_CLASS) return GroupSplit.Part.VALIDATION;
        return GroupSplit.Part.TRAIN;
    }

    /** Writes the sample catalogue and reads back each row's image and label group. */
    private static List<LabelledImage> sampleImages(Path dir, int size) {
        Path csv = SampleCatalogue.write(dir, size);
        try {
            List<LabelledImage> images = new ArrayList<>();
            List<String> rows = Files.readAllLines(csv);
            for (String row : rows.subList(1, rows.size())) {
                // posting_id,image,title,label_group,...: none of its fields holds a comma (titles
                // are "<clip-art folder> <group> <number>")
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
