package dev.prodlens.core.embed;

import dev.prodlens.core.UserError;

/**
 * The model cannot be loaded or run (missing export, checksum mismatch, engine failure); the
 * message says what to do.
 */
public final class ModelException extends UserError {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
