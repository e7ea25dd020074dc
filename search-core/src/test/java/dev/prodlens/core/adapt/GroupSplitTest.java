package dev.prodlens.core.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Groups split whole, the same way everywhere, in about the shares asked for. */
class GroupSplitTest {
    @Test
    void eachGroupHasOnePartTheSameOnEveryCall() {
        GroupSplit split = GroupSplit.DEFAULT;
        Map<GroupSplit.Part, Integer> counts = new EnumMap<>(GroupSplit.Part.class);
        int n = 20_000;
        for (int g = 0; g < n; g++) {
            String group = "label_group " + g;
            GroupSplit.Part part = split.of(group);
            assertEquals(part, split.of(new String(group.toCharArray())), group);
            counts.merge(part, 1, Integer::sum);
        }
        assertEquals(0.6, counts.get(GroupSplit.Part.TRAIN) / (double) n, 0.015);
        assertEquals(0.2, counts.get(GroupSplit.Part.VALIDATION) / (double) n, 0.015);
        assertEquals(0.2, counts.get(GroupSplit.Part.TEST) / (double) n, 0.015);
    }

    @Test
    void theHashIsFixedSoAnotherMachineSplitsTheSame() {
        // SHA-256 of the UTF-8 name, first 53 bits: a value any implementation reproduces
        assertEquals(GroupSplit.Part.TEST, new GroupSplit(0.0, 0.999).of("anything"));
        double u = GroupSplit.unit("249114794");
        assertEquals(u, GroupSplit.unit("249114794"));
        assertEquals(true, u >= 0 && u < 1);
        assertThrows(IllegalArgumentException.class, () -> new GroupSplit(0.5, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new GroupSplit(0.1, 0));
    }
}
