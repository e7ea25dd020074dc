package dev.prodlens.core.bundle;

/**
 * What the search API needs per item, one JSON line each in {@code items.jsonl}; the line number
 * (from 0) is the item's id in {@code index.faiss}.
 *
 * @param id the catalogue's item id
 * @param image the image: a path relative to the images root when the image lies under it (format 2
 *     on: the bundle and its images can move together, and readers resolve it against their own
 *     images root, {@code api.images-root}), else the absolute path or URI the catalogue gave;
 *     format 1 bundles hold absolute paths only
 * @param labelGroup the catalogue's label group (matches share one), or null
 */
public record BundleItem(
        String id, String title, String category, Double price, String image, String labelGroup) {}
