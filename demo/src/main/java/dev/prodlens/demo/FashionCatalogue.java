package dev.prodlens.demo;

import dev.prodlens.testkit.CatalogueWriter;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.util.Locale;

/**
 * The "fashion-mnist" catalogue: the first images of Fashion-MNIST's training split, enlarged to
 * grey PNGs, labelled by class. The label group is the class, so evaluation measures class-level
 * retrieval ("more items like this one"), a harder task than near-duplicates. Deterministic.
 */
final class FashionCatalogue {
    /**
     * Price range by Fashion-MNIST label: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal,
     * Shirt, Sneaker, Bag, Ankle boot (the order of {@link OfflineImages#FASHION_CLASSES}).
     */
    private static final double[][] PRICE_RANGES = {
        {8, 30}, {20, 80}, {20, 70}, {25, 120}, {50, 250}, {15, 60}, {15, 60}, {30, 150}, {20, 200},
        {40, 180}
    };

    private FashionCatalogue() {}

    /**
     * Adds the first {@code items} training images, each {@code side} pixels square, to {@code
     * out}; returns what it added.
     */
    static DemoCatalogue.Generated write(CatalogueWriter out, int items, int side)
            throws IOException {
        OfflineImages.FashionMnist train = OfflineImages.fashionMnist("train", items);
        int[] numbered = new int[PRICE_RANGES.length];
        for (int i = 0; i < train.size(); i++) {
            int label = train.labels()[i];
            Category category =
                    new Category(
                            OfflineImages.FASHION_CLASSES.get(label),
                            PRICE_RANGES[label][0],
                            PRICE_RANGES[label][1]);
            String title =
                    String.format(
                            Locale.ROOT, "%s #%d – Fashion", category.label(), ++numbered[label]);
            out.add(
                    title,
                    "fashion-" + label,
                    category.label(),
                    category.price("train-" + i),
                    ImageEdits.encodePng(OfflineImages.fashionImage(train.images()[i], side)));
        }
        return new DemoCatalogue.Generated(
                train.size(),
                (int) java.util.Arrays.stream(numbered).filter(n -> n > 0).count(),
                0);
    }
}
