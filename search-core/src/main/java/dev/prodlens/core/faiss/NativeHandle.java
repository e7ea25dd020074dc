package dev.prodlens.core.faiss;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * Owner of one native object. Readers (searches) share it, writers (add, train, remove, close) have
 * it alone, so a search never sees the object change or vanish under it, and a call after {@link
 * #close()} throws {@link IllegalStateException} instead of touching freed memory. An object that
 * is never closed is freed when it becomes unreachable.
 */
abstract class NativeHandle implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Releaser releaser;
    private final Cleaner.Cleanable cleanable;
    private final String kind;

    /** Frees the native object once; must not reference the handle owner (or it is never freed). */
    private static final class Releaser implements Runnable {
        private volatile long pointer;
        private final LongConsumer free;

        Releaser(long pointer, LongConsumer free) {
            this.pointer = pointer;
            this.free = free;
        }

        @Override
        public void run() {
            long p = pointer;
            pointer = 0;
            if (p != 0) {
                free.accept(p);
            }
        }
    }

    NativeHandle(long pointer, LongConsumer free, String kind) {
        if (pointer == 0) {
            throw new FaissException("native " + kind + " was not created");
        }
        this.kind = kind;
        this.releaser = new Releaser(pointer, free);
        this.cleanable = CLEANER.register(this, releaser);
    }

    /** Runs {@code body} with the native pointer while other readers may run too. */
    final <T> T shared(LongFunction<T> body) {
        return holding(lock.readLock(), body);
    }

    /** Runs {@code body} with the native pointer and no concurrent reader or writer. */
    final <T> T exclusive(LongFunction<T> body) {
        return holding(lock.writeLock(), body);
    }

    private <T> T holding(Lock held, LongFunction<T> body) {
        held.lock();
        try {
            return body.apply(pointer());
        } finally {
            held.unlock();
            Reference.reachabilityFence(this); // the Cleaner must not free it mid-call
        }
    }

    private long pointer() {
        long p = releaser.pointer;
        if (p == 0) {
            throw new IllegalStateException("the " + kind + " is closed");
        }
        return p;
    }

    public final boolean isClosed() {
        return releaser.pointer == 0;
    }

    /** Frees the native object after in-flight calls finish; later calls throw. Idempotent. */
    @Override
    public void close() {
        ReentrantReadWriteLock.WriteLock write = lock.writeLock();
        write.lock();
        try {
            cleanable.clean();
        } finally {
            write.unlock();
        }
    }
}
