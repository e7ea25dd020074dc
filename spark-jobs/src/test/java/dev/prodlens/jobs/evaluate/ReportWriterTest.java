package dev.prodlens.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.testkit.OfflineImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
    private static final String HOSTILE_ID = "<script>alert(1)</script>";
    private static final String MISSING = "/nonexistent/prodlens/missing.jpg";

    @TempDir static Path dir;
    private static Path report;
    private static EvalData data;
    private static EvalResult result;

    /**
     * One item per real photo plus one whose image file does not exist, in groups of two; every
     * query is a worst query, so every item gets a thumbnail cell.
     */
    @BeforeAll
    static void writeReport() throws IOException {
        List<Path> photos = OfflineImages.photos();
        EvalData vectors = Synthetic.groups((photos.size() + 1) / 2 + 1, 2, 16, 0.6, 9);
        int n = photos.size() + 1;
        String[] ids = new String[n];
        String[] refs = new String[n];
        String[] labels = new String[n];
        String[] categories = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i == 0 ? HOSTILE_ID : "item-" + i;
            refs[i] = i < photos.size() ? photos.get(i).toString() : MISSING;
            labels[i] = "g" + i / 2;
            categories[i] = i % 2 == 0 ? "bags & shoes" : "toys";
        }
        float[] firstN = java.util.Arrays.copyOf(vectors.vectors(), n * vectors.dim());
        data = new EvalData(ids, firstN, vectors.dim(), labels, categories, refs);
        Evaluator.Settings settings = new Evaluator.Settings(List.of(1, 5, 10), 10, 8, n);
        try (FaissIndex ann = Synthetic.flat(data)) {
            result =
                    new Evaluator(settings)
                            .evaluate(
                                    data,
                                    Relevance.fromLabelGroups(data),
                                    ann,
                                    SearchOptions.DEFAULT);
        }
        report = dir.resolve("report");
        Files.createDirectories(report);
        Files.writeString(report.resolve("stale.txt"), "from an older run");
        new ReportWriter((ordinal, ref) -> Files.readAllBytes(Path.of(ref)))
                .write(result, data, report);
    }

    @Test
    void replacesTheOldReportAndLeavesNoTemporaryDirectory() throws IOException {
        assertTrue(Files.isRegularFile(report.resolve(ReportWriter.INDEX)));
        assertFalse(
                Files.exists(report.resolve("stale.txt")), "the previous report is replaced whole");
        try (Stream<Path> siblings = Files.list(dir)) {
            assertEquals(
                    List.of(report),
                    siblings.toList(),
                    "no temporary or old directory is left beside it");
        }
    }

    @Test
    void metricsJsonHasTheDocumentedKeys() throws IOException {
        JsonObject json =
                JsonParser.parseString(Files.readString(report.resolve(MetricsJson.FILE_NAME)))
                        .getAsJsonObject();
        assertEquals(data.size(), json.get("items").getAsInt());
        assertEquals("label_group", json.get("relevance").getAsString());
        JsonObject exact = json.getAsJsonObject("exact");
        assertEquals(
                result.exact().retrieval().recallAtK().get(1),
                exact.get("recall@1").getAsDouble(),
                1e-12);
        assertEquals(result.exact().retrieval().mapAtR(), exact.get("map@r").getAsDouble(), 1e-12);
        assertEquals(result.exact().shopee().f1(), exact.get("shopee_f1").getAsDouble(), 1e-12);
        assertTrue(json.getAsJsonObject("ann").has("shopee_threshold"));
        assertTrue(json.getAsJsonObject("index_loss").has("map@r"));
        assertEquals(2, json.getAsJsonObject("per_category").size());
        assertTrue(
                json.getAsJsonObject("per_category").getAsJsonObject("toys").has("ann_recall@10"));
        assertEquals(
                ScoreHistogram.BINS,
                json.getAsJsonObject("score_histogram").getAsJsonArray("matches").size());
        assertEquals(result.worstQueries().size(), json.getAsJsonArray("worst_queries").size());
    }

    @Test
    void chartsAreImages() throws IOException {
        for (String chart :
                List.of(Charts.RECALL, Charts.SHOPEE, Charts.CATEGORIES, Charts.SCORES)) {
            BufferedImage image = ImageIO.read(report.resolve(chart).toFile());
            assertNotNull(image, chart + " does not decode");
            assertTrue(image.getWidth() > 100 && image.getHeight() > 100, chart);
            assertTrue(index().contains("src=\"" + chart + "\""), chart + " is on the page");
        }
    }

    @Test
    void thumbnailsComeFromThePhotosAndAMissingImageGetsAPlaceholder() throws IOException {
        int missing = data.size() - 1;
        for (int i = 0; i < missing; i++) {
            Path thumb = report.resolve(Thumbnails.DIRECTORY).resolve(i + ".jpg");
            BufferedImage image = ImageIO.read(thumb.toFile());
            assertNotNull(image, thumb + " does not decode");
            assertEquals(
                    Thumbnails.SIDE,
                    Math.max(image.getWidth(), image.getHeight()),
                    thumb.toString());
            assertTrue(index().contains("src=\"thumbs/" + i + ".jpg\""), thumb + " is on the page");
        }
        assertFalse(Files.exists(report.resolve(Thumbnails.DIRECTORY).resolve(missing + ".jpg")));
        assertTrue(index().contains("class=\"placeholder\""));
        assertTrue(
                index().contains("cannot read image " + MISSING),
                "the note says which image is missing");
    }

    @Test
    void stringsFromDataAreEscaped() throws IOException {
        String html = index();
        assertFalse(html.contains(HOSTILE_ID));
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertTrue(html.contains("bags &amp; shoes"));
        assertTrue(
                html.contains("chosen on this same data"),
                "the Shopee threshold is flagged as optimistic");
    }

    private static String index() throws IOException {
        return Files.readString(report.resolve(ReportWriter.INDEX));
    }
}
