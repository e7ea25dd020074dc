package dev.prodlens.core.image;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * When one decode must stop, and a switch to stop it earlier (the client went away). Checked by
 * the decoders while they work, not only when they are done: libjpeg's progress monitor reads the
 * deadline and the cancel flag between rows of blocks (see {@code jpeg_jni.cpp}), ImageIO readers
 * are aborted from their progress callbacks, and waiting for decode memory ends at the deadline.
 *
 * <p>Thread-safe: {@link #cancel()} may be called from any thread while a decode runs.
 */
public final class DecodeDeadline {
    private final long deadlineNanos;
    /** Byte 0 nonzero: cancelled. Direct, so the native decoder reads the same byte. */
    private final ByteBuffer cancelFlag = ByteBuffer.allocateDirect(1);
    private volatile boolean cancelled;

    private DecodeDeadline(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** A deadline {@code timeout} from now. */
    public static DecodeDeadline after(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a decode timeout must be positive, got " + timeout);
        }
        return new DecodeDeadline(System.nanoTime() + timeout.toNanos());
    }

    /** Stops the decode (if one runs) at its next check, and any decode started later at once. */
    public void cancel() {
        cancelled = true;
        cancelFlag.put(0, (byte) 1);
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Whether the deadline has passed. */
    public boolean isExpired() {
        return remainingNanos() <= 0;
    }

    /** Nanoseconds left before the deadline (negative once passed). */
    public long remainingNanos() {
        return deadlineNanos - System.nanoTime();
    }

    /** The deadline as a {@link System#nanoTime()} value (what the native decoder compares with). */
    long nanoTime() {
        return deadlineNanos;
    }

    ByteBuffer cancelFlag() {
        return cancelFlag;
    }

    /** Throws the refusal when cancelled or past the deadline. */
    void check(Duration timeout) throws ImageDecodeException {
        if (cancelled) {
            throw ImageDecodeException.cancelled();
        }
        if (isExpired()) {
            throw ImageDecodeException.timedOut(timeout);
        }
    }
}
