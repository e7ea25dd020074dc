package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.SearchResult;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Items with several images (issue 21), in each catalogue format, through reindex: every image is
 * embedded and indexed under its item's ordinal, a bad image leaves its item with the good ones,
 * images past {@code catalogue.max-images} and a later row of an id are refused, and a hit names
 * its item and image.
 */
class MultiImageReindexTest {
    /** The catalogue, by item: its images (null: none at all) and label group, in file order. */
    private static final List<Object[]> ROWS =
            List.of(
                    new Object[] {"m1", List.of("p0.jpg", "p1.jpg", "p2.jpg"), "g1"},
                    // the middle image does not decode: the item keeps the other two
                    new Object[] {"m2", List.of("p3.jpg", "corrupt.jpg", "p4.jpg"), "g1"},
                    new Object[] {"m3", List.of("p5.jpg"), "g2"},
                    // one image past catalogue.max-images = 3
                    new Object[] {"m4", List.of("p6.jpg", "p7.jpg", "p8.jpg", "p9.jpg"), "g2"},
                    // a later row of m1: every image of it is refused
                    new Object[] {"m1", List.of("p10.jpg", "p11.jpg"), "g1"},
                    new Object[] {"m5", List.of(), "g2"});

    private static final int MAX_IMAGES = 3;

    @TempDir static Path tmp;
    private static SparkSession spark;
    private static Path images;

    @BeforeAll
    static void start() throws IOException {
        spark = TestSpark.local("multi-image");
        images = Files.createDirectories(tmp.resolve("images"));
        List<Path> photos = OfflineImages.photos();
        for (int i = 0; i < 12; i++) Files.copy(photos.get(i), images.resolve("p" + i + ".jpg"));
        Files.write(
                images.resolve("corrupt.jpg"),
                new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3});
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void csvWithSeparatedImages() throws IOException {
        StringBuilder csv = new StringBuilder("posting_id,image,label_group\n");
        for (Object[] row : ROWS) {
            csv.append(row[0])
                    .append(',')
                    .append(String.join(" | ", images(row)))
                    .append(',')
                    .append(row[2])
                    .append('\n');
        }
        Path file = tmp.resolve("csv/catalogue.csv");
        Files.createDirectories(file.getParent());
        Files.writeString(file, csv);
        reindexAndCheck("csv", file);
    }

    @Test
    void jsonLinesWithImageArrays() throws IOException {
        StringBuilder jsonl = new StringBuilder();
        for (Object[] row : ROWS) {
            JsonObject line = new JsonObject();
            line.addProperty("posting_id", (String) row[0]);
            com.google.gson.JsonArray list = new com.google.gson.JsonArray();
            images(row).forEach(list::add);
            line.add("image", list);
            line.addProperty("label_group", (String) row[2]);
            jsonl.append(line).append('\n');
        }
        Path file = tmp.resolve("jsonl/catalogue.jsonl");
        Files.createDirectories(file.getParent());
        Files.writeString(file, jsonl);
        reindexAndCheck("jsonl", file);
    }

    @Test
    void parquetWithImageArrays() {
        List<Row> rows = new ArrayList<>();
        for (Object[] row : ROWS) rows.add(RowFactory.create(row[0], images(row), row[2]));
        StructType schema =
                new StructType()
                        .add("posting_id", DataTypes.StringType)
                        .add("image", DataTypes.createArrayType(DataTypes.StringType))
                        .add("label_group", DataTypes.StringType);
        Path file = tmp.resolve("parquet/catalogue.parquet");
        // one file, so that file order is the order written
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(file.toString());
        reindexAndCheck("parquet", file);
    }

    @SuppressWarnings("unchecked")
    private static List<String> images(Object[] row) {
        return (List<String>) row[1];
    }

