package dev.prodlens.jobs.match;

/**
 * The connected groups of the predicted duplicate pairs: listings joined by a chain of matches are
 * one group (union-find with path halving and union by size; near-linear in pairs). A listing
 * without a match is a group of one.
 */
final class DuplicateGroups {
    private final int[] parent;
    private final int[] size;

    DuplicateGroups(int listings) {
        parent = new int[listings];
        size = new int[listings];
        for (int i = 0; i < listings; i++) {
            parent[i] = i;
            size[i] = 1;
        }
    }

    /** Puts listings {@code a} and {@code b} in one group. */
    void join(int a, int b) {
        int ra = root(a);
        int rb = root(b);
        if (ra == rb) return;
        if (size[ra] < size[rb]) {
            int t = ra;
            ra = rb;
            rb = t;
        }
        parent[rb] = ra;
        size[ra] += size[rb];
        lowest = null;
    }

    /**
     * The group of a listing, named by its lowest ordinal (the same group gets the same name
     * whichever order the pairs came in).
     */
    int groupOf(int listing) {
        return lowest()[root(listing)];
    }

    /** The number of listings in the listing's group. */
    int sizeOf(int listing) {
        return size[root(listing)];
    }

    private int[] lowest;

    private int[] lowest() {
        if (lowest == null) {
            lowest = new int[parent.length];
            java.util.Arrays.fill(lowest, Integer.MAX_VALUE);
            for (int i = 0; i < parent.length; i++) {
                int r = root(i);
                lowest[r] = Math.min(lowest[r], i);
            }
        }
        return lowest;
    }

    private int root(int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }
}
