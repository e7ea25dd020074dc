package dev.prodlens.jobs.evaluate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Which items are true matches of which: the ground truth of an evaluation, over item ordinals. Two
 * sources, as catalogues come: label groups (Shopee's {@code label_group}: every item of a group
 * matches every other) or explicitly labelled pairs (taken as symmetric). An item never matches
 * itself; an item with at least one match is a query.
 */
public final class Relevance {
    /** Where the ground truth came from; {@link #key} is the value in metrics.json. */
    public enum Kind {
        LABEL_GROUP("label_group"),
        PAIRS("pairs");

        public final String key;

        Kind(String key) {
            this.key = key;
        }
    }

    /** One labelled pair of a pairs file: {@code matchId} is a true match of {@code queryId}. */
    public record Pair(String queryId, String matchId) {}

    private final Kind kind;

    /** Label groups: group number per ordinal (-1: none) and each group's size. */
    private final int[] groupOf;

    private final int[] groupSize;

    /** Pairs: each ordinal's matches, sorted (binary search in {@link #isMatch}). */
    private final int[][] matches;

    private final int pairsTotal;
    private final int pairsIgnored;

    /**
     * What one match counts towards R ({@link #matchCount}): its images, when the ranking is of
     * images ({@link #countingImages}); null: 1 per item.
     */
    private final int[] weight;

    private Relevance(
            Kind kind,
            int[] groupOf,
            int[] groupSize,
            int[][] matches,
            int pairsTotal,
            int pairsIgnored,
            int[] weight) {
        this.kind = kind;
        this.groupOf = groupOf;
        this.groupSize = groupSize;
        this.matches = matches;
        this.pairsTotal = pairsTotal;
        this.pairsIgnored = pairsIgnored;
        this.weight = weight;
    }

    /**
     * The same matches, for rankings of images rather than items: an item's R ({@link #matchCount})
     * is the number of images of its matching items, {@code imagesPerItem} by item ordinal; an
     * image is relevant when its item matches.
     */
    public Relevance countingImages(int[] imagesPerItem) {
        int[] groupImages = null;
        if (kind == Kind.LABEL_GROUP) {
            groupImages = new int[groupSize.length];
            for (int i = 0; i < groupOf.length; i++) {
                if (groupOf[i] >= 0) groupImages[groupOf[i]] += imagesPerItem[i];
            }
        }
        return new Relevance(
                kind,
                groupOf,
                groupImages,
                matches,
                pairsTotal,
                pairsIgnored,
                imagesPerItem.clone());
    }

    /** Items sharing a non-null label group match each other. */
    public static Relevance fromLabelGroups(EvalData data) {
        if (data.labelGroups() == null) {
            throw new EvaluationException(
                    "the data has no label groups: give a label_group column or a pairs file");
        }
        String[] labels = data.labelGroups();
        Map<String, Integer> groupNumber = new HashMap<>();
        int[] groupOf = new int[labels.length];
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == null) {
                groupOf[i] = -1;
                continue;
            }
            int group =
                    groupNumber.computeIfAbsent(
                            labels[i],
                            l -> {
                                sizes.add(0);
                                return sizes.size() - 1;
                            });
            groupOf[i] = group;
            sizes.set(group, sizes.get(group) + 1);
        }
        return new Relevance(
                Kind.LABEL_GROUP,
                groupOf,
                sizes.stream().mapToInt(Integer::intValue).toArray(),
                null,
                0,
                0,
                null);
    }

    /**
     * Labelled pairs, symmetric. A pair naming an id that is not in the data (an item whose image
     * failed to embed, a typo), or an item with itself, is counted in {@link #pairsIgnored()}
     * rather than failing the run: the report says how many.
     */
    public static Relevance fromPairs(EvalData data, List<Pair> pairs) {
        Objects.requireNonNull(pairs, "pairs");
        Map<String, Integer> ordinals = data.ordinals();
        List<List<Integer>> adjacency = new ArrayList<>(data.size());
        for (int i = 0; i < data.size(); i++) {
            adjacency.add(new ArrayList<>(0));
        }
        int ignored = 0;
        for (Pair pair : pairs) {
            Integer query = ordinals.get(pair.queryId());
            Integer match = ordinals.get(pair.matchId());
            if (query == null || match == null || query.equals(match)) {
                ignored++;
                continue;
            }
            adjacency.get(query).add(match);
            adjacency.get(match).add(query);
        }
        int[][] matches = new int[data.size()][];
        for (int i = 0; i < matches.length; i++) {
            matches[i] =
                    adjacency.get(i).stream()
                            .mapToInt(Integer::intValue)
                            .sorted()
                            .distinct()
                            .toArray();
        }
        return new Relevance(Kind.PAIRS, null, null, matches, pairs.size(), ignored, null);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * Number of true matches of an item (R in mAP@R), not counting the item itself; their images
     * when {@link #countingImages}.
     */
    public int matchCount(int ordinal) {
        if (kind == Kind.LABEL_GROUP) {
            return groupOf[ordinal] < 0 ? 0 : groupSize[groupOf[ordinal]] - weightOf(ordinal);
        }
        if (weight == null) return matches[ordinal].length;
        int images = 0;
        for (int match : matches[ordinal]) images += weight[match];
        return images;
    }

    private int weightOf(int ordinal) {
        return weight == null ? 1 : weight[ordinal];
    }

    /** Whether {@code item} is a true match of {@code query} (never of itself). */
    public boolean isMatch(int query, int item) {
        if (query == item) {
            return false;
        }
        if (kind == Kind.LABEL_GROUP) {
            return groupOf[query] >= 0 && groupOf[query] == groupOf[item];
        }
        return Arrays.binarySearch(matches[query], item) >= 0;
    }

    /** Whether the item has at least one true match, and so is a query of the retrieval metrics. */
    public boolean isQuery(int ordinal) {
        return matchCount(ordinal) > 0;
    }

    /** Pairs read (0 for label groups). */
    public int pairsTotal() {
        return pairsTotal;
    }

    /** Pairs skipped: an id not in the data, or an item paired with itself (0 for label groups). */
    public int pairsIgnored() {
        return pairsIgnored;
    }
}
