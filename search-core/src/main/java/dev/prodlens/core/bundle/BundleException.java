package dev.prodlens.core.bundle;

import dev.prodlens.core.UserError;

/**
 * A bundle or the CURRENT pointer is missing, malformed or cannot be written; the message says what
 * to do.
 */
public final class BundleException extends UserError {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
