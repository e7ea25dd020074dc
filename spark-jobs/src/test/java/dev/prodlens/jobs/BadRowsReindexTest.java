package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.jobs.catalogue.ImageRefs;
import dev.prodlens.testkit.HostileImages;
import dev.prodlens.testkit.OfflineImages;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A catalogue with every kind of bad row, and issue 15's hostile images, goes through reindex: each
 * bad row is recorded with its code and one-line message, the rest is published (the bombs the
 * decode budget admits at reduced scale), and the bundle moves with its images.
 */
class BadRowsReindexTest {
    private static final String SECRET = "TOP-SECRET first line of a file outside the images root";

    @TempDir static Path tmp;
    private static SparkSession spark;
    private static JobSettings settings;
    private static ReindexJob.Result result;
    private static Path images;

    /**
     * Rows of the embeddings table: by item id, or by the image named in the message for rows
     * without an id.
     */
    private static final Map<String, Row> outcome = new TreeMap<>();

    @BeforeAll
    static void reindex() throws IOException {
        spark = TestSpark.local("bad-rows");
        Path shop = Files.createDirectories(tmp.resolve("shop"));
        images = Files.createDirectories(shop.resolve("images"));
        List<Path> photos = OfflineImages.photos();
        String[] names = {"a.jpg", "b.jpg", "e.jpg", "z.jpg", "c.jpg"};
        for (int i = 0; i < names.length; i++) Files.copy(photos.get(i), images.resolve(names[i]));
        Files.write(
                images.resolve("corrupt.jpg"),
                new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3});
        // issue 15's hostile corpus: decoded at reduced scale, or that row's error; never the job's
        // end
        Files.write(images.resolve("bomb.webp"), HostileImages.losslessWebp(7000));
        Files.write(images.resolve("bomb.png"), HostileImages.pngBomb(7000));
        Files.write(images.resolve("hidden-scans.jpg"), HostileImages.hiddenScansJpeg(1000));
        Files.write(images.resolve("heavy.jpg"), HostileImages.heavyProgressiveJpeg(7000, 99));
        Path secret = Files.writeString(shop.resolve("secret.txt"), SECRET + "\nsecond line\n");
        ByteArrayOutputStream csv = new ByteArrayOutputStream();
        csv.writeBytes(
                ("posting_id,image,title,price\n"
                                + "g1,a.jpg,good,12.50\n"
                                + "g2,b.jpg,bad price,twelve\n")
                        .getBytes(StandardCharsets.UTF_8));
        csv.writeBytes(
                "g3,e.jpg,Caf\u00e9 au lait,3\n"
                        .getBytes(StandardCharsets.ISO_8859_1)); // one Latin-1 row
        csv.writeBytes(
                ("dup,z.jpg,first dup,1\n"
                                + ",a.jpg,empty id,1\n"
                                + "\"   \",b.jpg,blank id,1\n"
                                + "noimg,,no image,1\n"
                                + "escape,../secret.txt,climbs out,1\n"
                                + "outside,"
                                + secret
                                + ",absolute path outside the root,1\n"
                                + "corrupt,corrupt.jpg,broken,1\n"
                                + "missing,nope.jpg,no such file,1\n"
                                + "dup,c.jpg,second dup,2\n"
                                + "webp-bomb,bomb.webp,7000x7000 lossless WebP,1\n"
                                + "png-bomb,bomb.png,7000x7000 PNG,1\n"
                                + "hidden-scans,hidden-scans.jpg,1000 scans behind FF E0 00 00,1\n"
                                + "heavy-jpeg,heavy.jpg,7000x7000 progressive JPEG of 99 scans,1\n")
                        .getBytes(StandardCharsets.UTF_8));
        Path catalogue = Files.write(shop.resolve("catalogue.csv"), csv.toByteArray());
        settings =
                TestSpark.jobSettings(
                        Map.of(
                                "catalogue.path",
                                catalogue.toString(),
                                "catalogue.images-root",
                                images.toString(),
                                "catalogue.name",
                                "shop",
                                "jobs.work-dir",
                                tmp.resolve("work").toString(),
                                "bundles.dir",
                                tmp.resolve("bundles").toString()));

        result = ReindexJob.run(spark, settings);

