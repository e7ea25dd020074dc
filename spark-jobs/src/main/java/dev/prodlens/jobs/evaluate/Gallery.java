package dev.prodlens.jobs.evaluate;

import dev.prodlens.core.bundle.VectorIds;
import java.util.Objects;

/**
 * The vectors an index holds for the evaluated items: every indexed image of every item, under its
 * Faiss id ({@link VectorIds}: the item's ordinal in the high bits, its image in the low {@code
 * imageBits}). A bundle of one image per item has the items' own vectors under their ordinals
 * ({@link #ofItems}).
 *
 * @param ids the Faiss id of each vector
 * @param vectors ids.length x dim floats, row-major, L2-normalised
 * @param imageBits the low bits of an id that number the item's image
 */
public record Gallery(long[] ids, float[] vectors, int imageBits) {
    public Gallery {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(vectors, "vectors");
        if (ids.length == 0 || vectors.length % ids.length != 0) {
            throw new EvaluationException(
                    "got " + vectors.length + " floats for " + ids.length + " indexed vectors");
        }
    }

    /** One vector per item, its id the item's ordinal: the items' own vectors. */
    static Gallery ofItems(float[] itemVectors, int items) {
        long[] ids = new long[items];
        for (int i = 0; i < items; i++) ids[i] = i;
        return new Gallery(ids, itemVectors, 0);
    }

    /** Number of vectors. */
    public int size() {
        return ids.length;
    }

    /** The ordinal of the item whose image the Faiss id {@code id} is. */
    int itemOf(long id) {
        return (int) VectorIds.ordinal(id, imageBits);
    }

    /** How many vectors each of {@code items} items has. */
    int[] imagesPerItem(int items) {
        int[] counts = new int[items];
        for (long id : ids) {
            int item = itemOf(id);
            if (item < 0 || item >= items) {
                throw new EvaluationException(
                        "indexed vector id "
                                + id
                                + " names item "
                                + item
                                + ", outside the "
                                + items
                                + " evaluated items: evaluate the bundle's own embeddings");
            }
            counts[item]++;
        }
        return counts;
    }

    /** The most vectors one item has. */
    int maxImagesPerItem(int items) {
        int most = 0;
        for (int n : imagesPerItem(items)) most = Math.max(most, n);
        return most;
    }

    /** The same ids with other vectors (a learned projection of these). */
    Gallery withVectors(float[] projected) {
        return new Gallery(ids, projected, imageBits);
    }
}
