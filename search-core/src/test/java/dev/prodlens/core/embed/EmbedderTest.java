package dev.prodlens.core.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default model's FP32 export (the one both engines run) through the Embedder: shapes,
 * determinism, batches with bad images, engines, threads.
 */
class EmbedderTest {
    private static Embedder pytorch;
    private static List<byte[]> photos;

    @BeforeAll
    static void open() throws IOException {
        pytorch = Embedder.open(TestModels.config(TestModels.DEFAULT_FP32, ModelEngine.PYTORCH));
        photos = new ArrayList<>();
        for (Path p : OfflineImages.photos().subList(0, 6)) photos.add(Files.readAllBytes(p));
    }

    @AfterAll
    static void close() {
        pytorch.close();
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) dot += a[i] * b[i];
        return dot;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        return max;
    }

    @Test
    void embeddingIsUnitLengthWithTheCardsDimension() {
        float[] v = pytorch.embed(photos.get(0)).vector();
        assertEquals(pytorch.card().dim(), v.length);
        assertEquals(1280, v.length);
        double norm = Math.sqrt(cosine(v, v));
        assertEquals(1.0, norm, 1e-5);
    }

    @Test
    void sameBytesGiveTheSameVectorWhateverTheBatch() {
        float[] alone = pytorch.embed(photos.get(2)).vector();
        List<byte[]> batch = new ArrayList<>(photos);
        batch.add(0, photos.get(2));
        List<EmbedResult> results = pytorch.embed(batch);
        assertTrue(
                maxAbsDiff(alone, results.get(0).vector()) <= 1e-5f, "batch position 0 vs alone");
        assertTrue(
                maxAbsDiff(alone, results.get(3).vector()) <= 1e-5f, "batch position 3 vs alone");
        assertTrue(
                maxAbsDiff(alone, pytorch.embed(photos.get(2)).vector()) <= 1e-5f, "second call");
    }

    @Test
    void engineBatchIsTheConfiguredOneOrOneOnACpu() {
        assertEquals(32, pytorch.engineBatch(), "model.max-batch = 32");
        EmbedderConfig byDevice =
                new EmbedderConfig(
                        TestModels.dir(TestModels.DEFAULT),
                        ModelEngine.ONNX_RUNTIME,
                        DeviceChoice.CPU,
                        1,
                        0,
                        DecodeLimits.DEFAULTS.maxBytes(),
                        DecodeLimits.DEFAULTS.maxPixels());
        try (Embedder onnx = Embedder.open(byDevice)) {
            assertEquals(
                    1,
                    onnx.engineBatch(),
                    "model.max-batch = 0 on a CPU: one image per engine call");
            List<EmbedResult> results = onnx.embed(photos.subList(0, 3));
            assertEquals(3, results.size());
            for (EmbedResult r : results) assertTrue(r.isOk());
            assertTrue(
                    maxAbsDiff(onnx.embed(photos.get(1)).vector(), results.get(1).vector())
                            <= 1e-5f,
                    "alone vs in a list");
        }
    }

    @Test
    void differentPhotosGiveDifferentVectors() {
        List<EmbedResult> results = pytorch.embed(photos);
        for (int i = 0; i < results.size(); i++) {
            for (int j = i + 1; j < results.size(); j++) {
                assertTrue(
                        cosine(results.get(i).vector(), results.get(j).vector()) < 0.9,
                        "photos " + i + " and " + j);
            }
        }
    }

    @Test
    void badImagesGetTypedErrorsAndTheRestOfTheBatchIsEmbedded() {
        byte[] truncated = Arrays.copyOf(photos.get(3), 20);
        List<byte[]> batch =
                List.of(
                        photos.get(0),
                        new byte[0],
                        "not an image at all".getBytes(),
                        new byte[] {'%', 'P', 'D', 'F', '-', '1', '.', '4', 0, 0, 0, 0},
                        truncated,
                        photos.get(1));
        List<EmbedResult> results = pytorch.embed(batch);
        assertEquals(batch.size(), results.size());
        assertTrue(results.get(0).isOk());
        assertEquals(EmbedError.Code.EMPTY, results.get(1).error().code());
        assertEquals(EmbedError.Code.UNSUPPORTED_FORMAT, results.get(2).error().code());
        assertEquals(EmbedError.Code.UNSUPPORTED_FORMAT, results.get(3).error().code());
        assertEquals(EmbedError.Code.CORRUPT, results.get(4).error().code());
        assertTrue(results.get(5).isOk());
        assertTrue(
                maxAbsDiff(results.get(5).vector(), pytorch.embed(photos.get(1)).vector())
                        <= 1e-5f);
        for (int i = 1; i <= 4; i++) {
            String message = results.get(i).error().message();
            assertFalse(
                    message.contains("\n") || message.contains("Exception"),
                    "one line, no exception names: " + message);
        }
    }

    @Test
    void overTheByteCapIsRefused() {
        EmbedderConfig small = TestModels.config(TestModels.DEFAULT_FP32, ModelEngine.PYTORCH);
        small =
                new EmbedderConfig(
                        small.modelDir(),
                        small.engine(),
                        small.device(),
                        1,
                        4,
                        1000,
                        small.maxPixels());
        try (Embedder capped = Embedder.open(small)) {
            assertEquals(
                    EmbedError.Code.TOO_MANY_BYTES, capped.embed(photos.get(0)).error().code());
        }
    }

    @Test
    void largePhotoDecodedAtReducedScaleMatchesItsDownscaledCopy() throws IOException {
        BufferedImage photo = ImageIO.read(OfflineImages.photos().get(0).toFile()); // 512×512
        BufferedImage large = new BufferedImage(3000, 3000, BufferedImage.TYPE_INT_RGB);
        var g = large.createGraphics();
        g.setRenderingHint(
                java.awt.RenderingHints.KEY_INTERPOLATION,
                java.awt.RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(photo, 0, 0, 3000, 3000, null);
        g.dispose();
        float[] fromLarge = pytorch.embed(ImageEdits.encodeJpeg(large, 0.95f)).vector();
        float[] fromOriginal = pytorch.embed(ImageEdits.encodeJpeg(photo, 0.95f)).vector();
        assertTrue(
                cosine(fromLarge, fromOriginal) > 0.95,
                "cosine " + cosine(fromLarge, fromOriginal));
    }

    @Test
    void onnxRuntimeGivesTheSameEmbeddingAsPytorch() {
        try (Embedder onnx =
                Embedder.open(
                        TestModels.config(TestModels.DEFAULT_FP32, ModelEngine.ONNX_RUNTIME))) {
            assertEquals(pytorch.card().fingerprint(), onnx.card().fingerprint());
            List<EmbedResult> a = pytorch.embed(photos);
            List<EmbedResult> b = onnx.embed(photos);
            for (int i = 0; i < a.size(); i++) {
                float diff = maxAbsDiff(a.get(i).vector(), b.get(i).vector());
                assertTrue(diff <= 1e-4f, "photo " + i + " differs by " + diff);
            }
        }
    }

    @Test
    void manyThreadsShareOneEmbedder() throws Exception {
        List<EmbedResult> expected = pytorch.embed(photos);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (byte[] photo : photos)
                    futures.add(pool.submit(() -> pytorch.embed(photo).vector()));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertArrayEquals(
                        expected.get(i % photos.size()).vector(), futures.get(i).get(), 1e-5f);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void differentModelsHaveDifferentFingerprints() {
        ModelCard random = ModelCard.read(TestModels.dir(TestModels.RANDOM));
        assertNotEquals(pytorch.card().fingerprint(), random.fingerprint());
        assertEquals(
                pytorch.card().fingerprint(),
                ModelCard.read(TestModels.dir(TestModels.DEFAULT_FP32)).fingerprint());
    }
}
