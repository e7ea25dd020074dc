package dev.prodlens.api.search;

import dev.prodlens.core.embed.EmbedError;
import java.time.Duration;

/**
 * Why the search layer has no answer for a request (or for one image of a batch): a {@link Kind},
 * for images the {@link EmbedError.Code} too, and one line for people (what is wrong, what to do;
 * no class names). The layer speaks no HTTP: the API maps each kind to a status and an error code
 * in one table ({@code http.Failures}). {@link #retryable()} says whether the service's state, not
 * the request, is at fault.
 */
public final class SearchFailure extends RuntimeException {
    public enum Kind {
        /** Every place of the model queue is taken: refused before decoding. */
        OVERLOADED,
        /** No model instance ran the request within api.request-timeout-ms. */
        TIMED_OUT,
        /**
         * The image has no embedding: {@link #imageError()} says why (all but {@code
         * MODEL_FAILED}).
         */
        BAD_IMAGE,
        /** No catalogue item has the id in the live bundle. */
        UNKNOWN_ITEM,
        /** The live index cannot reconstruct stored vectors (more-like-this). */
        UNSUPPORTED,
        /** The service is shutting down. */
        STOPPING,
        /** The model engine failed on the request's batch. */
        MODEL_FAILED,
        /** The batch failed otherwise (logged). */
        SEARCH_FAILED,
        /**
         * An item write that cannot be applied as sent (its id, fields or form): nothing logged.
         */
        INVALID_ITEM,
        /** The update log did not take a write (Kafka unreachable, a failed disk): not logged. */
        LOG_UNAVAILABLE
    }

    private final Kind kind;
    private final EmbedError.Code imageError;

    private SearchFailure(Kind kind, EmbedError.Code imageError, String message) {
        super(message, null, false, false); // no stack trace: this is an answer, not a bug
        this.kind = kind;
        this.imageError = imageError;
    }

    private SearchFailure(Kind kind, String message) {
        this(kind, null, message);
    }

    /**
     * @param queueFull the batcher's words for the full queue
     */
    public static SearchFailure overloaded(String queueFull) {
        return new SearchFailure(
                Kind.OVERLOADED,
                "the service is at capacity ("
                        + queueFull
                        + ", api.batching.queue-capacity); retry after the Retry-After seconds");
    }

    public static SearchFailure timedOut(Duration timeout) {
        return new SearchFailure(
                Kind.TIMED_OUT,
                "no model instance was free within "
                        + timeout.toMillis()
                        + " ms (api.request-timeout-ms); the service is overloaded, retry later");
    }

    /**
     * An image that has no embedding: {@link Kind#BAD_IMAGE}, or {@link Kind#MODEL_FAILED} when the
     * model failed.
     */
    public static SearchFailure image(EmbedError error) {
        if (error.code() == EmbedError.Code.MODEL_FAILED) {
            return new SearchFailure(
                    Kind.MODEL_FAILED, "the model failed on this request's batch; retry");
        }
        return new SearchFailure(Kind.BAD_IMAGE, error.code(), error.message());
    }

    /**
     * In the one format of every "not found": {@code no <thing> '<name>' <where>; <what to do>}.
     */
    public static SearchFailure unknownItem(String itemId) {
        return new SearchFailure(
                Kind.UNKNOWN_ITEM, "no item '" + itemId + "' in the live catalogue; check the id");
    }

    public static SearchFailure unsupported(String factory) {
        return new SearchFailure(
                Kind.UNSUPPORTED,
                "the live index ("
                        + factory
                        + ") cannot return stored vectors, so "
                        + "more-like-this is not available; search by the item's image instead");
    }

    public static SearchFailure stopping() {
        return new SearchFailure(Kind.STOPPING, "the service is stopping; retry");
    }

    public static SearchFailure searchFailed() {
        return new SearchFailure(
                Kind.SEARCH_FAILED,
                "the search failed on this request's batch; it is logged, retry");
    }

    /** An item write that cannot be applied as sent; {@code message} says what to fix. */
    public static SearchFailure invalidItem(String message) {
        return new SearchFailure(Kind.INVALID_ITEM, message);
    }

    /** The update log did not take a write; {@code why} is the log's one line. */
    public static SearchFailure logUnavailable(String why) {
        return new SearchFailure(
                Kind.LOG_UNAVAILABLE,
                "the change was not recorded (" + why + "); send it again later");
    }

    public Kind kind() {
        return kind;
    }

    /** For {@link Kind#BAD_IMAGE}: why the image has no embedding; else null. */
    public EmbedError.Code imageError() {
        return imageError;
    }

    /**
     * The service's state (load, a failed batch, shutdown), not the request, is at fault: the same
     * request may succeed later. Such a failure fails a whole batch request, since retrying part of
     * it helps no one.
     */
    public boolean retryable() {
        return switch (kind) {
            case OVERLOADED, TIMED_OUT, STOPPING, MODEL_FAILED, SEARCH_FAILED, LOG_UNAVAILABLE ->
                    true;
            case BAD_IMAGE ->
                    imageError == EmbedError.Code.BUSY || imageError == EmbedError.Code.CANCELLED;
            case UNKNOWN_ITEM, UNSUPPORTED, INVALID_ITEM -> false;
        };
    }
}
