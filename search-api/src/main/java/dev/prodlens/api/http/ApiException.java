package dev.prodlens.api.http;

import java.time.Duration;

/**
 * A request the service answers with an error: the HTTP status, a stable machine-readable code and
 * one line for people (what is wrong, what to do). The error type of the HTTP layer's own refusals
 * (request parsing, limits, admin); the search layer's failures become one through {@link
 * Failures}. Anything else a handler throws is a bug and is answered 500 "internal" without
 * details.
 */
public final class ApiException extends RuntimeException {
    /** The message of every 500: nothing about the failure itself (that is in the log). */
    static final String INTERNAL =
            "the service failed on this request; it is logged, and retrying may help";

    /** What to do about an unknown endpoint. */
    static final String SEE_ENDPOINTS = "the API's endpoints are listed in /openapi.json";

    /** How soon a client refused for load (or a failure that may pass) should try again. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final int status;
    private final String code;
    private final Duration retryAfter;

    public ApiException(int status, String code, String message) {
        this(status, code, message, null);
    }

    public ApiException(int status, String code, String message, Duration retryAfter) {
        super(message, null, false, false); // no stack trace: this is an answer, not a failure
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    /**
     * 404 in the one format of every "not found": {@code no <thing> '<name>'[ <why>]; <what to
     * do>}.
     *
     * @param why empty, or where it was looked for or why there is none
     */
    public static ApiException notFound(String thing, String name, String why, String todo) {
        return new ApiException(
                404,
                "not_found",
                "no " + thing + " '" + name + "'" + (why.isEmpty() ? "" : " " + why) + "; " + todo);
    }

    /** The code of an error the API did not name itself (Javalin's and Jetty's). */
    static String codeOf(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "upload_too_large";
            case 415 -> "unsupported_media_type";
            case 431 -> "headers_too_large";
            case 500 -> "internal";
            case 503 -> "unavailable";
            default -> "http_" + status;
        };
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