        for (Row r : spark.read().parquet(settings.embeddingsPath()).collectAsList()) {
            String id = r.getAs("item_id");
            String key = id != null ? id : "no id: " + r.getAs("error");
            outcome.merge(
                    r.isNullAt(r.fieldIndex("error_code")) ? key : key + "!",
                    r,
                    (x, y) -> {
                        throw new AssertionError("two rows for " + key);
                    });
        }
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static String code(String key) {
        return outcome.get(key).getAs("error_code");
    }

    private static String error(String key) {
        return outcome.get(key).getAs("error");
    }

    @Test
    void theSummaryCountsEveryOutcome() {
        assertEquals(16, result.embed().rows());
        assertEquals(6, result.embed().embedded());
        assertEquals(
                new TreeMap<>(
                        Map.of(
                                "CORRUPT",
                                2L,
                                "DUPLICATE_ID",
                                1L,
                                "IMAGE_OUTSIDE_ROOT",
                                1L,
                                "MISSING_FILE",
                                1L,
                                "MISSING_ID",
                                2L,
                                "MISSING_IMAGE",
                                1L,
                                "OVER_BUDGET",
                                1L,
                                "UNSUPPORTED_FORMAT",
                                1L)),
                new TreeMap<>(result.embed().failedByCode()));
        assertEquals(Map.of("INVALID_PRICE", 1L, "NOT_UTF8", 1L), result.embed().warnedByCode());
        BundleManifest.Catalogue catalogue = Bundles.readManifest(result.bundle()).catalogue();
        assertEquals(result.embed().failedByCode(), catalogue.failed());
        assertEquals(result.embed().warnedByCode(), catalogue.warned());
        assertEquals(6, catalogue.indexed());
    }

    @Test
    void theGoodRowsArePublishedWithTheirWarnings() {
        List<BundleItem> items = Bundles.readItems(result.bundle());
        assertEquals(
                List.of("dup", "g1", "g2", "g3", "png-bomb", "webp-bomb"),
                items.stream().map(BundleItem::id).toList());
        assertEquals(12.5, items.get(1).price(), 1e-9);
        assertNull(items.get(2).price(), "a price that is not a number: indexed without one");
        assertEquals("Caf\uFFFD au lait", items.get(3).title(), "Latin-1 text: indexed as read");

        Row g2 = outcome.get("g2");
        assertNotNull(g2.getAs("embedding"));
        assertEquals("INVALID_PRICE", g2.getAs("warning_code"));
        assertEquals(
                "price 'twelve' (price) is not a plain non-negative number; the item is indexed without a price: write "
                        + "prices as numbers such as 12.50",
                g2.getAs("warning"));
        Row g3 = outcome.get("g3");
        assertNotNull(g3.getAs("embedding"));
        assertEquals("NOT_UTF8", g3.getAs("warning_code"));
        String g3warning = g3.getAs("warning");
        assertTrue(g3warning.startsWith("title of this row is not UTF-8 text"), g3warning);
        assertNull(outcome.get("g1").getAs("warning_code"));
    }

    @Test
    void theFirstRowOfADuplicateIdInFileOrderWins() {
        BundleItem dup = Bundles.readItems(result.bundle()).get(0);
        assertEquals("first dup", dup.title());
        assertEquals("z.jpg", dup.image(), "the first row's image, though c.jpg sorts before it");
        assertEquals("DUPLICATE_ID", code("dup!"));
        assertEquals(
                "item id 'dup' is on an earlier row too, which is kept (image 'z.jpg' in catalogue.csv); this row "
                        + "(image 'c.jpg') is skipped: make ids unique",
                error("dup!"));
    }

