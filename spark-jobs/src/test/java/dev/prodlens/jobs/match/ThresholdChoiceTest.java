package dev.prodlens.jobs.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.jobs.TestSpark;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The threshold and the groups on listings with a known answer: 40 label groups of three listings
 * whose members score 0.9 with each other and 0.5 with the next group's listings. Every threshold
 * above 0.5 and up to 0.9 predicts exactly the label groups (F1 1.0); the lowest of them, 0.51, is
 * chosen.
 */
class ThresholdChoiceTest {
    private static final int GROUPS = 40;
    private static SparkSession spark;
    private static List<BundleItem> items;
    private static Dataset<Row> neighbours;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("match-threshold");
        items = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        int n = GROUPS * 3;
        for (int i = 0; i < n; i++) {
            items.add(new BundleItem("item-" + i, null, null, null, null, "group-" + i / 3));
            // its two group mates at 0.9, then the next group's three at 0.5
            List<Integer> found = new ArrayList<>();
            List<Float> scores = new ArrayList<>();
            for (int j = i / 3 * 3; j < i / 3 * 3 + 3; j++) {
                if (j == i) continue;
                found.add(j);
                scores.add(0.9f);
            }
            int next = (i / 3 + 1) % GROUPS * 3;
            for (int j = next; j < next + 3; j++) {
                found.add(j);
                scores.add(0.5f);
            }
            rows.add(
                    RowFactory.create(
                            i,
                            found.stream().mapToInt(Integer::intValue).toArray(),
                            toFloats(scores)));
        }
        neighbours = spark.createDataFrame(rows, NeighbourSearch.SCHEMA);
    }

    private static float[] toFloats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }

    private static MatchJob.Threshold threshold(List<BundleItem> listings, Double configured) {
        MatchSettings settings = new MatchSettings(true, 20, configured, 0.5, "unused", 0);
        Broadcast<Labels> labels =
                JavaSparkContext.fromSparkContext(spark.sparkContext())
                        .broadcast(Labels.of(listings, null, settings.tuneShare()));
        return MatchJob.threshold(neighbours, labels, settings);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void theLowestThresholdWithTheBestF1OnTheTuneGroupsIsChosen() {
        MatchJob.Threshold chosen = threshold(items, null);
        assertEquals("chosen", chosen.choice());
        assertEquals(0.51, chosen.value(), 1e-9);
        long tune = chosen.f1().tune().items();
        long heldOut = chosen.f1().heldOut().items();
        assertEquals(GROUPS * 3, tune + heldOut, "every labelled listing on one side");
        assertTrue(tune > 0 && heldOut > 0, "both sides hold groups: " + tune + " / " + heldOut);
        assertEquals(0, tune % 3, "whole groups on each side");
        assertEquals(1.0, chosen.f1().heldOut().f1At(chosen.value()), 1e-9);
        // at 0.5 each listing also predicts the next group's three: F1 = 2·3 / (6 + 3)
        assertEquals(2.0 * 3 / 9, chosen.f1().all(20).f1At(0.5), 1e-9);
        // above 0.9 only the listing itself: F1 = 2·1 / (1 + 3)
        assertEquals(0.5, chosen.f1().all(20).f1At(0.95), 1e-9);
        assertEquals(101, chosen.curve().size());
    }

    @Test
    void withALearnedProjectionTheGroupsItLearnedFromAreLeftOut() {
        BundleManifest.Adapt adapt =
                new BundleManifest.Adapt(
                        "pca-whitening",
                        64,
                        10,
                        "label_group",
                        new BundleManifest.Split(0.2, 0.2, 0, 0, 0),
                        List.of(),
                        null);
        Labels labels = Labels.of(items, adapt, 0.5);
        GroupSplit split = new GroupSplit(0.2, 0.2);
        int tune = 0;
        int heldOut = 0;
        for (int i = 0; i < items.size(); i++) {
            GroupSplit.Part part = split.of(items.get(i).labelGroup());
            Labels.Side expected =
                    switch (part) {
                        case VALIDATION -> Labels.Side.TUNE;
                        case TEST -> Labels.Side.HELD_OUT;
                        case TRAIN -> Labels.Side.NEITHER;
                    };
            assertEquals(expected, labels.sideOf(i), items.get(i).labelGroup());
            if (expected == Labels.Side.TUNE) tune++;
            if (expected == Labels.Side.HELD_OUT) heldOut++;
        }
        MatchSettings settings = new MatchSettings(true, 20, null, 0.5, "unused", 0);
        MatchJob.Threshold chosen =
                MatchJob.threshold(
                        neighbours,
                        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(labels),
                        settings);
        assertEquals(tune, chosen.f1().tune().items());
        assertEquals(heldOut, chosen.f1().heldOut().items());
        assertTrue(tune + heldOut < items.size(), "the training groups count on neither side");
    }

    @Test
    void aConfiguredThresholdIsKeptAndReportedWithItsF1() {
        MatchJob.Threshold configured = threshold(items, 0.95);
        assertEquals("configured", configured.choice());
        assertEquals(0.95, configured.value());
        assertEquals(0.5, configured.f1().all(20).f1At(0.95), 1e-9);
    }

    @Test
    void withoutLabelsTheDefaultIsUsed() {
        List<BundleItem> unlabelled =
                items.stream()
                        .map(i -> new BundleItem(i.id(), null, null, null, null, null))
                        .toList();
        MatchJob.Threshold none = threshold(unlabelled, null);
        assertEquals("default", none.choice());
        assertEquals(MatchSettings.UNLABELLED_THRESHOLD, none.value());
        assertEquals(0, none.f1().tune().items() + none.f1().heldOut().items());
        assertTrue(none.curve().isEmpty());
    }

    @Test
    void predictedPairsJoinListingsIntoConnectedGroups() {
        DuplicateGroups groups = new DuplicateGroups(7);
        groups.join(5, 3);
        groups.join(3, 1);
        groups.join(6, 4);
        assertEquals(1, groups.groupOf(5), "named by the lowest listing");
        assertEquals(1, groups.groupOf(3));
        assertEquals(3, groups.sizeOf(1));
        assertEquals(4, groups.groupOf(6));
        assertEquals(2, groups.sizeOf(4));
        assertEquals(0, groups.groupOf(0));
        assertEquals(1, groups.sizeOf(2));
        groups.join(4, 0); // joins after a question are seen by the next one
        assertEquals(0, groups.groupOf(6));
        assertEquals(3, groups.sizeOf(6));
    }
}
