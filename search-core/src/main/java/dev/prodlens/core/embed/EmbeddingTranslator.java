package dev.prodlens.core.embed;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * DJL translator for a batch of prepared images: stacks their CHW tensors into one NCHW input, and
 * L2-normalises each row of the model's pooled output. Decoding and preprocessing happen before
 * (per image, so one bad image cannot fail a batch): see {@link Embedder}.
 */
final class EmbeddingTranslator implements NoBatchifyTranslator<float[][], float[][]> {
    private final int size;
    private final int dim;

    /**
     * One input buffer per calling thread, grown as needed: a fresh direct buffer per batch (0.6 MB
     * per image) costs a zeroing pass and a Cleaner, at the model's call rate.
     */
    private final ThreadLocal<FloatBuffer> inputBuffers = new ThreadLocal<>();

    EmbeddingTranslator(int size, int dim) {
        this.size = size;
        this.dim = dim;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, float[][] batch) {
        int perImage = 3 * size * size;
        FloatBuffer buffer = inputBuffer(batch.length * perImage);
        for (float[] chw : batch) {
            if (chw.length != perImage)
                throw new IllegalArgumentException(
                        "image tensor has " + chw.length + " floats, expected " + perImage);
            buffer.put(chw);
        }
        buffer.flip();
        NDArray input = ctx.getNDManager().create(buffer, new Shape(batch.length, 3, size, size));
        return new NDList(input);
    }

    private FloatBuffer inputBuffer(int floats) {
        FloatBuffer buffer = inputBuffers.get();
        if (buffer == null || buffer.capacity() < floats) {
            buffer =
                    ByteBuffer.allocateDirect(floats * Float.BYTES)
                            .order(ByteOrder.nativeOrder())
                            .asFloatBuffer();
            inputBuffers.set(buffer);
        }
        buffer.clear();
        return buffer;
    }

    @Override
    public float[][] processOutput(TranslatorContext ctx, NDList list) {
        NDArray output = list.singletonOrThrow();
        long[] shape = output.getShape().getShape();
        if (shape.length != 2 || shape[1] != dim) {
            throw new ModelException(
                    "the model returned shape "
                            + output.getShape()
                            + ", its card says (batch, "
                            + dim
                            + ")");
        }
        float[] flat = output.toFloatArray();
        float[][] vectors = new float[(int) shape[0]][];
        for (int i = 0; i < vectors.length; i++) {
            float[] v = new float[dim];
            System.arraycopy(flat, i * dim, v, 0, dim);
            vectors[i] = l2Normalised(v);
        }
        return vectors;
    }

    /** Scales {@code v} to unit length in place; an all-zero vector stays zero. */
    static float[] l2Normalised(float[] v) {
        double sum = 0;
        for (float x : v) sum += (double) x * x;
        if (sum > 0) {
            float inv = (float) (1.0 / Math.sqrt(sum));
            for (int i = 0; i < v.length; i++) v[i] *= inv;
        }
        return v;
    }
}
