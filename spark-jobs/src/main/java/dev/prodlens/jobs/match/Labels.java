package dev.prodlens.jobs.match;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.bundle.BundleItem;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The listings' label groups as the executors judge predictions by: a group number per listing
 * ordinal (-1 for none), each group's size, and whether the group is held out (never tuned on) or
 * among those the threshold is chosen on ({@link GroupSplit}: whole groups, by a hash of the name).
 * A few bytes per listing, broadcast.
 */
record Labels(int[] groupOf, int[] groupSize, boolean[] heldOut) implements Serializable {

    static Labels of(List<BundleItem> items, double tuneShare) {
        GroupSplit split = new GroupSplit(0, 1 - tuneShare);
        Map<String, Integer> numbers = new HashMap<>();
        List<Integer> sizes = new ArrayList<>();
        List<Boolean> heldOut = new ArrayList<>();
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
                                heldOut.add(split.of(l) == GroupSplit.Part.TEST);
                                return sizes.size() - 1;
                            });
            groupOf[i] = group;
            sizes.set(group, sizes.get(group) + 1);
        }
        boolean[] held = new boolean[heldOut.size()];
        for (int g = 0; g < held.length; g++) held[g] = heldOut.get(g);
        return new Labels(groupOf, sizes.stream().mapToInt(Integer::intValue).toArray(), held);
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

    boolean heldOut(int listing) {
        return heldOut[groupOf[listing]];
    }
}
