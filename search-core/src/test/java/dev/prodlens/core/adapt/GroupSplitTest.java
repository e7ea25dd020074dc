package dev.prodlens.core.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
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

    /** The one-hash filter the jobs use keeps exactly what part and rank say, about f of it. */
    @Test
    void keepsIsPartAndRankBelowTheFraction() {
        GroupSplit split = new GroupSplit(0.25, 0.15);
        int kept = 0;
        int inPart = 0;
        for (int g = 0; g < 5_000; g++) {
            String group = "g" + g;
            for (GroupSplit.Part part : GroupSplit.Part.values()) {
                boolean expected = split.of(group) == part && split.rank(group) < 0.3;
                assertEquals(expected, split.keeps(group, part, 0.3), group + " " + part);
                assertEquals(split.of(group) == part, split.keeps(group, part, 1.0), group);
            }
            if (split.of(group) == GroupSplit.Part.VALIDATION) {
                inPart++;
                if (split.keeps(group, GroupSplit.Part.VALIDATION, 0.3)) kept++;
            }
        }
        assertEquals(0.3, kept / (double) inPart, 0.05);
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

    /**
     * scripts/group_split.py, which scripts/finetune.py splits with, puts every group where this
     * class does: the fine-tuned model never learns from a group Java scores.
     */
    @Test
    void thePythonTwinSplitsTheSame() throws Exception {
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < 300; g++) groups.add("label_group " + g);
        groups.addAll(
                List.of("249114794", "Größe 42 – weiß", "商品-7", "emoji 👟", "  padded  ", "a\tb"));
        Scripts.Run run =
                Scripts.run(
                        String.join("\n", groups) + "\n",
                        List.of(Scripts.PYTHON, "scripts/group_split.py"));
        assertEquals(0, run.exit(), run.transcript());

        List<String> expected = new ArrayList<>();
        EnumSet<GroupSplit.Part> seen = EnumSet.noneOf(GroupSplit.Part.class);
        for (String group : groups) {
            GroupSplit.Part part = GroupSplit.DEFAULT.of(group);
            seen.add(part);
            expected.add(group + "\t" + part);
        }
        assertEquals(EnumSet.allOf(GroupSplit.Part.class), seen, "the names reach every part");
        assertEquals(expected, run.out().lines().toList());
    }
}
