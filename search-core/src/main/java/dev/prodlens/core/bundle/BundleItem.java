package dev.prodlens.core.bundle;

import java.util.List;

/**
 * What the search API needs per item, one JSON line each in {@code items.jsonl}; the line number
 * (from 0) is the item's ordinal, and its vectors' ids in {@code index.faiss} are {@link
 * VectorIds#of}(ordinal, image).
 *
 * @param id the catalogue's item id
 * @param image the item's main image (its first): a path relative to the images root when the image
 *     lies under it (format 2 on: the bundle and its images can move together, and readers resolve
 *     it against their own images root, {@code api.images-root}), else the absolute path or URI the
 *     catalogue gave; format 1 bundles hold absolute paths only
 * @param labelGroup the catalogue's label group (matches share one), or null
 * @param images every indexed image of the item, in catalogue order, referenced as {@code image}
 *     is: entry i has the Faiss id {@code VectorIds.of(ordinal, i)}; null before format 5 (one
 *     image each)
 */
public record BundleItem(
        String id,
        String title,
        String category,
        Double price,
        String image,
        String labelGroup,
        List<String> images) {

    /** An item with one image (as formats 1 to 4 wrote every item). */
    public BundleItem(
            String id,
            String title,
            String category,
            Double price,
            String image,
            String labelGroup) {
        this(id, title, category, price, image, labelGroup, null);
    }

    /** Every image of the item, its main one first; one when {@link #images} is absent. */
    public List<String> imageRefs() {
        if (images != null && !images.isEmpty()) return images;
        return image == null ? List.of() : List.of(image);
    }

    /** How many vectors the item has in the index. */
    public int imageCount() {
        return Math.max(1, imageRefs().size());
    }
}