    @Test
    void eachBadRowHasItsCodeAndOneLineMessage() {
        assertEquals(
                "MISSING_ID",
                code(
                        "no id: a row of catalogue.csv has no item id (posting_id is empty; its image: 'a.jpg'): "
                                + "give every row a unique id!"));
        assertEquals(
                "MISSING_ID",
                code(
                        "no id: a row of catalogue.csv has no item id (posting_id is empty; its image: 'b.jpg'): "
                                + "give every row a unique id!"),
                "a blank id is no id");
        assertEquals("MISSING_IMAGE", code("noimg!"));
        assertEquals(
                "item 'noimg' has no image (image is empty): give every row an image path",
                error("noimg!"));
        assertEquals("IMAGE_OUTSIDE_ROOT", code("escape!"));
        assertEquals(
                "item 'escape''s image '../secret.txt' climbs out of the images root with '..'; it was not read: give a path "
                        + "under catalogue.images-root, or an absolute path",
                error("escape!"));
        assertEquals("UNSUPPORTED_FORMAT", code("outside!"));
        assertTrue(
                error("outside!")
                        .endsWith(
                                "secret.txt is not JPEG, PNG, WebP, GIF or BMP; convert it, or fix the catalogue's "
                                        + "image reference"),
                error("outside!"));
        assertEquals("CORRUPT", code("corrupt!"));
        assertEquals("CORRUPT", code("hidden-scans!"));
        assertTrue(
                error("hidden-scans!").contains("marker FFE0 with a segment length of 0"),
                error("hidden-scans!"));
        assertEquals("OVER_BUDGET", code("heavy-jpeg!"));
        assertTrue(
                error("heavy-jpeg!").contains("7000x7000 progressive JPEG, 99 scans"),
                error("heavy-jpeg!"));
        assertNotNull(
                outcome.get("webp-bomb").getAs("embedding"),
                "a 7000x7000 lossless WebP is embedded at reduced scale");
        assertNotNull(outcome.get("png-bomb").getAs("embedding"));
        assertEquals("MISSING_FILE", code("missing!"));
        assertTrue(
                error("missing!").startsWith("cannot read image " + images.resolve("nope.jpg")),
                error("missing!"));
        for (Row r : outcome.values()) {
            for (String column : new String[] {"error", "warning"}) {
                String message = r.getAs(column);
                if (message == null) continue;
                assertEquals(1, message.lines().count(), message);
                assertFalse(
                        message.contains("TOP-SECRET") || message.contains("second line"),
                        "never a file's content: " + message);
            }
        }
    }

    @Test
    void theBundleMovesWithItsImages() throws IOException {
        List<BundleItem> items = Bundles.readItems(result.bundle());
        for (BundleItem item : items)
            assertFalse(
                    item.image().contains(tmp.toString()),
                    "relative to the images root: " + item.image());
        assertEquals(
                BundleManifest.FORMAT_VERSION,
                Bundles.readManifest(result.bundle()).formatVersion());
        assertEquals(
                images.toString(), Bundles.readManifest(result.bundle()).catalogue().imagesRoot());

        // a copied install: the bundle and the images root copied elsewhere, resolved against the
        // new root
        Path moved = Files.createDirectories(tmp.resolve("moved"));
        Path movedImages = Files.createDirectories(moved.resolve("images"));
        Path movedBundle =
                Files.createDirectories(moved.resolve("bundles/shop").resolve(result.version()));
        try (var files = Files.list(result.bundle())) {
            for (Path f : files.filter(Files::isRegularFile).toList())
                Files.copy(f, movedBundle.resolve(f.getFileName()));
        }
        try (var files = Files.list(images)) {
            for (Path f : files.toList()) Files.copy(f, movedImages.resolve(f.getFileName()));
        }
        List<BundleItem> copied = Bundles.readItems(movedBundle);
        assertEquals(items, copied);
        for (BundleItem item : copied) {
            String file = ImageRefs.resolve(movedImages.toString(), item.image());
            assertTrue(file.startsWith(movedImages + "/"), file);
            assertArrayEquals(
                    Files.readAllBytes(images.resolve(item.image())),
                    Files.readAllBytes(Path.of(file)),
                    item.id());
        }
    }

    @Test
    void badIndexSettingsFailBeforeAnythingIsEmbedded() {
        JobSettings bogus =
                TestSpark.jobSettings(
                        Map.of(
                                "catalogue.path",
                                settings.cataloguePath(),
                                "catalogue.name",
                                "bogus",
                                "jobs.work-dir",
                                tmp.resolve("bogus-work").toString(),
                                "bundles.dir",
                                tmp.resolve("bogus-bundles").toString(),
                                "index.factory",
                                "Bogus"));
        JobException e = assertThrows(JobException.class, () -> ReindexJob.run(spark, bogus));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "index.factory = 'Bogus' is not one this job can build and tune"),
                e.getMessage());
        assertFalse(Files.exists(Path.of(bogus.embeddingsPath())), "no embeddings written");
        assertFalse(Files.exists(tmp.resolve("bogus-bundles")), "no bundle directory made");
    }
}
