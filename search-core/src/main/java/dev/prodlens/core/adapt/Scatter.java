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
    private static final long serialVersionUID = 3L;

    /**
     * Vectors buffered before they are added to the products together: adding one vector at a time
     * streams the whole dim x dim matrix (13 MB at 1,280 dimensions) through memory per vector; a
     * block of them reuses each row of it from cache, which makes the aggregation compute-bound.
     */
    static final int BLOCK = 64;

    private final int dim;
    private long count;
    private final double[] sum;
    // dim rows of dim, the upper triangle filled; null until a vector comes. One array per row,
    // and one per pending vector below: the update loop then indexes each array by the same j,
    // which the JIT vectorises; offsets into one big array of the same type stop that (it cannot
    // tell the loads from the stores: 4-5x slower)
    private double[][] products;
    // up to BLOCK vectors not yet in products, as doubles: the update loop is then all doubles,
    // which the JIT vectorises (float-to-double conversions in it stop that: 3x slower)
    private transient double[][] pending;
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
        if (pending == null) pending = new double[BLOCK][dim];
        double[] x = pending[pendingCount];
        for (int i = 0; i < dim; i++) x[i] = v[i];
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
        double[][] p = products();
        double[][] x = pending;
        int k4 = pendingCount - pendingCount % 4;
        for (int i = 0; i < dim; i++) {
            double[] row = p[i];
            for (int k = 0; k < k4; k += 4) {
                double[] x0 = x[k], x1 = x[k + 1], x2 = x[k + 2], x3 = x[k + 3];
                double a0 = x0[i], a1 = x1[i], a2 = x2[i], a3 = x3[i];
                for (int j = i; j < dim; j++) {
                    row[j] += a0 * x0[j] + a1 * x1[j] + a2 * x2[j] + a3 * x3[j];
                }
            }
            for (int k = k4; k < pendingCount; k++) {
                double[] xk = x[k];
                double a = xk[i];
                for (int j = i; j < dim; j++) row[j] += a * xk[j];
            }
        }
        pendingCount = 0;
    }

    private double[][] products() {
        if (products == null) products = new double[dim][dim];
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
            double[][] p = products();
            for (int i = 0; i < dim; i++) {
                double[] row = p[i], add = other.products[i];
                for (int j = i; j < dim; j++) row[j] += add[j];
            }
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
        double[][] products = products();
        double[] mean = centred ? mean() : new double[dim];
        DMatrixRMaj c = new DMatrixRMaj(dim, dim);
        for (int i = 0; i < dim; i++) {
            for (int j = i; j < dim; j++) {
                double v = products[i][j] / count - mean[i] * mean[j];
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
