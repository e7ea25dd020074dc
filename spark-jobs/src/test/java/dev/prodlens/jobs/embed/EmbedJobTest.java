package dev.prodlens.jobs.embed;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.embed.TestModels;
import dev.prodlens.jobs.FileTrees;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.TestSpark;
import dev.prodlens.jobs.catalogue.CatalogueColumns;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embed job on a small real catalogue with every kind of bad row. */
class EmbedJobTest {
    private static SparkSession spark;
    private static Map<String, String> settings;

    @BeforeAll
    static void start() {
        settings = TestSpark.embedderSettings();
        spark = TestSpark.local("embed-job");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The job on a Shopee-layout catalogue whose image paths are relative to {@code images}. */
    private static EmbedJob.Spec spec(
            Path csv, Path images, String output, Map<String, String> settings) {
        return new EmbedJob.Spec(
                csv.toString(), null, CatalogueColumns.SHOPEE, images.toString(), output, settings);
    }

    /** {@code tmp/images}, holding the offline photo of each index under its name. */
    private static Path images(Path tmp, Map<String, Integer> photoByName) throws IOException {
        Path images = Files.createDirectories(tmp.resolve("images"));
        List<Path> photos = OfflineImages.photos();
        for (Map.Entry<String, Integer> e : photoByName.entrySet()) {
            Files.copy(photos.get(e.getValue()), images.resolve(e.getKey()));
        }
        return images;
    }

    @Test
    void embedsGoodRowsAndRecordsEveryBadOne(@TempDir Path tmp) throws Exception {
        Path images = images(tmp, Map.of("a.png", 0, "b.jpg", 3, "d.png", 1));
        Path elsewhere = Files.copy(OfflineImages.photos().get(14), tmp.resolve("c.jpg"));
        Files.write(
                images.resolve("corrupt.jpg"),
                new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3});
        Path csv = tmp.resolve("catalogue.csv");
        Files.writeString(
                csv,
                "posting_id,image,title\n"
                        + "p1,a.png,first\n"
                        + "p2,b.jpg,second\n"
                        + "p3,"
                        + elsewhere
                        + ",absolute path\n"
                        + "p4,missing.jpg,no such file\n"
                        + "p5,corrupt.jpg,broken\n"
                        + "p1,d.png,same id again\n");
        String output = tmp.resolve("embeddings.parquet").toString();

        EmbeddingsTable.Summary summary = EmbedJob.run(spark, spec(csv, images, output, settings));

        assertEquals(6, summary.rows());
        assertEquals(3, summary.embedded());
        assertEquals(
                Map.of("CORRUPT", 1L, "DUPLICATE_ID", 1L, EmbedPartition.MISSING_FILE, 1L),
                summary.failedByCode());
        assertEquals(Map.of(), summary.warnedByCode());
        Map<String, Row> rows = new HashMap<>();
        for (Row r : spark.read().parquet(output).collectAsList()) {
            rows.merge(
                    r.getString(r.fieldIndex("item_id"))
                            + (r.isNullAt(r.fieldIndex("error_code")) ? "" : "!"),
                    r,
                    (x, y) -> x);
        }
        Row p2 = rows.get("p2");
        assertEquals(settings.get("model.id"), p2.getString(p2.fieldIndex("model_id")));
        assertNotNull(p2.getString(p2.fieldIndex("image_sha256")));
        List<Float> vector = p2.getList(p2.fieldIndex("embedding"));
        try (Embedder api = Embedder.open(EmbedderConfig.fromResolved(settings))) {
            float[] expected = api.embed(Files.readAllBytes(images.resolve("b.jpg"))).vector();
            for (int d = 0; d < expected.length; d++)
                assertTrue(Math.abs(vector.get(d) - expected[d]) <= 1e-5f, "dim " + d);
            assertEquals(
                    api.card().fingerprint(), p2.getString(p2.fieldIndex("model_fingerprint")));
            requiresOneModel(spark.read().parquet(output), output, api.card());
        }
        assertTrue(
                rows.containsKey("p1") && rows.containsKey("p1!"),
                "p1 embedded once, its copy refused");
        Row missing = rows.get("p4!");
        assertTrue(missing.getString(missing.fieldIndex("error")).contains("missing.jpg"));
        try (var left = Files.list(tmp)) {
            assertTrue(
                    left.noneMatch(p -> p.getFileName().toString().contains(".tmp-")),
                    "no staging directory left behind");
        }
    }

