package dev.prodlens.api.search;

/**
 * One result: the catalogue item's fields, its score, and which of its images matched (the API adds
 * the routes of its images, which this layer does not know).
 *
 * @param matchedImage the index of the item's image that scored best ({@code
 *     BundleItem.imageRefs()})
 * @param images how many images the item has
 */
public record SearchHit(
        String id,
        float score,
        String title,
        String category,
        Double price,
        int matchedImage,
        int images) {}
