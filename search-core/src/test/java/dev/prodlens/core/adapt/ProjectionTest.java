package dev.prodlens.core.adapt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The projection file and its arithmetic: what the jobs write is what the service applies. */
class ProjectionTest {
    @TempDir Path tmp;

    private static Projection random(int in, int out, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] mean = new float[in];
        float[] matrix = new float[in * out];
        for (int i = 0; i < in; i++) mean[i] = (float) r.nextGaussian();
        for (int i = 0; i < matrix.length; i++) matrix[i] = (float) r.nextGaussian();
        return new Projection("test", mean, matrix, out);
    }

    @Test
    void appliesMTimesTheCentredVectorThenNormalises() {
        Projection p =
                new Projection("hand", new float[] {1, 1, 1}, new float[] {2, 0, 0, 0, 0, 3}, 2);
        float[] y = p.apply(new float[] {2, 5, 2}); // centred (1, 4, 1) -> (2, 3) -> /sqrt(13)
        assertArrayEquals(
                new float[] {(float) (2 / Math.sqrt(13)), (float) (3 / Math.sqrt(13))}, y, 1e-6f);
        float[] both = p.applyAll(new float[] {2, 5, 2, 1, 1, 2});
        assertArrayEquals(y, Arrays.copyOf(both, 2), 1e-6f);
        assertArrayEquals(new float[] {0, 1}, Arrays.copyOfRange(both, 2, 4), 1e-6f);
        assertEquals(8, p.bytesPerVector());
        assertThrows(IllegalArgumentException.class, () -> p.apply(new float[2]));
    }

    /**
     * The jobs project a million vectors in blocks, the service one query at a time: each vector
     * must get the same bits either way, and the sums of the plain row-by-row dot products.
     */
    @Test
    void aVectorProjectsToTheSameBitsAloneOrInABlock() {
        int in = 37, out = 11, n = 21; // blocks of 8: two whole and a partial one
        Projection p = random(in, out, 7);
        SplittableRandom r = new SplittableRandom(8);
        float[] xs = new float[n * in];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
        float[] all = p.applyAll(xs);
        float[] matrix = p.matrix();
        float[] mean = p.mean();
        for (int k = 0; k < n; k++) {
            float[] x = Arrays.copyOfRange(xs, k * in, (k + 1) * in);
            assertArrayEquals(p.apply(x), Arrays.copyOfRange(all, k * out, (k + 1) * out));
            double[] y = new double[out];
            double norm = 0;
            for (int i = 0; i < out; i++) {
                for (int j = 0; j < in; j++) y[i] += matrix[i * in + j] * (double) (x[j] - mean[j]);
                norm += y[i] * y[i];
            }
            for (int i = 0; i < out; i++) {
                assertEquals(y[i] / Math.sqrt(norm), all[k * out + i], 1e-6, "vector " + k);
            }
        }
    }

    @Test
    void aWrittenProjectionReadsBackAndProjectsTheSameToTheBit() {
        Projection p = random(64, 16, 9);
        Path file = tmp.resolve("projection.bin");
        p.write(file);
        Projection back = Projection.read(file);
        assertEquals("test", back.method());
        assertEquals(64, back.inputDimension());
        assertEquals(16, back.outputDimension());
        SplittableRandom r = new SplittableRandom(2);
        for (int n = 0; n < 20; n++) {
            float[] x = new float[64];
            for (int i = 0; i < 64; i++) x[i] = (float) r.nextGaussian();
            assertArrayEquals(p.apply(x), back.apply(x), 0f);
        }
    }

    @Test
    void aDamagedOrShortFileIsRefusedInOneLine() throws Exception {
        Path file = tmp.resolve("projection.bin");
        random(8, 4, 1).write(file);
        byte[] good = Files.readAllBytes(file);
        for (int at : new int[] {0, 9, good.length / 2, good.length - 1}) {
            byte[] bad = good.clone();
            bad[at] ^= 0x20;
            Files.write(file, bad);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Projection.read(file));
            assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
        for (int length : new int[] {0, 5, 13, good.length - 4}) {
            Files.write(file, Arrays.copyOf(good, length));
            assertThrows(IllegalArgumentException.class, () -> Projection.read(file));
        }
        assertThrows(
                IllegalArgumentException.class,
                () -> new Projection("x", new float[] {Float.NaN}, new float[] {1}, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Projection("x", new float[2], new float[6], 3),
                "more outputs than inputs");
    }
}
