package dev.prodlens.core.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The blocked accumulation gives the moments computed the plain way, whatever the number of
 * vectors, however the set is split into merged parts, and across Java serialisation (Spark ships
 * partial scatters between executors and the driver with vectors still buffered).
 */
class ScatterTest {
    private static final int D = 7;

    @Test
    void blockedMergedAndSerialisedMomentsAreThePlainOnes() throws Exception {
        SplittableRandom random = new SplittableRandom(9);
        int n = 3 * Scatter.BLOCK + 5;
        float[][] vectors = new float[n][D];
        double[] sum = new double[D];
        double[][] products = new double[D][D];
        for (float[] v : vectors) {
            for (int j = 0; j < D; j++) v[j] = (float) random.nextGaussian();
            for (int i = 0; i < D; i++) {
                sum[i] += v[i];
                for (int j = 0; j < D; j++) products[i][j] += (double) v[i] * v[j];
            }
        }
        Scatter whole = new Scatter(D);
        Scatter first = new Scatter(D);
        Scatter second = new Scatter(D);
        for (int k = 0; k < n; k++) {
            whole.add(vectors[k]);
            (k < Scatter.BLOCK + 3 ? first : second).add(vectors[k]);
        }
        Scatter merged = roundTrip(first).merge(roundTrip(second));
        for (Scatter s : new Scatter[] {whole, merged}) {
            assertEquals(n, s.count());
            DMatrixRMaj c = s.covariance(true);
            for (int i = 0; i < D; i++) {
                assertEquals(sum[i] / n, s.mean()[i], 1e-12);
                for (int j = 0; j < D; j++) {
                    double expected = products[i][j] / n - (sum[i] / n) * (sum[j] / n);
                    assertEquals(expected, c.get(i, j), 1e-9, "element " + i + "," + j);
                }
            }
        }
    }

    private static Scatter roundTrip(Scatter s) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Scatter) in.readObject();
        }
    }
}
