package dev.prodlens.jobs.catalogue;

/** The catalogue cannot be read as configured (format, missing column); the message says what to change. */
public final class CatalogueException extends RuntimeException {
    public CatalogueException(String message) {
        super(message);
    }
}
