package dev.prodlens.core.embed;

import java.util.Objects;

/** One image's outcome in a batch: an L2-normalised embedding, or the error that prevented it. */
public final class EmbedResult {
    private final float[] vector;
    private final EmbedError error;

    private EmbedResult(float[] vector, EmbedError error) {
        this.vector = vector;
        this.error = error;
    }

    public static EmbedResult ok(float[] vector) {
        return new EmbedResult(Objects.requireNonNull(vector), null);
    }

    public static EmbedResult failed(EmbedError error) {
        return new EmbedResult(null, Objects.requireNonNull(error));
    }

    public boolean isOk() {
        return vector != null;
    }

    /** The embedding; {@link IllegalStateException} when this image failed. */
    public float[] vector() {
        if (vector == null) throw new IllegalStateException("no embedding: " + error);
        return vector;
    }

    /** The error; {@link IllegalStateException} when this image succeeded. */
    public EmbedError error() {
        if (error == null) throw new IllegalStateException("embedding succeeded");
        return error;
    }

    @Override
    public String toString() {
        return isOk() ? "EmbedResult[dim=" + vector.length + "]" : "EmbedResult[" + error + "]";
    }
}
