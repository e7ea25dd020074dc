package dev.prodlens.core.image;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory all decodes of one {@link ImageDecoder} may hold at once, handed out by weight: a
 * decode first reserves what {@link DecodeCost} says it will need, and waits (first come, first
 * served) until that much is free. So however many requests arrive together, the decodes in flight
 * never hold more than the budget: a burst of heavy images queues here instead of exhausting the
 * heap or the native memory.
 *
 * <p>Counted in KiB so that a budget of terabytes still fits a {@link Semaphore}'s int permits.
 */
public final class DecodeBudget {
    private final long capacityBytes;
    private final Semaphore kib;
    private final AtomicLong inUseBytes = new AtomicLong();

    DecodeBudget(long capacityBytes) {
        if (capacityBytes < 1024 || capacityBytes / 1024 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "decode.memory-budget-bytes must be in [1024, "
                            + (long) Integer.MAX_VALUE * 1024
                            + "], got "
                            + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
        this.kib = new Semaphore((int) (capacityBytes / 1024), true);
    }

    /** The whole budget, in bytes. */
    public long capacityBytes() {
        return capacityBytes;
    }

    /** Bytes reserved by the decodes running now. */
    public long inUseBytes() {
        return inUseBytes.get();
    }

    /** A reservation; closing it gives the memory back. */
    final class Lease implements AutoCloseable {
        private final int permits;
        private final long bytes;
        private boolean closed;

        private Lease(int permits, long bytes) {
            this.permits = permits;
            this.bytes = bytes;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                inUseBytes.addAndGet(-bytes);
                kib.release(permits);
            }
        }
    }

    /**
     * Reserves {@code bytes} (at most the capacity: the caller refuses bigger decodes first),
     * waiting until the deadline.
     *
     * @throws ImageDecodeException BUSY when the memory did not free up before the deadline,
     *     CANCELLED when the deadline was cancelled meanwhile
     */
    Lease acquire(long bytes, DecodeDeadline deadline) throws ImageDecodeException {
        int permits = (int) Math.max(1, (Math.min(bytes, capacityBytes) + 1023) / 1024);
        // one timed wait keeps the decode's place in the first-come queue; a cancellation
        // meanwhile is seen when it ends (at the latest at the deadline)
        boolean acquired;
        try {
            acquired =
                    !deadline.isCancelled()
                            && kib.tryAcquire(
                                    permits,
                                    Math.max(0, deadline.remainingNanos()),
                                    TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ImageDecodeException.cancelled();
        }
        if (acquired && deadline.isCancelled()) {
            kib.release(permits);
            acquired = false;
        }
        if (!acquired) {
            throw deadline.isCancelled()
                    ? ImageDecodeException.cancelled()
                    : ImageDecodeException.busy(bytes, capacityBytes);
        }
        inUseBytes.addAndGet(bytes);
        return new Lease(permits, bytes);
    }
}
