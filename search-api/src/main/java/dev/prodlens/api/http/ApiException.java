package dev.prodlens.api.http;

import java.time.Duration;

/**
 * A request the service answers with an error: the HTTP status, a stable machine-readable code and
 * one line for people (what is wrong, what to do). The only error type handlers throw; anything
 * else is a bug and is answered 500 "internal" without details.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final Duration retryAfter;

    public ApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    public ApiException(int status, String code, String message, Duration retryAfter) {
        super(message, null, false, false);  // no stack trace: this is an answer, not a failure
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** For 503 and 429: when to try again, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
