package dev.prodlens.core.image;

import dev.prodlens.core.config.ConfigKeys;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * When one decode must stop, and a switch to stop it earlier (the client went away). Checked by the
 * decoders while they work, not only when they are done: libjpeg's progress monitor reads the
 * deadline and the cancel flag between rows of blocks (see {@code jpeg_jni.cpp}), ImageIO readers
 * are aborted from their progress callbacks, and waiting for decode memory ends at the deadline.
 *
 * <p>Thread-safe: {@link #cancel()} may be called from any thread while a decode runs.
 */
public final class DecodeDeadline {
    /** The decode timeout's own key, the default {@link #limit()}. */
    public static final String DECODE_TIMEOUT_KEY = ConfigKeys.DECODE_TIMEOUT_MS.name();

    private final long deadlineNanos;

    /** What set the deadline, for messages: "3000 ms (decode.timeout-ms)". */
    private final String limit;

    private final Switch cancel;

    /** The cancel switch, shared by a deadline and those made {@link #within} it. */
    private static final class Switch {
        /** Byte 0 nonzero: cancelled. Direct, so the native decoder reads the same byte. */
        private final ByteBuffer flag = ByteBuffer.allocateDirect(1);

        private volatile boolean cancelled;
    }

    private DecodeDeadline(long deadlineNanos, String limit, Switch cancel) {
        this.deadlineNanos = deadlineNanos;
        this.limit = limit;
        this.cancel = cancel;
    }

    /** A deadline {@code timeout} ({@code decode.timeout-ms}) from now. */
    public static DecodeDeadline after(Duration timeout) {
        return after(timeout, DECODE_TIMEOUT_KEY);
    }

    /**
     * A deadline {@code timeout} from now, set by configuration key {@code key} (named in
     * messages).
     */
    public static DecodeDeadline after(Duration timeout, String key) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a decode timeout must be positive, got " + timeout);
        }
        return new DecodeDeadline(
                System.nanoTime() + timeout.toNanos(), describe(timeout, key), new Switch());
    }

    /**
     * A deadline {@code timeout} ({@code decode.timeout-ms}) from now, or this one if it comes
     * first, with this one's cancel switch: one decode of several that share a deadline (a batch
     * request's images).
     */
    public DecodeDeadline within(Duration timeout) {
        long now = System.nanoTime();
        return timeout.toNanos() < deadlineNanos - now
                ? new DecodeDeadline(
                        now + timeout.toNanos(), describe(timeout, DECODE_TIMEOUT_KEY), cancel)
                : new DecodeDeadline(deadlineNanos, limit, cancel);
    }

    private static String describe(Duration timeout, String key) {
        return timeout.toMillis() + " ms (" + key + ")";
    }

    /** What set this deadline, for messages: "3000 ms (decode.timeout-ms)". */
    String limit() {
        return limit;
    }

    /** Stops the decode (if one runs) at its next check, and any decode started later at once. */
    public void cancel() {
        cancel.cancelled = true;
        cancel.flag.put(0, (byte) 1);
    }

    public boolean isCancelled() {
        return cancel.cancelled;
    }

    /** Whether the deadline has passed. */
    public boolean isExpired() {
        return remainingNanos() <= 0;
    }

    /** Nanoseconds left before the deadline (negative once passed). */
    public long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }

    /**
     * The deadline as a {@link System#nanoTime()} value, which the native decoder compares with
     * {@code clock_gettime(CLOCK_MONOTONIC)}: HotSpot's nanoTime on Linux.
     */
    long nanoTime() {
        return deadlineNanos;
    }

    ByteBuffer cancelFlag() {
        return cancel.flag;
    }

    /**
     * Throws the refusal when cancelled or past the deadline (also for work after the decode that
     * the deadline covers: the crops of a region search).
     */
    public void check() throws ImageDecodeException {
        if (isCancelled()) {
            throw ImageDecodeException.cancelled();
        }
        if (isExpired()) {
            throw ImageDecodeException.timedOut(this);
        }
    }
}
