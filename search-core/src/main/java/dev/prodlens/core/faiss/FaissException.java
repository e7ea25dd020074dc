package dev.prodlens.core.faiss;

/** An error reported by Faiss (bad factory string, corrupt file, failed training...), with its message. */
public class FaissException extends RuntimeException {
    public FaissException(String message) {
        super(message);
    }

    public FaissException(String message, Throwable cause) {
        super(message, cause);
    }
}
