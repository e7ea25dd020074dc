package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.live.LocalUpdateLog;
import dev.prodlens.core.live.Update;
import dev.prodlens.core.live.UpdateCodec;
import dev.prodlens.core.live.UpdateLogs;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * reindex folds the update log (issue 17) into the bundle it publishes: the log is read while a
 * {@link LocalUpdateLog} still holds it open (as the API does), upserts add or replace items,
 * metadata changes merge into the catalogue's row, deletes remove items, the log wins over the
 * catalogue export for every item it touched, and the manifest records the last position folded.
 */
class LiveFoldReindexTest {
    @TempDir static Path tmp;
    private static SparkSession spark;
    private static ReindexJob.Result result;
    private static Path updates;
    private static Path shop;
    private static Map<String, BundleItem> items;
    private static BundleManifest manifest;

    /** Content-addressed under the images root, as the service stores an upserted image. */
    private static String storeLiveImage(Path photo) throws IOException {
        byte[] bytes = Files.readAllBytes(photo);
        String sha = sha256(bytes);
        String ref = "live-images/" + sha.substring(0, 2) + "/" + sha + ".jpg";
        Files.createDirectories(shop.resolve(ref).getParent());
        Files.write(shop.resolve(ref), bytes);
        return ref;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] upsert(String id, Map<String, String> fields, Path photo, ModelCard card)
            throws IOException {
        String ref = storeLiveImage(photo);
        float[] vector = new float[card.dim()];
        vector[id.length() % card.dim()] = 1f;
        return UpdateCodec.encode(
                new Update.Upsert(
                        id,
                        fields,
                        ref,
                        sha256(Files.readAllBytes(shop.resolve(ref))),
                        card.fingerprint(),
                        vector));
    }

    private static byte[] change(String id, Map<String, String> fields) {
        return UpdateCodec.encode(new Update.MetadataChange(id, fields));
    }

    private static byte[] delete(String id) {
        return UpdateCodec.encode(new Update.Delete(id));
    }

    @BeforeAll
    static void reindex() throws IOException {
        spark = TestSpark.local("live-fold");
        shop = Files.createDirectories(tmp.resolve("shop"));
        Path catalogue = TestCatalogue.write(shop, 5, false); // item-00 .. item-04
        updates = tmp.resolve("updates");
        JobSettings settings =
                TestSpark.jobSettings(
                        Map.of(
                                "catalogue.path",
                                catalogue.toString(),
                                "catalogue.images-root",
                                shop.toString(),
                                "catalogue.name",
                                "shop",
                                "jobs.work-dir",
                                tmp.resolve("work").toString(),
                                "bundles.dir",
                                tmp.resolve("bundles").toString(),
                                "live.log",
                                "local",
                                "live.dir",
                                updates.toString()));
        ModelCard card =
                ModelCard.read(EmbedderConfig.fromResolved(settings.embedderSettings()).modelDir());
        List<Path> photos = OfflineImages.photos();
        // the service's log, open (and locked) for the whole reindex
        try (LocalUpdateLog log =
                new LocalUpdateLog(updates, 1 << 20, UpdateLogs.MAX_RECORD_BYTES)) {
            log.appendAll(
                    List.of(
                            // 0: a new item
                            upsert(
                                    "new-1",
                                    Map.of(
                                            "title", "new one",
                                            "category", "shoes",
                                            "price", "9.5",
                                            "label_group", "group-new",
                                            "colour", "red"),
                                    photos.get(5),
                                    card),
                            // 1: a catalogue item's title changed, its label group cleared
                            change("item-01", Map.of("title", "renamed", "label_group", "")),
                            // 2: a catalogue item deleted: it stays deleted though the export has
                            // it
                            delete("item-02"),
                            // 3, 4: upserted, then deleted
                            upsert("tmp-1", Map.of("title", "short-lived"), photos.get(6), card),
                            delete("tmp-1"),
                            // 5, 6: a catalogue item deleted, then upserted again
                            delete("item-03"),
                            upsert("item-03", Map.of("title", "back"), photos.get(7), card),
                            // 7: an upsert overrides the export's row
                            upsert(
                                    "item-04",
                                    Map.of("title", "from the log", "category", "hats"),
                                    photos.get(4),
                                    card),
                            // 8: a change merges into an upsert of the log
                            change("new-1", Map.of("price", "11")),
                            // 9: a change to an item that exists nowhere changes nothing
                            change("ghost", Map.of("title", "boo"))));
            assertEquals(10, log.end());

            result = ReindexJob.run(spark, settings);

            // the service went on appending meanwhile: its log is untouched and still its own
            assertEquals(10, log.append(delete("item-00")));
        }
        items =
                Bundles.readItems(result.bundle()).stream()
                        .collect(
                                Collectors.toMap(
                                        BundleItem::id,
                                        Function.identity(),
                                        (a, b) -> a,
                                        TreeMap::new));
        manifest = Bundles.readManifest(result.bundle());
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void theBundleHoldsTheCatalogueWithTheLogFoldedIn() {
        assertEquals(
                List.of("item-00", "item-01", "item-03", "item-04", "new-1"),
                List.copyOf(items.keySet()));
        assertEquals(5, manifest.index().ntotal());
    }

    @Test
    void anUntouchedItemIsTheExportsRow() {
        BundleItem item = items.get("item-00");
        assertEquals("photo 0", item.title());
        assertEquals("group-0", item.labelGroup());
        assertTrue(item.image().startsWith("images/photo-00-"), item.image());
    }

    @Test
    void aMetadataChangeMergesIntoTheCatalogueRowAndAnEmptyValueClears() {
        BundleItem item = items.get("item-01");
        assertEquals("renamed", item.title());
        assertEquals(null, item.labelGroup());
        assertTrue(item.image().startsWith("images/photo-01-"), item.image());
    }

    @Test
    void anUpsertAddsAnItemWithItsImageUnderTheRootAndLaterChangesMergeIntoIt() {
        BundleItem item = items.get("new-1");
        assertEquals(
                new BundleItem(
                        "new-1",
                        "new one",
                        "shoes",
                        11.0,
                        item.image(),
                        "group-new",
                        List.of(item.image())),
                item,
                "an upsert is one image");
        assertTrue(item.image().startsWith("live-images/"), item.image());
        assertTrue(Files.isRegularFile(shop.resolve(item.image())), item.image());
    }

    @Test
    void theLogWinsOverTheExport() {
        // deleted in the log, present in the export: stays deleted
        assertTrue(!items.containsKey("item-02"));
        // upserted in the log: the log's row, whole (no export field survives)
        BundleItem overridden = items.get("item-04");
        assertEquals("from the log", overridden.title());
        assertEquals("hats", overridden.category());
        assertEquals(null, overridden.labelGroup());
        assertTrue(overridden.image().startsWith("live-images/"), overridden.image());
        // deleted, then upserted again
        BundleItem back = items.get("item-03");
        assertEquals("back", back.title());
        assertTrue(back.image().startsWith("live-images/"), back.image());
        // upserted, then deleted
        assertTrue(!items.containsKey("tmp-1"));
        assertTrue(!items.containsKey("ghost"));
    }

    @Test
    void theManifestRecordsTheLogAndTheLastPositionFolded() {
        assertEquals(new BundleManifest.Live("local:" + updates, 9), manifest.live());
        assertEquals(9, manifest.logPosition());
    }
}
