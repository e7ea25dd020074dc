package dev.prodlens.api.batch;

/** The batcher's queue is full: the service is at capacity (the API answers 503 with Retry-After). */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(int queued) {
        super(queued + " requests are already waiting for the model; retry shortly");
    }
}
