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
    private static final long serialVersionUID = 2L;

    /**
     * Vectors buffered before they are added to the products together: adding one vector at a time
     * streams the whole dim x dim matrix (13 MB at 1,280 dimensions) through memory per vector; a
     * block of them reuses each row of it from cache, which makes the aggregation compute-bound.
     */
    static final int BLOCK = 64;

    private final int dim;
    private long count;
    private final double[] sum;
    private double[] products; // row-major dim x dim, upper triangle; null until a vector comes
    // up to BLOCK vectors not yet in products, as doubles: the update loop is then all doubles,
    // which the JIT vectorises (float-to-double conversions in it stop that: 3x slower)
    private transient double[] pending;
    private transient int pendingCount;

    public Scatter(int dim) {
        if (dim < 1) throw new IllegalArgumentException("dimension must be at least 1: " + dim);
        this.dim = dim;
        this.sum = new double[dim];
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
        for (int i = 0; i < dim; i++) sum[i] += v[i];
        if (pending == null) pending = new double[BLOCK * dim];
        int base = pendingCount * dim;
        for (int i = 0; i < dim; i++) pending[base + i] = v[i];
        if (++pendingCount == BLOCK) flush();
        return this;
    }

    /**
     * Adds the pending vectors' outer products, row by row of the matrix, four vectors at a time:
     * each element of the row is loaded and stored once per four products, and the loop is one the
     * JIT vectorises.
     */
    private void flush() {
        if (pendingCount == 0) return;
        double[] p = products();
        double[] x = pending;
        int k4 = pendingCount - pendingCount % 4;
        for (int i = 0; i < dim; i++) {
            int row = i * dim;
            for (int k = 0; k < k4; k += 4) {
                int b0 = k * dim, b1 = b0 + dim, b2 = b1 + dim, b3 = b2 + dim;
                double a0 = x[b0 + i], a1 = x[b1 + i], a2 = x[b2 + i], a3 = x[b3 + i];
                for (int j = i; j < dim; j++) {
                    p[row + j] += a0 * x[b0 + j] + a1 * x[b1 + j] + a2 * x[b2 + j] + a3 * x[b3 + j];
                }
            }
            for (int k = k4; k < pendingCount; k++) {
                int base = k * dim;
                double a = x[base + i];
                for (int j = i; j < dim; j++) p[row + j] += a * x[base + j];
            }
        }
        pendingCount = 0;
    }

    private double[] products() {
        if (products == null) products = new double[dim * dim];
        return products;
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
        flush();
        other.flush();
        count += other.count;
        for (int i = 0; i < dim; i++) sum[i] += other.sum[i];
        if (other.products != null) {
            double[] p = products();
            for (int i = 0; i < p.length; i++) p[i] += other.products[i];
        }
        return this;
    }

    /** Serialised with every vector in the products (the buffer is transient). */
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        flush();
        out.defaultWriteObject();
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
        flush();
        double[] products = products();
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
