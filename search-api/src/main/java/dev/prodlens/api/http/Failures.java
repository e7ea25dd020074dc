package dev.prodlens.api.http;

import dev.prodlens.api.search.SearchFailure;

/**
 * The one table from the search layer's failures to HTTP answers: status and error code per {@link
 * SearchFailure.Kind} (per {@code EmbedError.Code} for images), and Retry-After on every failure
 * that is {@link SearchFailure#retryable()}. The message is the failure's own. A single search, a
 * batch image's entry and a whole batch all take their error from here; docs/api.md's error table
 * lists the same codes (FailuresTest checks).
 */
final class Failures {
    private Failures() {}

    static ApiException of(SearchFailure failure) {
        Answer answer = answer(failure);
        return new ApiException(
                answer.status(),
                answer.code(),
                failure.getMessage(),
                failure.retryable() ? ApiException.RETRY_AFTER : null);
    }

    /** A failure's status and error code. */
    record Answer(int status, String code) {}

    static Answer answer(SearchFailure failure) {
        return switch (failure.kind()) {
            case OVERLOADED -> new Answer(503, "overloaded");
            case TIMED_OUT -> new Answer(503, "timeout");
            case STOPPING -> new Answer(503, "stopping");
            case MODEL_FAILED -> new Answer(503, "model_failed");
            case SEARCH_FAILED -> new Answer(503, "search_failed");
            case UNKNOWN_ITEM -> new Answer(404, "not_found");
            case UNSUPPORTED -> new Answer(422, "unsupported");
            case INVALID_ITEM -> new Answer(400, "invalid_item");
            case LOG_UNAVAILABLE -> new Answer(503, "log_unavailable");
            case BAD_IMAGE ->
                    switch (failure.imageError()) {
                        case EMPTY -> new Answer(400, "empty_image");
                        case TOO_MANY_BYTES -> new Answer(413, "image_too_large");
                        case TOO_MANY_PIXELS -> new Answer(413, "too_many_pixels");
                        case OVER_BUDGET -> new Answer(413, "decode_over_budget");
                        case TIMED_OUT -> new Answer(413, "decode_timeout");
                        case UNSUPPORTED_FORMAT -> new Answer(415, "unsupported_format");
                        case CORRUPT -> new Answer(422, "corrupt_image");
                        case BUSY -> new Answer(503, "decode_busy");
                        case CANCELLED -> new Answer(503, "cancelled");
                        case MODEL_FAILED ->
                                new Answer(503, "model_failed"); // SearchFailure.image makes it
                            // Kind.MODEL_FAILED
                    };
        };
    }
}
