package dev.prodlens.api.search;

import java.util.Set;

/**
 * What to search for besides the image: how many results, how they are counted, and which items may
 * appear.
 *
 * @param k results wanted
 * @param category only items of this category, or null for all
 * @param priceMin only items with a price ≥ this, or null
 * @param priceMax only items with a price ≤ this, or null
 * @param exclude item ids never returned
 * @param groupBy {@link GroupBy#ITEM}: k distinct items, each at its best-matching image; {@link
 *     GroupBy#IMAGE}: the k nearest images, an item once per matching image
 */
public record SearchQuery(
        int k,
        String category,
        Double priceMin,
        Double priceMax,
        Set<String> exclude,
        GroupBy groupBy) {

    /** How hits are counted toward k. */
    public enum GroupBy {
        ITEM,
        IMAGE
    }

    public SearchQuery {
        exclude = exclude == null ? Set.of() : Set.copyOf(exclude);
        groupBy = groupBy == null ? GroupBy.ITEM : groupBy;
    }

    /** Grouped by item. */
    public SearchQuery(
            int k, String category, Double priceMin, Double priceMax, Set<String> exclude) {
        this(k, category, priceMin, priceMax, exclude, GroupBy.ITEM);
    }

    /** Whether any filter narrows the items. */
    public boolean filters() {
        return category != null || priceMin != null || priceMax != null || !exclude.isEmpty();
    }

    public SearchQuery excluding(String itemId) {
        java.util.Set<String> more = new java.util.HashSet<>(exclude);
        more.add(itemId);
        return new SearchQuery(k, category, priceMin, priceMax, more, groupBy);
    }
}
