package dev.prodlens.jobs.match;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.eval.SampleCatalogue;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.ReindexJob;
import dev.prodlens.jobs.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The match job through reindex on a labelled sample of real photos (each photo and its edited
 * copies one label group; clip-art pairs): the real model, the bundle's real Faiss index searched
 * in the executors.
 */
class MatchJobTest {
    private static final int ITEMS = 60;
    @TempDir static Path tmp;
    private static SparkSession spark;
    private static JobSettings settings;
    private static ReindexJob.Result reindexed;
    private static List<BundleItem> items;

    @BeforeAll
    static void reindex() {
        spark = TestSpark.local("match");
        Path csv = SampleCatalogue.write(tmp.resolve("catalogue"), ITEMS);
        Map<String, String> overrides =
                new HashMap<>(
                        Map.of(
                                "catalogue.path", csv.toString(),
                                "catalogue.name", "sample",
                                "jobs.work-dir", tmp.resolve("work").toString(),
                                "bundles.dir", tmp.resolve("bundles").toString()));
        settings = TestSpark.jobSettings(overrides);
        reindexed = ReindexJob.run(spark, settings);
        items = Bundles.readItems(reindexed.bundle());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static JsonObject summary() throws Exception {
        return JsonParser.parseString(
                        Files.readString(
                                reindexed
                                        .bundle()
                                        .resolve(BundleFiles.DUPLICATES)
                                        .resolve("summary.json")))
                .getAsJsonObject();
    }

    /** F1 of predicting no duplicates at all: each listing alone, over the labelled listings. */
    private static double aloneF1() {
        Map<String, Integer> sizes = new HashMap<>();
        items.forEach(i -> sizes.merge(i.labelGroup(), 1, Integer::sum));
        return items.stream()
                .mapToDouble(i -> 2.0 / (1 + sizes.get(i.labelGroup())))
                .average()
                .orElseThrow();
    }

    @Test
    void listingsOfOneProductArePredictedAndGroupedBetterThanNoMatching() throws Exception {
        JsonObject s = summary();
        assertEquals(ITEMS, s.get("listings").getAsLong());
        assertEquals("chosen", s.get("threshold_choice").getAsString());
        double threshold = s.get("threshold").getAsDouble();
        assertTrue(threshold > 0 && threshold < 1, "threshold " + threshold);
        assertEquals(
                ITEMS, s.get("tune_listings").getAsLong() + s.get("held_out_listings").getAsLong());
        double heldOut = s.get("f1_held_out").getAsDouble();
        double alone = aloneF1();
        assertTrue(
                heldOut > alone + 0.2,
                "held-out Shopee F1 " + heldOut + " vs " + alone + " for predicting no duplicates");
        assertTrue(s.get("groups").getAsLong() > 0);

        String output = s.get("output").getAsString();
        List<Row> listings = spark.read().parquet(output + "/listings.parquet").collectAsList();
        assertEquals(ITEMS, listings.size());
        Map<String, String> labelOf = new HashMap<>();
        items.forEach(i -> labelOf.put(i.id(), i.labelGroup()));
        long predicted = 0;
        long sameLabel = 0;
        for (Row listing : listings) {
            String id = listing.getAs("item_id");
            List<Row> matches = listing.getList(listing.fieldIndex("matches"));
            float previous = Float.MAX_VALUE;
            for (Row m : matches) {
                String other = m.getAs("item_id");
                float score = m.getAs("score");
                assertFalse(other.equals(id), "a listing never matches itself");
                assertTrue(
                        score >= threshold - 1e-6 && score <= previous,
                        "best first, above the threshold");
                previous = score;
                predicted++;
                if (labelOf.get(other).equals(labelOf.get(id))) sameLabel++;
            }
            int size = listing.getAs("group_size");
            assertTrue(
                    size >= 1 + Math.min(1, matches.size()),
                    "a listing with a match is in a group");
        }
        assertEquals(s.get("predicted_pairs").getAsLong(), predicted);
        assertTrue(
                sameLabel >= 0.8 * predicted,
                "predicted duplicates mostly share a label group: "
                        + sameLabel
                        + " of "
                        + predicted);

        List<Row> groups = spark.read().parquet(output + "/groups.parquet").collectAsList();
        assertEquals(s.get("groups").getAsLong(), groups.size());
        long inGroups = groups.stream().mapToLong(g -> g.<Long>getAs("size")).sum();
        assertEquals(s.get("duplicate_listings").getAsLong(), inGroups);
        for (Row g : groups)
            assertEquals((long) g.<Long>getAs("size"), g.getList(g.fieldIndex("item_ids")).size());
    }

    @Test
    void theBundleCarriesTheDuplicatesPageWithThumbnails() throws Exception {
        Path page = reindexed.bundle().resolve(BundleFiles.DUPLICATES);
        String html = Files.readString(page.resolve("index.html"));
        assertTrue(html.contains("Largest groups") && html.contains("Borderline pairs"), html);
        assertTrue(html.contains("held-out groups"), "the F1 table");
        try (Stream<Path> thumbs = Files.list(page.resolve("thumbs"))) {
            assertTrue(thumbs.count() > 4, "thumbnails of the groups and pairs");
        }
        assertFalse(html.contains("class=\"placeholder\""), "every sample image has a thumbnail");
    }
}
