package dev.prodlens.jobs.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.PreparedImage;
import dev.prodlens.jobs.TestSpark;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.encoders.ExpressionEncoder;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The same bytes give the same vector (max abs diff ≤ 1e-5) through the Spark job's path (rows of
 * paths → mapPartitions reading the files in the executor → executor Embedder, batches of 4) and
 * the API's paths (one image at a time; prepare on request threads then one model batch), for the
 * default model and engine; bad and missing files get their error codes.
 */
class EmbedPathParityTest {
    private static final float TOLERANCE = 1e-5f;
    private static SparkSession spark;
    private static Map<String, String> settings;
    private static List<String> ids;
    private static List<byte[]> images;
    private static List<String> paths;

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
        settings = TestSpark.embedderSettings();
        settings.put("model.max-batch", "4");

        ids = new ArrayList<>();
        images = new ArrayList<>();
        for (Path photo : OfflineImages.photos()) {
            ids.add(photo.getFileName().toString());
            images.add(Files.readAllBytes(photo));
            ids.add(photo.getFileName() + "#text");
            images.add(ImageEdits.TEXT.apply(ImageIO.read(photo.toFile())));
        }
        ids.add("empty");
        images.add(new byte[0]);
        ids.add("garbage");
        images.add("<html>not an image</html>".getBytes());
        paths = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            Path file = tmp.resolve(i + ".img");
            Files.write(file, images.get(i));
            paths.add(file.toString());
        }

        spark = TestSpark.local("embed-parity");
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    private static String sha256(byte[] bytes) throws java.security.NoSuchAlgorithmException {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void sparkPathAndApiPathGiveTheSameVectors() throws Exception {
        StructType schema =
                new StructType()
                        .add("item_id", DataTypes.StringType, false)
                        .add("path", DataTypes.StringType, true);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) rows.add(RowFactory.create(ids.get(i), paths.get(i)));
        rows.add(RowFactory.create("missing", paths.get(0) + ".gone"));
        Dataset<Row> input = spark.createDataFrame(rows, schema).repartition(3);
        List<Row> embedded =
                input.mapPartitions(
                                new EmbedPartition(
                                        settings, spark.sparkContext().hadoopConfiguration()),
                                ExpressionEncoder.apply(EmbedPartition.SCHEMA))
                        .collectAsList();
        assertEquals(ids.size() + 1, embedded.size());
        Map<String, Row> byId = new HashMap<>();
        for (Row r : embedded) byId.put(r.getString(0), r);
        Row missing = byId.get("missing");
        assertNull(missing.get(1));
        assertEquals(EmbedPartition.MISSING_FILE, missing.getString(3));
        assertTrue(missing.getString(4).contains(".gone"), missing.getString(4));

        EmbedderConfig config = EmbedderConfig.fromResolved(settings);
        try (Embedder api = Embedder.open(config)) {
            List<PreparedImage> prepared = new ArrayList<>();
            for (byte[] image : images) prepared.add(api.prepare(image));
            List<EmbedResult> batched = api.embedPrepared(prepared);
            int compared = 0;
            for (int i = 0; i < ids.size(); i++) {
                Row row = byId.get(ids.get(i));
                EmbedResult one = api.embed(images.get(i));
                assertEquals(
                        sha256(images.get(i)), row.getString(2), ids.get(i) + ": image sha256");
                if (!one.isOk()) {
                    assertNull(row.get(1), ids.get(i));
                    assertEquals(one.error().code().name(), row.getString(3));
                    assertNotNull(row.getString(4));
                    continue;
                }
                List<Float> fromSpark = row.getList(1);
                float[] single = one.vector();
                float[] inBatch = batched.get(i).vector();
                assertEquals(single.length, fromSpark.size());
                for (int d = 0; d < single.length; d++) {
                    assertTrue(
                            Math.abs(fromSpark.get(d) - single[d]) <= TOLERANCE,
                            ids.get(i) + " dim " + d + ": spark vs single");
                    assertTrue(
                            Math.abs(inBatch[d] - single[d]) <= TOLERANCE,
                            ids.get(i) + " dim " + d + ": batch vs single");
                }
                compared++;
            }
            assertEquals(ids.size() - 2, compared, "every photo compared");
        }
    }
}
