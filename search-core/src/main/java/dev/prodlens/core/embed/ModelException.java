package dev.prodlens.core.embed;

/** The model cannot be loaded or run (missing export, checksum mismatch, engine failure); the message says what to do. */
public final class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
