package dev.prodlens.core.faiss;

/**
 * A failure in the native layer that is not the caller's doing: out of native memory, or a C++
 * exception of no known type. Deliberately not a {@link FaissException} (a problem the user can
 * fix, reported in one line): this one is reported with its stack trace, and the wrappers that turn
 * a FaissException into "corrupt file" or "rebuild the bundle" leave it alone.
 */
public final class FaissInternalException extends RuntimeException {
    public FaissInternalException(String message) {
        super(message);
    }
}
