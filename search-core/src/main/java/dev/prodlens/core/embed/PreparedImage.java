package dev.prodlens.core.embed;

/**
 * An image decoded and preprocessed into the model's input layout (CHW floats, normalised), or the
 * error that stopped it. Preparing is the CPU work that runs beside the model: request threads in
 * the API, tasks in Spark; the model then runs on batches of prepared images.
 */
public final class PreparedImage {
    private final float[] chw;
    private final EmbedError error;

    private PreparedImage(float[] chw, EmbedError error) {
        this.chw = chw;
        this.error = error;
    }

    static PreparedImage of(float[] chw) {
        return new PreparedImage(chw, null);
    }

    static PreparedImage failed(EmbedError error) {
        return new PreparedImage(null, error);
    }

    public boolean isOk() {
        return chw != null;
    }

    /** The model input, 3 × size × size floats; only when {@link #isOk()}. */
    float[] chw() {
        return chw;
    }

    /** The error; null when {@link #isOk()}. */
    public EmbedError error() {
        return error;
    }
}
