package dev.prodlens.core.embed;

import dev.prodlens.core.image.ImageDecodeException;

/**
 * Why one image has no embedding. The code is stable (APIs map it to HTTP statuses, the Spark job
 * stores it); the message is one line for people: what is wrong and what to do.
 */
public record EmbedError(Code code, String message) {
    public enum Code {
        /** No bytes. */
        EMPTY,
        /** More bytes than {@code decode.max-bytes}. */
        TOO_MANY_BYTES,
        /** Not JPEG, PNG, WebP, GIF or BMP by its content. */
        UNSUPPORTED_FORMAT,
        /** More pixels than {@code decode.max-pixels} (decompression bombs). */
        TOO_MANY_PIXELS,
        /** The bytes claim a supported format but do not decode. */
        CORRUPT,
        /**
         * Decoding would need more than {@code decode.max-memory-bytes} (judged from the header).
         */
        OVER_BUDGET,
        /** Decoding ran past {@code decode.timeout-ms} and was stopped. */
        TIMED_OUT,
        /** The decode memory budget stayed taken by other decodes until the deadline: retry. */
        BUSY,
        /** The decode was cancelled (the request was given up). */
        CANCELLED,
        /** The model engine failed on the batch this image was in. */
        MODEL_FAILED
    }

    public EmbedError {
        if (code == null || message == null)
            throw new NullPointerException("code and message are required");
    }

    static EmbedError of(ImageDecodeException e) {
        return new EmbedError(Code.valueOf(e.reason().name()), e.getMessage());
    }

    @Override
    public String toString() {
        return code + ": " + message;
    }
}
