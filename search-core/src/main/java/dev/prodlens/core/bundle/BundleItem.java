package dev.prodlens.core.bundle;

/**
 * What the search API needs per item, one JSON line each in {@code items.jsonl}; the line number
 * (from 0) is the item's id in {@code index.faiss}.
 *
 * @param id         the catalogue's item id
 * @param image      the image path or URI as the catalogue resolved it
 * @param labelGroup the catalogue's label group (matches share one), or null
 */
public record BundleItem(String id, String title, String category, Double price, String image, String labelGroup) {
}
