package dev.prodlens.core.adapt;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * A learned linear map applied after the backbone: {@code y = M (x - mean)}, then L2-normalised, as
 * every vector of the index is. The jobs project the embeddings they index and the service projects
 * each query through this one class, so both sides compute the same vector from the same bytes.
 *
 * <p>File format ({@link #write}): magic {@code PLPJ}, format 1, the method's name, input and
 * output dimension, the mean, the matrix row by row (floats, big-endian), and a CRC32C of all of
 * it.
 */
public final class Projection implements java.io.Serializable {
    private static final int MAGIC = 0x504c504a; // "PLPJ"
    private static final int FORMAT = 1;
    private static final int MAX_DIM = 65_536;

    private final String method;
    private final int in;
    private final int out;
    private final float[] mean;
    private final float[] matrix; // out x in, row-major
    private transient volatile double[][] columns; // see columns()

    /**
     * @param method what learned it ({@code pca-whitening}, {@code learned-whitening}, ...)
     * @param mean the input mean, {@code in} values
     * @param matrix {@code out} rows of {@code in} values
     */
    public Projection(String method, float[] mean, float[] matrix, int out) {
        if (method == null || method.isBlank()) throw new IllegalArgumentException("no method");
        int in = mean.length;
        if (in < 1 || out < 1 || in > MAX_DIM || out > in || matrix.length != (long) in * out) {
            throw new IllegalArgumentException(
                    "a projection from "
                            + in
                            + " to "
                            + out
                            + " dimensions needs a matrix of "
                            + (long) in * out
                            + " values, got "
                            + matrix.length
                            + " (and 1 <= out <= in)");
        }
        for (float[] values : new float[][] {mean, matrix}) {
            for (float v : values) {
                if (!Float.isFinite(v))
                    throw new IllegalArgumentException("a projection holds " + v);
            }
        }
        this.method = method;
        this.in = in;
        this.out = out;
        this.mean = mean.clone();
        this.matrix = matrix.clone();
    }

    public String method() {
        return method;
    }

    public int inputDimension() {
        return in;
    }

    public int outputDimension() {
        return out;
    }

    /** The input mean (a copy): where a learner that refines this projection starts. */
    float[] mean() {
        return mean.clone();
    }

    /** The matrix, {@code out} rows of {@code in} values (a copy). */
    float[] matrix() {
        return matrix.clone();
    }

    /** The projected, L2-normalised vector of {@code x}. */
    public float[] apply(float[] x) {
        return project(x, true);
    }

    /** {@code M (x - mean)}, L2-normalised or not. */
    float[] project(float[] x, boolean normalise) {
        if (x.length != in) {
            throw new IllegalArgumentException(
                    "a vector of dimension " + x.length + " for a projection from " + in);
        }
        return projectAll(x, 1, normalise);
    }

    /** Projects {@code n} vectors laid end to end. */
    public float[] applyAll(float[] vectors) {
        if (vectors.length % in != 0) {
            throw new IllegalArgumentException(
                    vectors.length + " values are not whole vectors of dimension " + in);
        }
        return projectAll(vectors, vectors.length / in, true);
    }

    /** Vectors projected together: each column of the matrix is read once per block of them. */
    private static final int BLOCK = 8;

    /**
     * {@code M (x - mean)} of {@code n} vectors. Each output is the sum over the input dimensions
     * in ascending order, in doubles, whatever the block: one vector alone (the API's query) and
     * the same vector among a million (the jobs') give the same bits. The sums are updated a column
     * of the matrix at a time, a loop the JIT vectorises (a dot product's reduction it does not),
     * each column and each vector's sums an array of its own (offsets into one array of the same
     * type stop the JIT's vectorising: it cannot tell the loads from the stores).
     */
    private float[] projectAll(float[] xs, int n, boolean normalise) {
        double[][] columns = columns();
        float[] projected = new float[n * out];
        double[][] sums = new double[Math.min(BLOCK, n)][out];
        for (int first = 0; first < n; first += BLOCK) {
            int block = Math.min(BLOCK, n - first);
            for (int k = 0; k < block; k++) Arrays.fill(sums[k], 0);
            for (int j = 0; j < in; j++) {
                double[] column = columns[j];
                for (int k = 0; k < block; k++) {
                    double centred = xs[(first + k) * in + j] - mean[j];
                    double[] sum = sums[k];
                    for (int i = 0; i < out; i++) sum[i] += column[i] * centred;
                }
            }
            for (int k = 0; k < block; k++) {
                double[] sum = sums[k];
                int to = (first + k) * out;
                double norm = 0;
                for (int i = 0; i < out; i++) {
                    double s = sum[i];
                    projected[to + i] = (float) s;
                    norm += s * s;
                }
                if (normalise && norm > 0) {
                    float scale = (float) (1 / Math.sqrt(norm));
                    for (int i = 0; i < out; i++) projected[to + i] *= scale;
                }
            }
        }
        return projected;
    }

    /** The matrix transposed ({@code in} columns of {@code out} values), in doubles; made once. */
    private double[][] columns() {
        double[][] c = columns;
        if (c == null) {
            c = new double[in][out];
            for (int i = 0; i < out; i++) {
                for (int j = 0; j < in; j++) c[j][i] = matrix[i * in + j];
            }
            columns = c;
        }
        return c;
    }

    /**
     * The first {@code dim} output dimensions: for the whitenings, whose rows come in order of
     * decreasing variance, the projection learned at {@code dim}, without learning it again.
     */
    public Projection leading(int dim) {
        if (dim < 1 || dim > out) {
            throw new IllegalArgumentException(
                    "cannot keep " + dim + " of the " + out + " output dimensions");
        }
        return new Projection(method, mean, Arrays.copyOf(matrix, dim * in), dim);
    }

    /** Writes the projection to {@code file} (see the class comment). */
    public void write(Path file) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream data = new DataOutputStream(bytes);
            data.writeInt(MAGIC);
            data.writeInt(FORMAT);
            data.writeUTF(method);
            data.writeInt(in);
            data.writeInt(out);
            for (float v : mean) data.writeFloat(v);
            for (float v : matrix) data.writeFloat(v);
            data.flush();
            CRC32C crc = new CRC32C();
            crc.update(bytes.toByteArray());
            data.writeInt((int) crc.getValue());
            data.flush();
            Files.write(file, bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write projection " + file + ": " + e, e);
        }
    }

    /**
     * Reads a projection {@link #write} wrote.
     *
     * @throws IllegalArgumentException (one line naming the file) for a file that is not one, is
     *     cut short, or whose checksum does not match
     */
    public static Projection read(Path file) {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read projection " + file + ": " + e, e);
        }
        try (DataInputStream data = new DataInputStream(new java.io.ByteArrayInputStream(all))) {
            if (all.length < 12 || data.readInt() != MAGIC)
                throw bad(file, "not a projection file");
            int format = data.readInt();
            if (format != FORMAT)
                throw bad(file, "format " + format + ", this prodlens reads " + FORMAT);
            String method = data.readUTF();
            int in = data.readInt();
            int out = data.readInt();
            if (in < 1 || in > MAX_DIM || out < 1 || out > in) {
                throw bad(file, "dimensions " + in + " -> " + out);
            }
            float[] mean = new float[in];
            for (int j = 0; j < in; j++) mean[j] = data.readFloat();
            float[] matrix = new float[in * out];
            for (int j = 0; j < matrix.length; j++) matrix[j] = data.readFloat();
            int end = all.length - data.available();
            int stored = data.readInt();
            if (data.available() != 0) throw bad(file, "bytes after the checksum");
            CRC32C crc = new CRC32C();
            crc.update(all, 0, end);
            if ((int) crc.getValue() != stored) throw bad(file, "checksum mismatch");
            return new Projection(method, mean, matrix, out);
        } catch (EOFException e) {
            throw bad(file, "cut short");
        } catch (IOException e) { // the bytes are in memory: only a malformed name gets here
            throw bad(file, "malformed: " + e.getMessage());
        }
    }

    private static IllegalArgumentException bad(Path file, String why) {
        return new IllegalArgumentException(
                "projection "
                        + file
                        + " is damaged ("
                        + why
                        + "); rebuild the bundle with reindex");
    }

    /** Bytes one projected vector takes in a flat float index. */
    public long bytesPerVector() {
        return (long) out * Float.BYTES;
    }

    @Override
    public String toString() {
        return method + " " + in + "->" + out;
    }
}
