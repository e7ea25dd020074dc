package dev.prodlens.core.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The whitening learners on synthetic "catalogues" where the answer is known: products differ in a
 * few directions, while every photo also varies strongly along a nuisance direction that says
 * nothing about the product (lighting, background). Raw cosine is dominated by the nuisance;
 * learned whitening, trained on other products' matching pairs, removes it. Scored on held-out
 * groups only ({@link GroupSplit}), with mAP@R.
 */
class WhiteningTest {
    private static final int D = 24;
    private static final int PER_GROUP = 4;

    /** One photo: its group and vector. */
    record Photo(String group, float[] vector) {}

    private static List<Photo> catalogue(int groups, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] nuisance = new float[D];
        for (int j = 0; j < D; j++) nuisance[j] = (float) random.nextGaussian();
        List<Photo> photos = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            float[] product = new float[D];
            for (int j = 0; j < 6; j++)
                product[j] = (float) random.nextGaussian(); // 6 product dims
            for (int k = 0; k < PER_GROUP; k++) {
                float[] v = new float[D];
                double light = random.nextGaussian() * 3; // strong, shared nuisance
                for (int j = 0; j < D; j++) {
                    v[j] = (float) (product[j] + light * nuisance[j] + random.nextGaussian() * 0.3);
                }
                photos.add(new Photo("group-" + g, v));
            }
        }
        return photos;
    }

    /** mAP@R of cosine retrieval among {@code photos} (each photo a query, itself left out). */
    static double mapAtR(List<Photo> photos, UnaryOperator<float[]> embed) {
        List<float[]> vectors = new ArrayList<>();
        for (Photo p : photos) vectors.add(normalised(embed.apply(p.vector())));
        double total = 0;
        for (int q = 0; q < photos.size(); q++) {
            int r = 0;
            for (Photo p : photos) if (p.group().equals(photos.get(q).group())) r++;
            r--; // itself
            Integer[] order = new Integer[photos.size()];
            double[] score = new double[photos.size()];
            for (int i = 0; i < photos.size(); i++) {
                order[i] = i;
                score[i] = i == q ? Double.NEGATIVE_INFINITY : dot(vectors.get(q), vectors.get(i));
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
            double ap = 0;
            int hits = 0;
            for (int rank = 0; rank < r; rank++) {
                if (photos.get(order[rank]).group().equals(photos.get(q).group())) {
                    hits++;
                    ap += hits / (double) (rank + 1);
                }
            }
            total += ap / r;
        }
        return total / photos.size();
    }

    private static float[] normalised(float[] v) {
        double n = Math.sqrt(dot(v, v));
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) (v[i] / n);
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Test
    void learnedWhiteningFindsTheSameProductOnGroupsItNeverSaw() {
        List<Photo> photos = catalogue(300, 7);
        GroupSplit split = GroupSplit.DEFAULT;
        Scatter all = new Scatter(D);
        Scatter pairs = new Scatter(D);
        List<Photo> test = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            Photo p = photos.get(i);
            if (split.of(p.group()) != GroupSplit.Part.TRAIN) {
                if (split.of(p.group()) == GroupSplit.Part.TEST) test.add(p);
                continue;
            }
            all.add(p.vector());
            for (int j = i + 1; j < photos.size() && photos.get(j).group().equals(p.group()); j++) {
                pairs.addDifference(p.vector(), photos.get(j).vector());
            }
        }
        assertTrue(test.size() >= 150, "enough held-out photos: " + test.size());
        Projection learned = Whitening.learned(all, pairs, 8);
        Projection pca = Whitening.pca(all, 8);
        double raw = mapAtR(test, v -> v);
        double withPca = mapAtR(test, pca::apply);
        double withLearned = mapAtR(test, learned::apply);
        assertTrue(
                withLearned > raw + 0.2 && withLearned > withPca,
                "mAP@R raw " + raw + ", PCA-whitening " + withPca + ", learned " + withLearned);
        assertEquals(8, learned.outputDimension());
        assertEquals("learned-whitening", learned.method());
    }

    /**
     * About as many matching pairs as dimensions, as in the demo: the pairs' covariance is truly
     * isotropic, but its estimate's small eigenvalues come out too small, and whitening by them
     * blows up noise. Shrinkage pulls the estimate back toward the isotropic one.
     */
    @Test
    void shrinkageKeepsAFewPairsFromWhiteningTheirOwnNoise() {
        int dim = 64;
        SplittableRandom random = new SplittableRandom(1);
        Scatter all = new Scatter(dim);
        Scatter pairs = new Scatter(dim);
        List<Photo> test = new ArrayList<>();
        for (int g = 0; g < 196; g++) {
            float[] product = new float[dim];
            for (int j = 0; j < dim; j++) {
                product[j] = (float) (random.nextGaussian() * 3 / (1 + j * 0.2)); // decaying
            }
            float[][] photos = new float[2][dim];
            for (float[] v : photos) {
                for (int j = 0; j < dim; j++) v[j] = product[j] + (float) random.nextGaussian() / 2;
            }
            if (g < 96) { // 96 train pairs in 64 dimensions
                all.add(photos[0]).add(photos[1]);
                pairs.addDifference(photos[0], photos[1]);
            } else {
                test.add(new Photo("group-" + g, photos[0]));
                test.add(new Photo("group-" + g, photos[1]));
            }
        }
        double plain = mapAtR(test, Whitening.learned(all, pairs, 32)::apply);
        double shrunk = mapAtR(test, Whitening.learned(all, pairs, 32, 0.5)::apply);
        assertTrue(
                shrunk > plain + 0.05,
                "held-out mAP@R without shrinkage " + plain + ", with " + shrunk);
    }

    @Test
    void pcaWhiteningLeavesUnitVarianceInEveryKeptDirection() {
        SplittableRandom random = new SplittableRandom(3);
        List<float[]> vectors = new ArrayList<>();
        Scatter all = new Scatter(D);
        for (int n = 0; n < 5000; n++) {
            float[] v = new float[D];
            for (int j = 0; j < D; j++) v[j] = (float) (random.nextGaussian() * (1 + j) + 5);
            vectors.add(v);
            all.add(v);
        }
        Projection pca = Whitening.pca(all, 10);
        Scatter projected = new Scatter(10);
        for (float[] v : vectors) projected.add(pca.project(v, false));
        var covariance = projected.covariance(true);
        for (int i = 0; i < 10; i++) {
            for (int j = 0; j < 10; j++) {
                assertEquals(
                        i == j ? 1 : 0, covariance.get(i, j), 1e-3, "covariance " + i + "," + j);
            }
        }
        for (double m : projected.mean()) assertEquals(0, m, 1e-3);
    }

    @Test
    void aScatterMergesAsIfTheVectorsHadBeenAddedToOne() {
        List<Photo> photos = catalogue(20, 1);
        Scatter one = new Scatter(D);
        Scatter a = new Scatter(D);
        Scatter b = new Scatter(D);
        for (int i = 0; i < photos.size(); i++) {
            one.add(photos.get(i).vector());
            (i % 2 == 0 ? a : b).add(photos.get(i).vector());
        }
        a.merge(b);
        assertEquals(one.count(), a.count());
        var x = one.covariance(true);
        var y = a.covariance(true);
        for (int i = 0; i < D * D; i++) assertEquals(x.data[i], y.data[i], 1e-9);
        assertThrows(IllegalArgumentException.class, () -> one.add(new float[D + 1]));
        assertThrows(IllegalArgumentException.class, () -> Whitening.pca(one, D + 1));
        assertThrows(IllegalArgumentException.class, () -> Whitening.learned(one, one, 4, -1));
        assertThrows(IllegalStateException.class, () -> new Scatter(4).mean());
    }
}
