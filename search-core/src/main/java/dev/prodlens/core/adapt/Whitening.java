package dev.prodlens.core.adapt;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The closed-form projections of issue 18, learned from {@link Scatter}s on the driver.
 *
 * <ul>
 *   <li>{@link #pca PCA-whitening}, no labels: rotate onto the covariance's leading eigenvectors
 *       and scale each by 1/sqrt(eigenvalue), so no direction of large, uninformative variance
 *       (background, lighting) dominates the cosine.
 *   <li>{@link #learned Learned whitening} (Radenović, Tolias and Chum, "Fine-tuning CNN image
 *       retrieval with no human annotation", 2018): whiten by the covariance of matching-pair
 *       differences C<sub>S</sub> (so the directions in which photos of one product differ shrink),
 *       then rotate onto the leading eigenvectors of the data's covariance in that whitened space
 *       (the directions in which products differ): P = V<sup>T</sup> C<sub>S</sub><sup>-1/2</sup>.
 * </ul>
 *
 * Eigenvalues are floored at {@code shrinkage} times the largest, so a direction of (nearly) no
 * variance in the training sample is not blown up.
 */
public final class Whitening {
    /** Eigenvalues below this share of the largest count as this share. */
    public static final double SHRINKAGE = 1e-4;

    private Whitening() {}

    /** PCA-whitening onto {@code outDim} dimensions, from the vectors' own scatter. */
    public static Projection pca(Scatter all, int outDim) {
        requireDim(all, outDim);
        Eigen e = Eigen.of(all.covariance(true));
        DMatrixRMaj p = new DMatrixRMaj(outDim, all.dim());
        for (int r = 0; r < outDim; r++) {
            double scale = 1 / Math.sqrt(e.value(r));
            for (int c = 0; c < all.dim(); c++) p.unsafe_set(r, c, e.vector(r, c) * scale);
        }
        return projection("pca-whitening", all.mean(), p);
    }

    /**
     * Learned whitening onto {@code outDim} dimensions: {@code pairs} holds the differences of
     * matching pairs ({@link Scatter#addDifference}), {@code all} the vectors.
     */
    public static Projection learned(Scatter all, Scatter pairs, int outDim) {
        return learned(all, pairs, outDim, 0);
    }

    /**
     * Learned whitening with a ridge: C<sub>S</sub> + {@code ridge} x (its mean eigenvalue) x I is
     * whitened instead of C<sub>S</sub>. With about as many matching pairs as dimensions (the demo:
     * 2,039 pairs in 1,280) C<sub>S</sub>'s small eigenvalues are mostly noise of the sample, and
     * whitening by them merges the train pairs themselves (cosine 0.99) far more than any other
     * product's photos; the ridge shrinks the estimate toward the isotropic one. On the demo's
     * validation groups at 256 dimensions, 1 did best of 0.1, 1, 3 and 10 (mAP@R 0.888 against
     * 0.880 without).
     */
    public static Projection learned(Scatter all, Scatter pairs, int outDim, double ridge) {
        requireDim(all, outDim);
        if (pairs.dim() != all.dim()) {
            throw new IllegalArgumentException("pairs and vectors of different dimensions");
        }
        if (!(ridge >= 0 && Double.isFinite(ridge))) {
            throw new IllegalArgumentException("the ridge must be 0 or more, got " + ridge);
        }
        int d = all.dim();
        DMatrixRMaj differences = pairs.covariance(false);
        double shift = ridge * CommonOps_DDRM.trace(differences) / d;
        for (int i = 0; i < d; i++) differences.add(i, i, shift);
        // C_S^{-1/2} = E diag(1/sqrt(l)) E^T
        Eigen s = Eigen.of(differences);
        DMatrixRMaj scaled = new DMatrixRMaj(d, d); // diag(1/sqrt(l)) E^T
        for (int r = 0; r < d; r++) {
            double scale = 1 / Math.sqrt(s.value(r));
            for (int c = 0; c < d; c++) scaled.unsafe_set(r, c, s.vector(r, c) * scale);
        }
        DMatrixRMaj vectors = new DMatrixRMaj(d, d); // E (columns)
        for (int r = 0; r < d; r++) {
            for (int c = 0; c < d; c++) vectors.unsafe_set(c, r, s.vector(r, c));
        }
        DMatrixRMaj whiten = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(vectors, scaled, whiten);
        // the data's covariance in the whitened space, and its leading directions
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj inner = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(whiten, all.covariance(true), tmp);
        CommonOps_DDRM.multTransB(tmp, whiten, inner);
        Eigen rotation = Eigen.of(inner);
        DMatrixRMaj top = new DMatrixRMaj(outDim, d);
        for (int r = 0; r < outDim; r++) {
            for (int c = 0; c < d; c++) top.unsafe_set(r, c, rotation.vector(r, c));
        }
        DMatrixRMaj p = new DMatrixRMaj(outDim, d);
        CommonOps_DDRM.mult(top, whiten, p);
        return projection("learned-whitening", all.mean(), p);
    }

    private static void requireDim(Scatter all, int outDim) {
        if (outDim < 1 || outDim > all.dim()) {
            throw new IllegalArgumentException(
                    "output dimension " + outDim + " is outside 1.." + all.dim());
        }
        if (all.count() < 2) {
            throw new IllegalArgumentException(
                    "a whitening needs at least 2 vectors, got " + all.count());
        }
    }

    private static Projection projection(String method, double[] mean, DMatrixRMaj p) {
        float[] m = new float[mean.length];
        for (int i = 0; i < m.length; i++) m[i] = (float) mean[i];
        float[] matrix = new float[p.numRows * p.numCols];
        for (int i = 0; i < matrix.length; i++) matrix[i] = (float) p.data[i];
        return new Projection(method, m, matrix, p.numRows);
    }

    /** A symmetric matrix's eigenpairs, largest eigenvalue first, floored by {@link #SHRINKAGE}. */
    private record Eigen(double[] values, double[][] vectors) {
        static Eigen of(DMatrixRMaj symmetric) {
            int d = symmetric.numRows;
            EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
            if (!eig.decompose(symmetric.copy())) {
                throw new IllegalStateException("the eigen-decomposition did not converge");
            }
            Integer[] order = new Integer[d];
            double[] raw = new double[d];
            for (int i = 0; i < d; i++) {
                order[i] = i;
                raw[i] = eig.getEigenvalue(i).real;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(raw[b], raw[a]));
            double floor = Math.max(raw[order[0]], Double.MIN_NORMAL) * SHRINKAGE;
            double[] values = new double[d];
            double[][] vectors = new double[d][];
            for (int i = 0; i < d; i++) {
                values[i] = Math.max(raw[order[i]], floor);
                vectors[i] = eig.getEigenVector(order[i]).data.clone();
            }
            return new Eigen(values, vectors);
        }

        double value(int i) {
            return values[i];
        }

        double vector(int i, int component) {
            return vectors[i][component];
        }
    }
}
