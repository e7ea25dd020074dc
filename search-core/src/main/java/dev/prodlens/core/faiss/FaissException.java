package dev.prodlens.core.faiss;

import dev.prodlens.core.UserError;

/**
 * An error reported by Faiss (bad factory string, corrupt file, failed training...), with its
 * message: a problem the user can fix. Out of native memory and unknown native errors are {@link
 * FaissInternalException}s instead.
 */
public class FaissException extends UserError {
    public FaissException(String message) {
        super(message);
    }

    public FaissException(String message, Throwable cause) {
        super(message, cause);
    }
}