    /**
     * {@code table} passes the model check, and fails it with a single row of another model or of
     * no model among the rest.
     */
    private static void requiresOneModel(Dataset<Row> table, String path, ModelCard card) {
        EmbeddingsTable.requireModel(table, path, card);
        Column p3 = col("item_id").equalTo("p3");
        Dataset<Row> mixed =
                table.withColumn(
                        "model_fingerprint",
                        when(p3, lit("another")).otherwise(col("model_fingerprint")));
        JobException e =
                assertThrows(
                        JobException.class, () -> EmbeddingsTable.requireModel(mixed, path, card));
        assertTrue(e.getMessage().contains("another"), e.getMessage());
        Dataset<Row> unknown =
                table.withColumn("model_id", when(p3, lit(null)).otherwise(col("model_id")));
        assertThrows(JobException.class, () -> EmbeddingsTable.requireModel(unknown, path, card));
    }

    /**
     * A table written before items had several images has no image_index: its vectors are reused
     * all the same (by image hash), each its item's first image.
     */
    @Test
    void aTableWithoutImageIndexIsStillReused(@TempDir Path tmp) throws Exception {
        Path images = images(tmp, Map.of("a.jpg", 2, "b.jpg", 5));
        Path csv = tmp.resolve("catalogue.csv");
        Files.writeString(csv, "posting_id,image\nq1,a.jpg\nq2,b.jpg\n");
        String output = tmp.resolve("embeddings.parquet").toString();
        EmbedJob.Spec spec = spec(csv, images, output, settings);
        EmbedJob.run(spark, spec);
        String old = tmp.resolve("old.parquet").toString();
        spark.read().parquet(output).drop("image_index").write().parquet(old);
        FileTrees.deleteQuietly(Path.of(output));
        Files.move(Path.of(old), Path.of(output));
        assertTrue(
                !List.of(spark.read().parquet(output).columns()).contains("image_index"),
                "the table is as an older version wrote it");

        // the catalogue now lists a second image of q1, the same bytes as q2's
        Files.writeString(csv, "posting_id,image\nq1,a.jpg|b.jpg\nq2,b.jpg\n");
        EmbeddingsTable.Summary again = EmbedJob.run(spark, spec);

        assertEquals(0, again.modelImages(), "every image's hash is in the older table");
        assertEquals(3, again.embedded());
        assertEquals(2, again.embeddedItems());
        List<Row> rows =
                spark.read().parquet(output).orderBy("item_id", "image_index").collectAsList();
        assertEquals(
                List.of("q1#0", "q1#1", "q2#0"),
                rows.stream()
                        .map(
                                r ->
                                        r.getString(r.fieldIndex("item_id"))
                                                + "#"
                                                + r.getInt(r.fieldIndex("image_index")))
                        .toList());
        assertEquals(
                rows.get(1).getList(rows.get(1).fieldIndex("embedding")),
                rows.get(2).getList(rows.get(2).fieldIndex("embedding")),
                "q1's second image is q2's, reused");
    }

    @Test
    void rerunReusesEveryKnownImageAndRefusesAnotherModel(@TempDir Path tmp) throws Exception {
        Path images = images(tmp, Map.of("a.jpg", 2, "b.jpg", 5));
        Files.write(images.resolve("bad.jpg"), new byte[] {1, 2, 3, 4});
        Path csv = tmp.resolve("catalogue.csv");
        Files.writeString(csv, "posting_id,image\nq1,a.jpg\nq2,b.jpg\nq3,bad.jpg\n");
        String output = tmp.resolve("embeddings.parquet").toString();
        EmbedJob.Spec spec = spec(csv, images, output, settings);

        EmbeddingsTable.Summary first = EmbedJob.run(spark, spec);
        assertEquals(3, first.modelImages());
        List<Row> before = spark.read().parquet(output).orderBy("item_id").collectAsList();

        EmbeddingsTable.Summary again = EmbedJob.run(spark, spec);
        assertEquals(0, again.modelImages(), "an unchanged catalogue does no model work");
        assertEquals(first.embedded(), again.embedded());
        assertEquals(first.failedByCode(), again.failedByCode());
        assertEquals(before, spark.read().parquet(output).orderBy("item_id").collectAsList());

        // a new item with a new image, and an existing item whose image changed
        Files.copy(OfflineImages.photos().get(7), images.resolve("c.jpg"));
        Files.copy(
                OfflineImages.photos().get(9),
                images.resolve("b.jpg"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(csv, "posting_id,image\nq1,a.jpg\nq2,b.jpg\nq3,bad.jpg\nq4,c.jpg\n");
        EmbeddingsTable.Summary grown = EmbedJob.run(spark, spec);
        assertEquals(2, grown.modelImages(), "only the new and the changed image are embedded");
        assertEquals(3, grown.embedded());

        Map<String, String> other = new HashMap<>(settings);
        other.put("model.id", TestModels.RANDOM);
        var e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        dev.prodlens.jobs.JobException.class,
                        () -> EmbedJob.run(spark, spec(csv, images, output, other)));
        assertTrue(
                e.getMessage().contains("different models")
                        && e.getMessage().contains(settings.get("model.id")),
                e.getMessage());
        assertEquals(
                4,
                spark.read().parquet(output).count(),
                "the refused run left the table as it was");
    }
}
