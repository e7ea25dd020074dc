package dev.prodlens.core.eval;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchResult;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ObjIntConsumer;
import javax.imageio.ImageIO;

/**
 * The two retrieval checks of an image embedding on offline data.
 *
 * <ul>
 *   <li><b>Near-duplicates:</b> real photos in a catalogue padded with clip-art and Fashion-MNIST
 *       distractors; every photo edited each way of {@link ImageEdits} is a query whose right
 *       answer is its original. Recall@1 overall and per edit.
 *   <li><b>Fashion-MNIST classes:</b> train images are the catalogue, test images the queries;
 *       precision@10 = share of the ten nearest with the query's class (chance: 0.1).
 * </ul>
 *
 * Exact inner-product search (Faiss Flat), so the numbers measure the embedding, not an index.
 */
public final class RetrievalEval {
    /** Sizes of the evaluation sets. */
    public record Sizes(
            int clipArtDistractors,
            int fashionDistractors,
            int fashionTrainPerClass,
            int fashionQueriesPerClass) {
        public static final Sizes TEST = new Sizes(300, 300, 100, 20);
        public static final Sizes BENCH = new Sizes(1000, 1000, 300, 50);
    }

    /**
     * recall@1 of the near-duplicate check (overall and per edit) and Fashion-MNIST precision@10.
     */
    public record Scores(
            String name,
            double nearDupRecallAt1,
            Map<String, Double> recallByEdit,
            double fashionPrecisionAt10,
            int catalogueSize,
            int queries) {}

    private final List<byte[]> nearDupCatalogue = new ArrayList<>();
    private final List<byte[]> nearDupQueries = new ArrayList<>();
    private final List<Integer> nearDupAnswer = new ArrayList<>();
    private final List<String> nearDupEdit = new ArrayList<>();
    private final List<byte[]> fashionCatalogue = new ArrayList<>();
    private final List<Integer> fashionCatalogueLabel = new ArrayList<>();
    private final List<byte[]> fashionQueries = new ArrayList<>();
    private final List<Integer> fashionQueryLabel = new ArrayList<>();

    private RetrievalEval() {}

