package dev.prodlens.core.adapt;

import java.io.Serializable;
import org.ejml.data.DMatrixRMaj;

/**
 * The first and second moments of a set of vectors, mergeable: what the whitening learners need,
 * accumulated where the vectors are (Spark partitions) and merged on the driver. Holds the sum and
 * the sum of outer products (the upper triangle while adding; {@link #covariance} fills the rest),
 * in doubles: a million unit vectors' products stay exact enough.
 */
public final class Scatter implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int dim;
    private long count;
    private final double[] sum;
    private final double[] products; // row-major dim x dim, upper triangle

    public Scatter(int dim) {
        if (dim < 1) throw new IllegalArgumentException("dimension must be at least 1: " + dim);
        this.dim = dim;
        this.sum = new double[dim];
        this.products = new double[dim * dim];
    }

    public int dim() {
        return dim;
    }

    /** Vectors added (and merged). */
    public long count() {
        return count;
    }

    /** Adds one vector. */
    public Scatter add(float[] v) {
        check(v.length);
        count++;
        for (int i = 0; i < dim; i++) {
            double vi = v[i];
            sum[i] += vi;
            int row = i * dim;
            for (int j = i; j < dim; j++) products[row + j] += vi * v[j];
        }
        return this;
    }

    /** Adds the difference {@code a - b} (a matching pair's, for the learned whitening). */
    public Scatter addDifference(float[] a, float[] b) {
        check(a.length);
        check(b.length);
        float[] d = new float[dim];
        for (int i = 0; i < dim; i++) d[i] = a[i] - b[i];
        return add(d);
    }

    /** Adds everything {@code other} holds. */
    public Scatter merge(Scatter other) {
        check(other.dim);
        count += other.count;
        for (int i = 0; i < dim; i++) sum[i] += other.sum[i];
        for (int i = 0; i < products.length; i++) products[i] += other.products[i];
        return this;
    }

    /** The mean vector. */
    public double[] mean() {
        requireSome();
        double[] mean = new double[dim];
        for (int i = 0; i < dim; i++) mean[i] = sum[i] / count;
        return mean;
    }

    /**
     * The covariance about the mean ({@code centred}), or the mean outer product about zero (for
     * differences of matching pairs, whose mean is zero by symmetry).
     */
    public DMatrixRMaj covariance(boolean centred) {
        requireSome();
        double[] mean = centred ? mean() : new double[dim];
        DMatrixRMaj c = new DMatrixRMaj(dim, dim);
        for (int i = 0; i < dim; i++) {
            for (int j = i; j < dim; j++) {
                double v = products[i * dim + j] / count - mean[i] * mean[j];
                c.unsafe_set(i, j, v);
                c.unsafe_set(j, i, v);
            }
        }
        return c;
    }

    private void requireSome() {
        if (count == 0) throw new IllegalStateException("no vectors were added");
    }

    private void check(int length) {
        if (length != dim) {
            throw new IllegalArgumentException(
                    "a vector of dimension " + length + " where " + dim + " is expected");
        }
    }
}
