package dev.prodlens.jobs.evaluate;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The items an evaluation searches: N embeddings under the dense ordinals 0..N-1 of the bundle's
 * items (an item's position here), each the item's query (its first image), with what the report
 * shows about each, and what the index holds ({@link #gallery}). Checked once here so that the
 * metrics can trust it: arrays of length N, unique ids, L2-normalised vectors (scores are read as
 * cosines, and the Shopee threshold is a cosine).
 *
 * @param itemIds the catalogue's ids, by ordinal
 * @param vectors N x dim floats, row-major, L2-normalised
 * @param dim embedding dimension
 * @param labelGroups label group per item (items sharing one match each other); null, or null
 *     entries, when unknown
 * @param categories category per item for the per-category table; null or null entries allowed
 * @param imageRefs image path or URI per item, for the report's thumbnails; null allowed
 * @param gallery what the index holds: every image of every item under its Faiss id; null when it
 *     holds the items' own {@code vectors} under their ordinals (one image per item)
 */
public record EvalData(
        String[] itemIds,
        float[] vectors,
        int dim,
        String[] labelGroups,
        String[] categories,
        String[] imageRefs,
        Gallery gallery) {
    /**
     * How far a vector's norm may be from 1 (float rounding of a normalised embedding is ~1e-7).
     */
    private static final double NORM_TOLERANCE = 1e-3;

    public EvalData {
        Objects.requireNonNull(itemIds, "itemIds");
        Objects.requireNonNull(vectors, "vectors");
        if (dim <= 0) {
            throw new EvaluationException("embedding dimension must be > 0, got " + dim);
        }
        int n = itemIds.length;
        if (n == 0) {
            throw new EvaluationException("no items to evaluate: the embeddings table is empty");
        }
        if ((long) n * dim != vectors.length) {
            throw new EvaluationException(
                    "got "
                            + vectors.length
                            + " floats for "
                            + n
                            + " items of dimension "
                            + dim
                            + " (expected "
                            + (long) n * dim
                            + ")");
        }
        requireLength(labelGroups, n, "labelGroups");
        requireLength(categories, n, "categories");
        requireLength(imageRefs, n, "imageRefs");
        requireNormalised(itemIds, vectors, dim);
        byId(itemIds);
        if (gallery != null) {
            if (gallery.vectors().length != (long) gallery.size() * dim) {
                throw new EvaluationException(
                        "the indexed vectors are not of dimension " + dim + " as the items' are");
            }
            gallery.imagesPerItem(n);
        }
    }

    /** One vector per item: the index holds {@code vectors} under the items' ordinals. */
    public EvalData(
            String[] itemIds,
            float[] vectors,
            int dim,
            String[] labelGroups,
            String[] categories,
            String[] imageRefs) {
        this(itemIds, vectors, dim, labelGroups, categories, imageRefs, null);
    }

    /**
     * The same items with their vectors, and the gallery's, mapped by {@code project} (a learned
     * projection) to {@code projectedDim} dimensions, L2-normalised.
     */
    public EvalData projected(UnaryOperator<float[]> project, int projectedDim) {
        return new EvalData(
                itemIds,
                project.apply(vectors),
                projectedDim,
                labelGroups,
                categories,
                imageRefs,
                gallery == null ? null : gallery.withVectors(project.apply(gallery.vectors())));
    }

    /** What the index holds: the gallery, or the items' own vectors under their ordinals. */
    Gallery indexed() {
        return gallery != null ? gallery : Gallery.ofItems(vectors, itemIds.length);
    }

    /** The items at {@code ordinals}, in that order, with their own vectors only (no gallery). */
    EvalData subset(int[] ordinals) {
        String[] ids = new String[ordinals.length];
        String[] groups = labelGroups == null ? null : new String[ordinals.length];
        String[] cats = categories == null ? null : new String[ordinals.length];
        String[] refs = imageRefs == null ? null : new String[ordinals.length];
        float[] v = new float[ordinals.length * dim];
        for (int i = 0; i < ordinals.length; i++) {
            int o = ordinals[i];
            ids[i] = itemIds[o];
            if (groups != null) groups[i] = labelGroups[o];
            if (cats != null) cats[i] = categories[o];
            if (refs != null) refs[i] = imageRefs[o];
            System.arraycopy(vectors, o * dim, v, i * dim, dim);
        }
        return new EvalData(ids, v, dim, groups, cats, refs);
    }

    /** Number of items. */
    public int size() {
        return itemIds.length;
    }

    /** Item id → ordinal. */
    Map<String, Integer> ordinals() {
        return byId(itemIds);
    }

    /** Item id → ordinal; fails on a duplicate id (a labelled pair's item would be ambiguous). */
    private static Map<String, Integer> byId(String[] itemIds) {
        Map<String, Integer> byId = new HashMap<>(itemIds.length * 2);
        for (int i = 0; i < itemIds.length; i++) {
            Objects.requireNonNull(itemIds[i], "item id at ordinal " + i);
            Integer previous = byId.put(itemIds[i], i);
            if (previous != null) {
                throw new EvaluationException(
                        "item id '"
                                + itemIds[i]
                                + "' appears twice (ordinals "
                                + previous
                                + " and "
                                + i
                                + "): evaluate embeddings without duplicate ids");
            }
        }
        return byId;
    }

    /** The category of an item, or null. */
    String category(int ordinal) {
        return categories == null ? null : categories[ordinal];
    }

    /** The image reference of an item, or null. */
    String imageRef(int ordinal) {
        return imageRefs == null ? null : imageRefs[ordinal];
    }

    private static void requireLength(String[] values, int n, String name) {
        if (values != null && values.length != n) {
            throw new EvaluationException(
                    name + " has " + values.length + " entries for " + n + " items");
        }
    }

    private static void requireNormalised(String[] ids, float[] vectors, int dim) {
        for (int i = 0; i < ids.length; i++) {
            double squared = 0;
            for (int j = i * dim; j < (i + 1) * dim; j++) {
                squared += (double) vectors[j] * vectors[j];
            }
            double norm = Math.sqrt(squared);
            if (Math.abs(norm - 1) > NORM_TOLERANCE) {
                throw new EvaluationException(
                        "the embedding of item '"
                                + ids[i]
                                + "' has norm "
                                + norm
                                + ", not 1: evaluate L2-normalised embeddings (as the embed job writes them)");
            }
        }
    }
}