    /** Builds both sets from the Debian images (see {@link OfflineImages}); deterministic. */
    public static RetrievalEval build(Sizes sizes) {
        RetrievalEval eval = new RetrievalEval();
        try {
            List<Path> photos = OfflineImages.photos();
            for (int i = 0; i < photos.size(); i++) {
                byte[] original = Files.readAllBytes(photos.get(i));
                eval.nearDupCatalogue.add(original);
                BufferedImage image = ImageIO.read(photos.get(i).toFile());
                for (ImageEdits edit : ImageEdits.values()) {
                    eval.nearDupQueries.add(edit.apply(image));
                    eval.nearDupAnswer.add(i);
                    eval.nearDupEdit.add(edit.name());
                }
            }
            for (Path clip : OfflineImages.clipArtSample(sizes.clipArtDistractors()))
                eval.nearDupCatalogue.add(Files.readAllBytes(clip));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int[] distractors = {0};
        perClass(
                OfflineImages.fashionMnist("t10k", 10_000),
                sizes.fashionQueriesPerClass(),
                collectInto(eval.fashionQueries, eval.fashionQueryLabel),
                image -> {
                    if (distractors[0]++ < sizes.fashionDistractors())
                        eval.nearDupCatalogue.add(greyPng(image));
                });
        perClass(
                OfflineImages.fashionMnist("train", 60_000),
                sizes.fashionTrainPerClass(),
                collectInto(eval.fashionCatalogue, eval.fashionCatalogueLabel),
                image -> {});
        return eval;
    }

    public Scores score(ImageVectoriser vectoriser) {
        int[] nearDupTop = top(vectoriser, nearDupCatalogue, nearDupQueries, 1);
        Map<String, int[]> byEdit = new LinkedHashMap<>();
        int hits = 0;
        for (int q = 0; q < nearDupQueries.size(); q++) {
            boolean hit = nearDupTop[q] == nearDupAnswer.get(q);
            hits += hit ? 1 : 0;
            int[] counts = byEdit.computeIfAbsent(nearDupEdit.get(q), e -> new int[2]);
            counts[0] += hit ? 1 : 0;
            counts[1]++;
        }
        Map<String, Double> recallByEdit = new LinkedHashMap<>();
        byEdit.forEach((edit, c) -> recallByEdit.put(edit, (double) c[0] / c[1]));

        int k = 10;
        int[] fashionTop = top(vectoriser, fashionCatalogue, fashionQueries, k);
        double precision = 0;
        for (int q = 0; q < fashionQueries.size(); q++) {
            int same = 0;
            for (int r = 0; r < k; r++) {
                int id = fashionTop[q * k + r];
                if (id >= 0 && fashionCatalogueLabel.get(id).equals(fashionQueryLabel.get(q)))
                    same++;
            }
            precision += (double) same / k;
        }
        return new Scores(
                vectoriser.name(),
                (double) hits / nearDupQueries.size(),
                recallByEdit,
                precision / fashionQueries.size(),
                nearDupCatalogue.size(),
                nearDupQueries.size());
    }

    /**
     * Ids (catalogue positions) of the k nearest per query, row-major; -1 for a failed query or
     * missing rank.
     */
    private static int[] top(
            ImageVectoriser vectoriser, List<byte[]> catalogue, List<byte[]> queries, int k) {
        List<float[]> items = vectoriser.vectors(catalogue);
        List<float[]> asked = vectoriser.vectors(queries);
        int dim =
                items.stream()
                        .filter(v -> v != null)
                        .findFirst()
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                vectoriser.name()
                                                        + " produced no vector for any catalogue image"))
                        .length;
        int[] result = new int[queries.size() * k];
        java.util.Arrays.fill(result, -1);
        float[] queryMatrix =
                new float[asked.size() * dim]; // a failed query stays all-zero and is skipped below
        for (int q = 0; q < asked.size(); q++) {
            if (asked.get(q) != null) System.arraycopy(asked.get(q), 0, queryMatrix, q * dim, dim);
        }
        try (FaissIndex index = FaissIndex.create(dim, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            for (int i = 0; i < items.size(); i++) {
                if (items.get(i) != null) index.add(items.get(i), new long[] {i});
            }
            SearchResult found =
                    index.search(
                            queryMatrix, k); // one batched search: no per-query thread start-up
            for (int q = 0; q < asked.size(); q++) {
                if (asked.get(q) == null) continue;
                for (int r = 0; r < found.count(q); r++) result[q * k + r] = (int) found.id(q, r);
            }
        }
        return result;
    }

    /**
     * In order: the first {@code perClass} images of each class go to {@code taken}, the others to
     * {@code rest}.
     */
    private static void perClass(
            OfflineImages.FashionMnist split,
            int perClass,
            ObjIntConsumer<byte[]> taken,
            Consumer<byte[]> rest) {
        int[] count = new int[OfflineImages.FASHION_CLASSES.size()];
        for (int i = 0; i < split.size(); i++) {
            int label = split.labels()[i];
            if (count[label]++ < perClass) taken.accept(split.images()[i], label);
            else rest.accept(split.images()[i]);
        }
    }

    /** Adds each image, as a grey PNG, to {@code images} and its label to {@code labels}. */
    private static ObjIntConsumer<byte[]> collectInto(List<byte[]> images, List<Integer> labels) {
        return (image, label) -> {
            images.add(greyPng(image));
            labels.add(label);
        };
    }

    private static byte[] greyPng(byte[] pixels28) {
        return ImageEdits.encodePng(
                OfflineImages.fashionImage(pixels28, OfflineImages.FASHION_SIDE));
    }
}
