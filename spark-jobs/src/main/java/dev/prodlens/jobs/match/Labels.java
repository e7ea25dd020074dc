package dev.prodlens.jobs.match;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The listings' label groups as the executors judge predictions by: a group number per listing
 * ordinal (-1 for none), each group's size, and its side: the groups the threshold is chosen on,
 * the held-out groups it is reported on, or neither. Sides are whole groups, by a hash of the name
 * ({@link GroupSplit}). A few bytes per listing, broadcast.
 */
record Labels(int[] groupOf, int[] groupSize, Side[] sides) implements Serializable {

    /** Which F1 a group's listings count in. */
    enum Side {
        TUNE,
        HELD_OUT,
        /** A group the bundle's projection learned from: neither side (its scores flatter). */
        NEITHER
    }

    /**
     * The sides: with a learned projection, the adapt stage's own split (choose on its validation
     * groups, report on its test groups, leave out the groups it learned from); otherwise {@code
     * tuneShare} of the groups to choose on and the rest held out.
     */
    static Labels of(List<BundleItem> items, BundleManifest.Adapt adapt, double tuneShare) {
        if (byAdaptSplit(adapt)) {
            GroupSplit split =
                    new GroupSplit(adapt.split().validationShare(), adapt.split().testShare());
            return of(
                    items,
                    group ->
                            switch (split.of(group)) {
                                case VALIDATION -> Side.TUNE;
                                case TEST -> Side.HELD_OUT;
                                case TRAIN -> Side.NEITHER;
                            });
        }
        GroupSplit split = new GroupSplit(0, 1 - tuneShare);
        return of(
                items,
                group -> split.of(group) == GroupSplit.Part.TEST ? Side.HELD_OUT : Side.TUNE);
    }

    /** Whether {@link #of} takes the adapt stage's split. */
    static boolean byAdaptSplit(BundleManifest.Adapt adapt) {
        return adapt != null && adapt.projected() && adapt.split() != null;
    }

    private static Labels of(
            List<BundleItem> items, java.util.function.Function<String, Side> sideOf) {
        Map<String, Integer> numbers = new HashMap<>();
        List<Integer> sizes = new ArrayList<>();
        List<Side> sides = new ArrayList<>();
        int[] groupOf = new int[items.size()];
        for (int i = 0; i < items.size(); i++) {
            String label = items.get(i).labelGroup();
            if (label == null) {
                groupOf[i] = -1;
                continue;
            }
            int group =
                    numbers.computeIfAbsent(
                            label,
                            l -> {
                                sizes.add(0);
                                sides.add(sideOf.apply(l));
                                return sizes.size() - 1;
                            });
            groupOf[i] = group;
            sizes.set(group, sizes.get(group) + 1);
        }
        return new Labels(
                groupOf,
                sizes.stream().mapToInt(Integer::intValue).toArray(),
                sides.toArray(Side[]::new));
    }

    boolean labelled(int listing) {
        return groupOf[listing] >= 0;
    }

    boolean sameGroup(int a, int b) {
        return groupOf[a] >= 0 && groupOf[a] == groupOf[b];
    }

    int groupSizeOf(int listing) {
        return groupSize[groupOf[listing]];
    }

    Side sideOf(int listing) {
        return sides[groupOf[listing]];
    }
}
