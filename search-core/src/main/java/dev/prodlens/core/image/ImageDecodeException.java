package dev.prodlens.core.image;

import java.io.EOFException;
import java.io.IOException;
import java.util.Locale;

/**
 * An image that {@link ImageDecoder} refuses. The message is one line meant for the person who sent
 * the image: what is wrong and what to do about it. {@link #reason()} is for code (metrics, HTTP
 * status); the reader's own exception, if any, stays attached as the cause.
 */
public final class ImageDecodeException extends Exception {
    private static final long serialVersionUID = 1L;
    private static final int MAX_DETAIL = 120;
    private static final String REEXPORT = "re-export or re-upload it";

    /** Why the image was refused. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** More bytes than {@link DecodeLimits#maxBytes()}. */
        TOO_MANY_BYTES,
        /** Not one of the {@link ImageFormat}s. */
        UNSUPPORTED_FORMAT,
        /** The header declares more pixels than {@link DecodeLimits#maxPixels()}. */
        TOO_MANY_PIXELS,
        /** The format was recognised but the data is damaged, truncated or not decodable. */
        CORRUPT,
        /**
         * Decoding would need more memory than {@link DecodeLimits#maxMemoryBytes()}, judged from
         * the header before decoding (a progressive or lossless bomb within the pixel limit).
         */
        OVER_BUDGET,
        /** Decoding ran past {@link DecodeLimits#timeout()} and was stopped. */
        TIMED_OUT,
        /**
         * The other decodes in flight held the whole {@link DecodeLimits#memoryBudgetBytes()} until
         * the deadline: the process is busy, not the image wrong; retry later.
         */
        BUSY,
        /** The caller cancelled the decode (the client went away). */
        CANCELLED
    }

    private final Reason reason;

    public ImageDecodeException(Reason reason, String message) {
        this(reason, message, null);
    }

    public ImageDecodeException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        if (reason == null) {
            throw new IllegalArgumentException("reason is required");
        }
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static ImageDecodeException empty() {
        return new ImageDecodeException(
                Reason.EMPTY,
                "image is empty (no bytes); check that the upload or download read the file");
    }

    static ImageDecodeException tooManyBytes(long size, long maxBytes) {
        return overLimit(
                Reason.TOO_MANY_BYTES,
                bytes(size),
                bytes(maxBytes),
                "decode.max-bytes",
                "send a smaller or more compressed image");
    }

    static ImageDecodeException unsupported(byte[] bytes) {
        return new ImageDecodeException(
                Reason.UNSUPPORTED_FORMAT,
                "image format not recognised: "
                        + UnknownFormat.describe(bytes)
                        + "; send JPEG, PNG, WebP, GIF or BMP");
    }

    static ImageDecodeException tooManyPixels(int width, int height, long maxPixels) {
        return overLimit(
                Reason.TOO_MANY_PIXELS,
                width + "x" + height + " = " + pixels((long) width * height),
                pixels(maxPixels),
                "decode.max-pixels",
                "send a smaller image");
    }

    static ImageDecodeException corrupt(ImageFormat format, Exception cause) {
        return corrupt("not a valid " + format.displayName(), detail(cause), REEXPORT, cause);
    }

    static ImageDecodeException overBudget(String what, long needed, long maxBytes) {
        return new ImageDecodeException(
                Reason.OVER_BUDGET,
                "image ("
                        + what
                        + ") would need about "
                        + bytes(needed)
                        + " of memory to decode, over the "
                        + bytes(maxBytes)
                        + " a decode may use (decode.max-memory-bytes); send a smaller or baseline (non-progressive) image");
    }

    static ImageDecodeException timedOut(DecodeDeadline deadline) {
        return new ImageDecodeException(
                Reason.TIMED_OUT,
                "image took longer than "
                        + deadline.limit()
                        + " to decode and was stopped; send a smaller or baseline (non-progressive) image");
    }

    static ImageDecodeException busy(long needed, long budget) {
        return new ImageDecodeException(
                Reason.BUSY,
                "no decode memory came free in time (this image needs "
                        + bytes(needed)
                        + " of the "
                        + bytes(budget)
                        + " all decodes share, decode.memory-budget-bytes); retry shortly");
    }

    static ImageDecodeException cancelled() {
        return new ImageDecodeException(
                Reason.CANCELLED, "decode cancelled: the request was given up");
    }

    static ImageDecodeException tooManyScans(int maxScans) {
        return corrupt(
                "not a valid JPEG",
                "more than " + maxScans + " progressive scans, where encoders write about 10",
                REEXPORT,
                null);
    }

    static ImageDecodeException truncated(ImageFormat format, String readerWarning) {
        return corrupt(
                "a truncated " + format.displayName(),
                oneLine(readerWarning),
                "re-upload the complete file",
                null);
    }

    /**
     * A refusal over a configured limit: "image is {size}, over the {limit} limit ({key});
     * {advice}".
     */
    private static ImageDecodeException overLimit(
            Reason reason, String size, String limit, String key, String advice) {
        return new ImageDecodeException(
                reason,
                "image is " + size + ", over the " + limit + " limit (" + key + "); " + advice);
    }

    /** A {@link Reason#CORRUPT} refusal: "image is {what} ({detail}); {advice}". */
    private static ImageDecodeException corrupt(
            String what, String detail, String advice, Throwable cause) {
        return new ImageDecodeException(
                Reason.CORRUPT, "image is " + what + " (" + detail + "); " + advice, cause);
    }

    /**
     * The reader's words for what is wrong, when they are about the data: an IOException's message.
     * A RuntimeException means the reader tripped over the data ("Index 5 out of bounds", "-2"):
     * its words and its class name would tell the sender nothing, so they stay in the attached
     * cause, for the logs.
     */
    private static String detail(Exception cause) {
        Throwable withMessage = cause;
        while (withMessage.getMessage() == null && withMessage.getCause() != null) {
            withMessage = withMessage.getCause();
        }
        String message = withMessage.getMessage();
        if (withMessage instanceof EOFException) {
            return "the data ends before the image does";
        }
        if (!(withMessage instanceof IOException) || message == null || message.isBlank()) {
            return "the decoder could not follow its data";
        }
        return oneLine(message);
    }

    private static String oneLine(String text) {
        String line = text.strip().lines().findFirst().orElse("");
        return line.length() > MAX_DETAIL ? line.substring(0, MAX_DETAIL) + "..." : line;
    }

    private static String bytes(long n) {
        if (n < 1024) {
            return n + " bytes";
        }
        return n < 1 << 20 ? decimal(n / 1024.0) + " KiB" : decimal(n / (1024.0 * 1024)) + " MiB";
    }

    private static String pixels(long n) {
        return n < 1_000_000
                ? String.format(Locale.ROOT, "%,d pixels", n)
                : decimal(n / 1e6) + " MP";
    }

    /** One decimal below 10, none above, no ".0": "2.5", "50", "961". */
    private static String decimal(double value) {
        String text = String.format(Locale.ROOT, value < 10 ? "%.1f" : "%.0f", value);
        return text.endsWith(".0") ? text.substring(0, text.length() - 2) : text;
    }
}
