package dev.prodlens.jobs.catalogue;

import dev.prodlens.jobs.JobException;

/**
 * The catalogue cannot be read as configured (format, missing column); the message says what to
 * change.
 */
public final class CatalogueException extends JobException {
    public CatalogueException(String message) {
        super(message);
    }
}
