package dev.prodlens.core.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import dev.prodlens.core.adapt.WhiteningTest.Photo;
import dev.prodlens.core.embed.DeviceChoice;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metric head on a synthetic catalogue where the answer is known: products differ in a few
 * directions only, and every photo also varies strongly, at random, in all the others (lighting,
 * background), so raw cosine mostly measures the nuisance. Trained on the first 40 products, scored
 * (mAP@R, {@link WhiteningTest#mapAtR}) on the 20 it never saw.
 */
class MetricHeadTest {
    private static final int D = 48;
    private static final int PRODUCT_DIMS = 6;
    private static final int NUISANCE_END = PRODUCT_DIMS + 8; // 8 strong nuisance directions
    private static final int PRODUCTS = 60;
    private static final int TRAIN_PRODUCTS = 40;
    private static final int PER_PRODUCT = 4;
    private static final int OUT = 12;

    /** Random init, so what the head finds is its own: a larger step than on real embeddings. */
    private static final MetricHead.Settings SETTINGS =
            MetricHead.Settings.defaults(OUT).with(80, 1e-2f, 42, DeviceChoice.CPU);

    private static List<Photo> catalogue() {
        SplittableRandom random = new SplittableRandom(11);
        List<Photo> photos = new ArrayList<>();
        for (int g = 0; g < PRODUCTS; g++) {
            float[] product = new float[PRODUCT_DIMS];
            for (int j = 0; j < PRODUCT_DIMS; j++) product[j] = (float) random.nextGaussian();
            for (int k = 0; k < PER_PRODUCT; k++) {
                float[] v = new float[D];
                for (int j = 0; j < D; j++) {
                    double noise = random.nextGaussian() * (j < NUISANCE_END ? 0.2 : 0.1);
                    if (j < PRODUCT_DIMS) v[j] = (float) (product[j] + noise);
                    else if (j < NUISANCE_END) v[j] = (float) (random.nextGaussian() * 2.5);
                    else v[j] = (float) noise;
                }
                photos.add(new Photo("product-" + g, unit(v)));
            }
        }
        return photos;
    }

    private static final List<Photo> PHOTOS = catalogue();
    private static final List<Photo> TRAIN = PHOTOS.subList(0, TRAIN_PRODUCTS * PER_PRODUCT);
    private static final List<Photo> HELD_OUT =
            PHOTOS.subList(TRAIN_PRODUCTS * PER_PRODUCT, PHOTOS.size());

    private static MetricHead.Trained train(MetricHead.Settings settings) {
        return MetricHead.train(vectors(TRAIN), groups(TRAIN), null, settings);
    }

    @Test
    void theLossFallsAndTheHeadFindsProductsItNeverSaw() {
        MetricHead.Trained trained = train(SETTINGS);
        double[] losses = trained.losses();
        assertEquals(80, losses.length, "one loss per epoch");
        double first = mean(Arrays.copyOfRange(losses, 0, 5));
        double last = mean(Arrays.copyOfRange(losses, losses.length - 5, losses.length));
        assertTrue(last < first * 0.8, "loss from " + first + " to " + last);

        double raw = WhiteningTest.mapAtR(HELD_OUT, v -> v);
        double head = WhiteningTest.mapAtR(HELD_OUT, trained.projection()::apply);
        assertTrue(head > raw + 0.2, "held-out mAP@R raw " + raw + ", head " + head);
        assertEquals("cpu()", trained.device());
    }

    @Test
    void theHeadIsAProjectionThatRoundTripsThroughItsFile(@TempDir Path dir) {
        Projection head = train(epochs(SETTINGS, 2)).projection();
        assertEquals(MetricHead.METHOD, head.method());
        assertEquals(D, head.inputDimension());
        assertEquals(OUT, head.outputDimension());
        Path file = dir.resolve("projection.bin");
        head.write(file);
        Projection read = Projection.read(file);
        float[] x = HELD_OUT.get(0).vector();
        assertArrayEquals(head.apply(x), read.apply(x));
        assertEquals(OUT, read.apply(x).length);
    }

    /** Up to libtorch's sums in another order: a different seed moves the head far more. */
    @Test
    void theSameSeedTrainsTheSameHeadOnTheCpu() {
        float[] x = HELD_OUT.get(0).vector();
        MetricHead.Settings settings = epochs(SETTINGS, 3);
        float[] a = train(settings).projection().apply(x);
        float[] b = train(settings).projection().apply(x);
        float[] other =
                train(
                                settings.with(
                                        settings.epochs(),
                                        settings.learningRate(),
                                        settings.seed() + 1,
                                        settings.device()))
                        .projection()
                        .apply(x);
        assertArrayEquals(a, b, 1e-5f);
        double apart = 0;
        for (int i = 0; i < a.length; i++) apart = Math.max(apart, Math.abs(a[i] - other[i]));
        assertTrue(apart > 1e-2, "another seed, another head: " + apart);
    }

    @Test
    void trainingStartsFromTheGivenProjection() {
        Scatter all = new Scatter(D);
        for (Photo p : TRAIN) all.add(p.vector());
        Projection pca = Whitening.pca(all, OUT);
        // a learning rate too small to move it: the head is the projection it started from
        MetricHead.Trained trained =
                MetricHead.train(
                        vectors(TRAIN),
                        groups(TRAIN),
                        pca,
                        SETTINGS.with(1, 1e-9f, SETTINGS.seed(), SETTINGS.device()));
        float[] x = HELD_OUT.get(0).vector();
        assertArrayEquals(pca.apply(x), trained.projection().apply(x), 1e-5f);
    }

    @Test
    void inputItCannotLearnFromIsRefusedInOneLine() {
        float[][] vectors = vectors(TRAIN);
        String[] groups = groups(TRAIN);
        String[] oneGroup = new String[groups.length];
        Arrays.fill(oneGroup, "product-0");
        assertOneLine(() -> MetricHead.train(vectors, oneGroup, null, SETTINGS), "at least 2");
        assertOneLine(
                () -> MetricHead.train(vectors, Arrays.copyOf(groups, 3), null, SETTINGS),
                "one per vector");
        assertOneLine(
                () -> MetricHead.train(vectors, groups, null, MetricHead.Settings.defaults(D + 1)),
                "above the input's");
        Projection wrong = train(epochs(SETTINGS, 1)).projection();
        assertOneLine(
                () ->
                        MetricHead.train(
                                vectors, groups, wrong, MetricHead.Settings.defaults(OUT + 1)),
                "initial projection");
        assertOneLine(
                () -> SETTINGS.with(SETTINGS.epochs(), 0, SETTINGS.seed(), SETTINGS.device()),
                "learning rate"); // a setting, before any data
        if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
            assertOneLine(
                    () ->
                            train(
                                    SETTINGS.with(
                                            SETTINGS.epochs(),
                                            SETTINGS.learningRate(),
                                            SETTINGS.seed(),
                                            DeviceChoice.GPU)),
                    "sees none");
        }
    }

    private static void assertOneLine(Executable call, String says) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(says), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static float[][] vectors(List<Photo> photos) {
        return photos.stream().map(Photo::vector).toArray(float[][]::new);
    }

    private static String[] groups(List<Photo> photos) {
        return photos.stream().map(Photo::group).toArray(String[]::new);
    }

    private static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) s += x * x;
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / Math.sqrt(s));
        return out;
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow();
    }

    private static MetricHead.Settings epochs(MetricHead.Settings s, int epochs) {
        return s.with(epochs, s.learningRate(), s.seed(), s.device());
    }
}