    private static void reindexAndCheck(String name, Path catalogue) {
        JobSettings settings =
                TestSpark.jobSettings(
                        Map.of(
                                "catalogue.path", catalogue.toString(),
                                "catalogue.name", name,
                                "catalogue.images-root", images.toString(),
                                "catalogue.max-images", String.valueOf(MAX_IMAGES),
                                "jobs.work-dir", tmp.resolve("work").toString(),
                                "bundles.dir", tmp.resolve("bundles").toString()));
        ReindexJob.Result result = ReindexJob.run(spark, settings);

        // the embeddings table: one row per image, each with its place in its row's list
        Map<String, String> outcome = new TreeMap<>();
        Map<String, float[]> vectors = new HashMap<>();
        for (Row r : spark.read().parquet(settings.embeddingsPath()).collectAsList()) {
            String key =
                    r.getString(r.fieldIndex("item_id"))
                            + "#"
                            + r.getInt(r.fieldIndex("image_index"));
            String code = r.getString(r.fieldIndex("error_code"));
            outcome.merge(key, code == null ? "ok" : code, (a, b) -> a + "," + b);
            if (code == null) vectors.put(key, floats(r.getList(r.fieldIndex("embedding"))));
        }
        assertEquals(
                new TreeMap<>(
                        Map.ofEntries(
                                Map.entry("m1#0", "ok,DUPLICATE_ID"),
                                Map.entry("m1#1", "ok,DUPLICATE_ID"),
                                Map.entry("m1#2", "ok"),
                                Map.entry("m2#0", "ok"),
                                Map.entry("m2#1", "CORRUPT"),
                                Map.entry("m2#2", "ok"),
                                Map.entry("m3#0", "ok"),
                                Map.entry("m4#0", "ok"),
                                Map.entry("m4#1", "ok"),
                                Map.entry("m4#2", "ok"),
                                Map.entry("m4#3", "TOO_MANY_IMAGES"),
                                Map.entry("m5#0", "MISSING_IMAGE"))),
                sortedCodes(outcome),
                name);
        assertEquals(
                Map.of(
                        "CORRUPT", 1L,
                        "DUPLICATE_ID", 2L,
                        "MISSING_IMAGE", 1L,
                        "TOO_MANY_IMAGES", 1L),
                result.embed().failedByCode());
        assertEquals(6, result.embed().catalogueRows(), "catalogue rows, whatever their images");
        assertEquals(4, result.embed().embeddedItems());

        // items.jsonl: the good images of each item, in catalogue order, the first its image
        List<BundleItem> items = Bundles.readItems(result.bundle());
        assertEquals(List.of("m1", "m2", "m3", "m4"), items.stream().map(BundleItem::id).toList());
        assertEquals(List.of("p0.jpg", "p1.jpg", "p2.jpg"), items.get(0).images());
        assertEquals(
                List.of("p3.jpg", "p4.jpg"), items.get(1).images(), "the corrupt one left out");
        assertEquals("p3.jpg", items.get(1).image());
        assertEquals(List.of("p6.jpg", "p7.jpg", "p8.jpg"), items.get(3).images());

        BundleManifest manifest = Bundles.readManifest(result.bundle());
        assertEquals(BundleManifest.FORMAT_VERSION, manifest.formatVersion());
        assertEquals(9, manifest.index().ntotal(), "3 + 2 + 1 + 3 images");
        assertEquals(
                new BundleManifest.Vectors(VectorIds.IMAGE_BITS, 9, MAX_IMAGES),
                manifest.vectors());
        assertEquals(6, manifest.catalogue().rows());
        assertEquals(4, manifest.catalogue().indexed());
        assertEquals(result.embed().failedByCode(), manifest.catalogue().failed());

        // a hit names its item and image: m2's catalogue image 2 is its indexed image 1
        try (FaissIndex index = FaissIndex.read(result.bundle().resolve(BundleFiles.INDEX))) {
            for (String[] query :
                    new String[][] {{"m1#1", "0", "1"}, {"m2#2", "1", "1"}, {"m4#2", "3", "2"}}) {
                SearchResult hit = index.search(vectors.get(query[0]), 1);
                long id = hit.id(0, 0);
                assertEquals(
                        Long.parseLong(query[1]),
                        VectorIds.ordinal(id, VectorIds.IMAGE_BITS),
                        query[0] + "'s item");
                assertEquals(
                        Integer.parseInt(query[2]),
                        VectorIds.image(id, VectorIds.IMAGE_BITS),
                        query[0] + "'s image");
            }
        }

        // evaluation counts products, and reports images beside them
        JsonObject metrics = metrics(result.bundle());
        assertEquals(4, metrics.get("items").getAsInt());
        assertEquals(9, metrics.get("vectors").getAsInt());
        assertEquals(4, metrics.get("queries").getAsInt(), "every item has a match");
        // 3 other items, 6 images besides a query's own: all within the top 10 of either, when the
        // hits are read back to their items and the query's own are left out
        assertEquals(1.0, metrics.getAsJsonObject("exact").get("recall@10").getAsDouble(), 1e-9);
        JsonObject byImage = metrics.getAsJsonObject("images").getAsJsonObject("exact");
        assertEquals(1.0, byImage.get("recall@10").getAsDouble(), 1e-9, byImage.toString());
        double mapR = byImage.get("map@r").getAsDouble();
        assertTrue(mapR > 0 && mapR <= 1, "image-level mAP@R " + mapR);
    }

    /** {@code outcome}'s codes, each entry's sorted, so that the order of the rows is no matter. */
    private static Map<String, String> sortedCodes(Map<String, String> outcome) {
        Map<String, String> sorted = new TreeMap<>();
        outcome.forEach(
                (key, codes) ->
                        sorted.put(
                                key,
                                String.join(
                                        ",",
                                        java.util.Arrays.stream(codes.split(","))
                                                .sorted(
                                                        (a, b) ->
                                                                a.equals("ok")
                                                                        ? -1
                                                                        : b.equals("ok")
                                                                                ? 1
                                                                                : a.compareTo(b))
                                                .toList())));
        return sorted;
    }

    private static JsonObject metrics(Path bundle) {
        try {
            return JsonParser.parseString(
                            Files.readString(
                                    bundle.resolve(BundleFiles.REPORT).resolve("metrics.json")))
                    .getAsJsonObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static float[] floats(List<Float> v) {
        float[] a = new float[v.size()];
        for (int d = 0; d < a.length; d++) a[d] = v.get(d);
        return a;
    }
}
