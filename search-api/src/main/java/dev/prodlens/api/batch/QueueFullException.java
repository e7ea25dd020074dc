package dev.prodlens.api.batch;

/**
 * The batcher's queue is full: the service is at capacity (the search refuses the request as
 * overloaded).
 */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(int capacity) {
        super("all " + capacity + " places in the model queue are taken");
    }
}
