package dev.prodlens.jobs.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.TestSpark;
import dev.prodlens.jobs.evaluate.Evaluator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapt stage on synthetic groups whose photos differ mostly in directions that say nothing of
 * the product (as lighting and background do): it learns on the train groups, scores on validation,
 * chooses, and keeps the model's vectors when it must, with one line saying why.
 */
class AdaptStageTest {
    private static final int D = 32;
    private static final int SIGNAL = 8;
    private static final CandidateScorer SCORER = new CandidateScorer(Evaluator.Settings.DEFAULTS);
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("adapt-stage");
    }

    /** {@code groups} groups of 2 to 3 items: a product direction plus large nuisance noise. */
    static Dataset<Row> items(int groups, long seed, boolean labelled) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            double[] centre = new double[SIGNAL];
            for (int j = 0; j < SIGNAL; j++) centre[j] = random.nextGaussian();
            int size = 2 + random.nextInt(2);
            for (int k = 0; k < size; k++) {
                double[] v = new double[D];
                for (int j = 0; j < D; j++) {
                    v[j] =
                            j < SIGNAL
                                    ? centre[j] + 0.15 * random.nextGaussian()
                                    : 0.8 * random.nextGaussian();
                }
                double norm = 0;
                for (double x : v) norm += x * x;
                List<Float> embedding = new ArrayList<>();
                for (double x : v) embedding.add((float) (x / Math.sqrt(norm)));
                rows.add(
                        RowFactory.create(
                                "item-" + g + "-" + k,
                                labelled ? "group-" + g : null,
                                embedding,
                                g % 2 == 0 ? "shoes" : "bags"));
            }
        }
        StructType schema =
                new StructType()
                        .add("item_id", DataTypes.StringType, false)
                        .add("label_group", DataTypes.StringType, true)
                        .add("embedding", DataTypes.createArrayType(DataTypes.FloatType), false)
                        .add("category", DataTypes.StringType, true);
        return spark.createDataFrame(rows, schema).repartition(3);
    }

    static AdaptSettings settings(String method, double minGain) {
        return new AdaptSettings(
                method,
                List.of(8, 16),
                "",
                GroupSplit.DEFAULT,
                20,
                minGain,
                0.2,
                50,
                200_000,
                20_000);
    }

    @Test
    void autoLearnsOnTrainChoosesOnValidationAndBeatsTheModelsVectors() {
        AdaptStage.Outcome outcome =
                AdaptStage.run(spark, settings("auto", 0.005), SCORER, items(400, 1, true), D);
        BundleManifest.Adapt entry = outcome.entry();

        // the model's vectors first, then both methods at both dimensions
        assertEquals(5, entry.candidates().size());
        assertEquals(BundleManifest.Adapt.NONE, entry.candidates().get(0).method());
        assertEquals(D, entry.candidates().get(0).dim());
        BundleManifest.Candidate best =
                entry.candidates().stream()
                        .max(java.util.Comparator.comparingDouble(BundleManifest.Candidate::mapR))
                        .orElseThrow();
        assertEquals(best.method(), entry.method());
        assertEquals(best.dim(), entry.dim());
        assertEquals("learned-whitening", entry.method(), entry.toString());
        assertTrue(
                best.mapR() > entry.candidates().get(0).mapR() + 0.1,
                "validation mAP@R " + entry.candidates());
        assertNotNull(outcome.projection());
        assertEquals(entry.dim(), outcome.projection().outputDimension());
        assertEquals("label_group", entry.groups());
        // every group counted in exactly one part, each part far above min-groups
        assertEquals(
                400,
                entry.split().trainGroups()
                        + entry.split().validationGroups()
                        + entry.split().testGroups());
        assertTrue(entry.split().testGroups() > 40, entry.split().toString());
        assertEquals(entry.split().trainGroups(), entry.trainGroups());
        assertNull(entry.note());
    }

    @Test
    void theMetricHeadTrainsWhenNamedFromTheLearnedWhitening() {
        AdaptStage.Outcome outcome =
                AdaptStage.run(spark, settings("metric-head", 0), SCORER, items(200, 7, true), D);
        BundleManifest.Adapt entry = outcome.entry();
        assertEquals(
                List.of("none", "metric-head", "metric-head"),
                entry.candidates().stream().map(BundleManifest.Candidate::method).toList());
        assertEquals("metric-head", entry.method());
        assertEquals("metric-head", outcome.projection().method());
        assertEquals(entry.dim(), outcome.projection().outputDimension());
        assertTrue(
                entry.candidates().get(1).mapR() > entry.candidates().get(0).mapR(),
                entry.candidates().toString());
    }

    @Test
    void theMomentsComeFromAFixedSampleOfWholeTrainGroups() {
        Labelled labelled = Labelled.of(spark, items(400, 8, true), "", null);
        GroupSplit.Part train = GroupSplit.Part.TRAIN;
        double fraction = labelled.census(GroupSplit.DEFAULT).fractionFor(train, 150);
        List<Row> sample = labelled.groupsOf(GroupSplit.DEFAULT, train, fraction).collectAsList();
        List<Row> again = labelled.groupsOf(GroupSplit.DEFAULT, train, fraction).collectAsList();
        assertTrue(sample.size() > 75 && sample.size() < 300, "sample of " + sample.size());
        java.util.Map<String, Long> sizes =
                sample.stream()
                        .collect(
                                java.util.stream.Collectors.groupingBy(
                                        r -> r.getString(0),
                                        java.util.stream.Collectors.counting()));
        for (var e : sizes.entrySet()) {
            assertEquals(GroupSplit.Part.TRAIN, GroupSplit.DEFAULT.of(e.getKey()));
            assertTrue(e.getValue() >= 2, "whole groups of two or three: " + e);
        }
        assertEquals(sample.size(), again.size());
    }

    @Test
    void theIndexedVectorIsTheProjectionTheServiceApplies() {
        Dataset<Row> items = items(60, 2, true);
        AdaptStage.Outcome outcome =
                AdaptStage.run(spark, settings("pca-whitening", 0), SCORER, items, D);
        List<Row> before = items.orderBy("item_id").collectAsList();
        List<Row> after =
                ProjectedItems.of(items, outcome.projection()).orderBy("item_id").collectAsList();
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertEquals(before.get(i).getString(0), after.get(i).getString(0));
            assertEquals(before.get(i).getString(3), after.get(i).getString(3));
            float[] raw = floats(before.get(i).getList(2));
            assertArrayEquals(outcome.projection().apply(raw), floats(after.get(i).getList(2)));
        }
    }

    @Test
    void autoKeepsTheModelsVectorsWhenNothingGainsEnough() {
        AdaptStage.Outcome outcome =
                AdaptStage.run(spark, settings("auto", 1.0), SCORER, items(400, 3, true), D);
        assertEquals(BundleManifest.Adapt.NONE, outcome.entry().method());
        assertEquals(D, outcome.entry().dim());
        assertNull(outcome.projection());
        assertEquals(5, outcome.entry().candidates().size());
        assertTrue(
                outcome.entry().note().startsWith("no projection gained adapt.min-gain"),
                outcome.entry().note());
    }

    @Test
    void aCatalogueTooSmallToSplitSaysSoAndKeepsTheModelsVectors() {
        AdaptStage.Outcome outcome =
                AdaptStage.run(spark, settings("auto", 0.005), SCORER, items(30, 4, true), D);
        assertEquals(BundleManifest.Adapt.NONE, outcome.entry().method());
        assertNull(outcome.projection());
        assertTrue(outcome.entry().note().startsWith("too few groups"), outcome.entry().note());
        assertTrue(outcome.entry().candidates().isEmpty());

        JobException named =
                assertThrows(
                        JobException.class,
                        () ->
                                AdaptStage.run(
                                        spark,
                                        settings("learned-whitening", 0),
                                        SCORER,
                                        items(30, 4, true),
                                        D));
        assertTrue(
                named.getMessage().contains("adapt.method = learned-whitening needs groups"),
                named.getMessage());
        assertTrue(!named.getMessage().contains("\n"));
    }

    @Test
    void withoutLabelsPcaWhiteningStillLearnsFromEveryItem() {
        Dataset<Row> unlabelled = items(100, 5, false);
        AdaptStage.Outcome auto =
                AdaptStage.run(spark, settings("auto", 0.005), SCORER, unlabelled, D);
        assertNull(auto.projection());
        assertTrue(auto.entry().note().contains("kept the model's vectors"), auto.entry().note());

        AdaptStage.Outcome pca =
                AdaptStage.run(spark, settings("pca-whitening", 0.005), SCORER, unlabelled, D);
        assertEquals("pca-whitening", pca.entry().method());
        assertEquals(16, pca.entry().dim());
        assertEquals(16, pca.projection().outputDimension());
        assertEquals(0, pca.entry().trainGroups());
    }

    @Test
    void pairsNameTheGroupsByTheirConnectedComponents(@TempDir Path dir) throws Exception {
        // the same items, unlabelled, with the groups given as chains of pairs a-b, b-c
        Dataset<Row> items = items(400, 6, false);
        StringBuilder csv = new StringBuilder("query_id,match_id\n");
        for (Row r : items.select("item_id").collectAsList()) {
            String id = r.getString(0);
            int k = Integer.parseInt(id.substring(id.lastIndexOf('-') + 1));
            if (k > 0)
                csv.append(id.substring(0, id.lastIndexOf('-') + 1))
                        .append(k - 1)
                        .append(',')
                        .append(id)
                        .append('\n');
        }
        Path pairs = Files.writeString(dir.resolve("pairs.csv"), csv);
        AdaptSettings s =
                new AdaptSettings(
                        "learned-whitening",
                        List.of(16),
                        pairs.toString(),
                        GroupSplit.DEFAULT,
                        20,
                        0,
                        0.2,
                        50,
                        200_000,
                        20_000);
        AdaptStage.Outcome outcome = AdaptStage.run(spark, s, SCORER, items, D);
        assertEquals("pairs:" + pairs, outcome.entry().groups());
        assertEquals("learned-whitening", outcome.entry().method());
        assertEquals(
                400,
                outcome.entry().split().trainGroups()
                        + outcome.entry().split().validationGroups()
                        + outcome.entry().split().testGroups());
        assertTrue(
                outcome.entry().candidates().get(1).mapR()
                        > outcome.entry().candidates().get(0).mapR());
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }
}
