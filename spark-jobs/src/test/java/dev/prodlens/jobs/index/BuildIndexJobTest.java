package dev.prodlens.jobs.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.eval.SampleCatalogue;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.ReindexJob;
import dev.prodlens.jobs.TestSpark;
import dev.prodlens.jobs.adapt.AdaptJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** build-index and reindex in local mode on a small real catalogue. */
class BuildIndexJobTest {
    private static final int ITEMS = 70;
    @TempDir static Path tmp;
    private static SparkSession spark;
    private static Path csv;

    @BeforeAll
    static void start() {
        spark = TestSpark.local("build-index");
        csv = SampleCatalogue.write(tmp.resolve("catalogue"), ITEMS);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static JobSettings settings(String name, Map<String, String> extra) {
        Map<String, String> overrides =
                new HashMap<>(
                        Map.of(
                                "catalogue.path",
                                csv.toString(),
                                "catalogue.name",
                                name,
                                "jobs.work-dir",
                                tmp.resolve("work").toString(),
                                "bundles.dir",
                                tmp.resolve("bundles").toString()));
        overrides.putAll(extra);
        return TestSpark.jobSettings(overrides);
    }

    @Test
    void reindexPublishesACompleteBundleAndARerunDoesNoModelWork() throws Exception {
        JobSettings settings = settings("flat", Map.of());
        ReindexJob.Result first = ReindexJob.run(spark, settings);
        Path catalogueDir = Path.of(settings.catalogueBundles());
        assertEquals(first.bundle(), Bundles.current(catalogueDir).orElseThrow());
        assertEquals(ITEMS, first.embed().embedded(), "every sample image embeds");

        BundleManifest manifest = Bundles.readManifest(first.bundle());
        assertEquals("Flat", manifest.index().factory());
        assertEquals(ITEMS, manifest.index().ntotal());
        assertEquals(1.0, manifest.index().recall(), 1e-9);
        assertEquals(5, manifest.formatVersion());
        assertEquals(
                new BundleManifest.Vectors(VectorIds.IMAGE_BITS, ITEMS, 1),
                manifest.vectors(),
                "one image per item: as many vectors as items");
        assertEquals(ITEMS, manifest.catalogue().rows());
        assertEquals(ITEMS, manifest.catalogue().indexed());
        List<BundleItem> items = Bundles.readItems(first.bundle());
        assertEquals(ITEMS, items.size());
        for (int i = 1; i < items.size(); i++)
            assertTrue(items.get(i - 1).id().compareTo(items.get(i).id()) < 0, "sorted by id");
        assertTrue(items.get(0).labelGroup() != null && items.get(0).image().endsWith(".jpg"));

        Path report = first.bundle().resolve(BundleFiles.REPORT);
        assertTrue(
                Files.isRegularFile(report.resolve("index.html")),
                "the evaluation report is in the bundle");
        var metrics =
                com.google.gson.JsonParser.parseString(
                                Files.readString(report.resolve("metrics.json")))
                        .getAsJsonObject();
        double exactRecall10 = metrics.getAsJsonObject("exact").get("recall@10").getAsDouble();
        assertTrue(
                exactRecall10 >= 0.8,
                "edited copies of a photo find each other: recall@10 " + exactRecall10);
        assertEquals(
                exactRecall10,
                metrics.getAsJsonObject("ann").get("recall@10").getAsDouble(),
                1e-9,
                "Flat is exact");

        Map<String, float[]> vectors = embeddings(settings);
        try (FaissIndex index = FaissIndex.read(first.bundle().resolve(BundleFiles.INDEX))) {
            for (int i : new int[] {0, 17, ITEMS - 1}) {
                SearchResult r = index.search(vectors.get(items.get(i).id()), 1);
                assertEquals(
                        VectorIds.of(i, 0, VectorIds.IMAGE_BITS),
                        r.id(0, 0),
                        "an item's own vector finds the item's first image");
            }
        }

        ReindexJob.Result again = ReindexJob.run(spark, settings);
        assertEquals(0, again.embed().modelImages(), "an unchanged catalogue does no model work");
        assertNotEquals(first.version(), again.version());
        assertEquals(again.bundle(), Bundles.current(catalogueDir).orElseThrow());
        assertEquals(items, Bundles.readItems(again.bundle()));
    }

    @Test
    void reindexWithAdaptAndTheAdaptCommandLeaveNothingCached() {
        // build-index caches the items' metadata (and their rows while adapt runs) and must
        // release them: a long-lived session would otherwise keep every past build's items
        JobSettings settings = settings("released", Map.of("adapt.method", "auto"));
        spark.catalog().clearCache(); // whatever the other tests left
        ReindexJob.run(spark, settings);
        assertTrue(spark.sharedState().cacheManager().isEmpty(), "cached after reindex");
        assertNotNull(AdaptJob.run(spark, settings).entry(), "the adapt command's choice");
        assertTrue(spark.sharedState().cacheManager().isEmpty(), "cached after adapt");
    }

    @Test
    void invertedListsAreEncodedInShardsMergedAndTunedToTheTarget() {
        JobSettings settings =
                settings(
                        "ivf",
                        Map.of(
                                "index.factory",
                                "IVF8,Flat",
                                "index.target-recall",
                                "0.9",
                                "index.tune-queries",
                                "30"));
        ReindexJob.Result result = ReindexJob.run(spark, settings);
        BundleManifest.Index index = Bundles.readManifest(result.bundle()).index();
        assertEquals(ITEMS, index.ntotal());
        assertTrue(index.recall() >= 0.9, "tuned recall " + index.recall());
        assertTrue(index.searchParameters().matches("nprobe=\\d+"), index.searchParameters());
        int nprobe = index.searchOptions().nprobe();
        assertTrue(nprobe >= 1 && nprobe <= 8, "nprobe " + nprobe);

        Map<String, float[]> vectors = embeddings(settings);
        List<BundleItem> items = Bundles.readItems(result.bundle());
        try (FaissIndex ivf = FaissIndex.read(result.bundle().resolve(BundleFiles.INDEX))) {
            for (int i = 0; i < items.size(); i += 9) {
                SearchResult r =
                        ivf.search(
                                vectors.get(items.get(i).id()),
                                1,
                                SearchOptions.DEFAULT.withNprobe(8));
                assertEquals(
                        VectorIds.of(i, 0, VectorIds.IMAGE_BITS),
                        r.id(0, 0),
                        "every shard's vectors are in the merged index");
            }
        }
    }

    @Test
    void aFailedBuildLeavesTheLiveBundleAndNoStagingBehind() throws Exception {
        JobSettings good = settings("failing", Map.of());
        ReindexJob.Result live = ReindexJob.run(spark, good);
        JobSettings bad = settings("failing", Map.of("index.factory", "NoSuchIndex"));
        JobException e = assertThrows(JobException.class, () -> ReindexJob.run(spark, bad));
        assertTrue(e.getMessage().contains("index.factory"), e.getMessage());
        Path catalogueDir = Path.of(good.catalogueBundles());
        assertEquals(live.bundle(), Bundles.current(catalogueDir).orElseThrow());
        try (var names = Files.list(catalogueDir)) {
            assertFalse(
                    names.anyMatch(
                            p ->
                                    p.getFileName()
                                            .toString()
                                            .startsWith(BundleFiles.STAGING_PREFIX)));
        }
    }

    private static Map<String, float[]> embeddings(JobSettings settings) {
        Map<String, float[]> out = new HashMap<>();
        for (Row r :
                spark.read()
                        .parquet(settings.embeddingsPath())
                        .filter("error_code is null")
                        .collectAsList()) {
            List<Float> v = r.getList(r.fieldIndex("embedding"));
            float[] a = new float[v.size()];
            for (int d = 0; d < a.length; d++) a[d] = v.get(d);
            out.put(r.getString(r.fieldIndex("item_id")), a);
        }
        return out;
    }
}
