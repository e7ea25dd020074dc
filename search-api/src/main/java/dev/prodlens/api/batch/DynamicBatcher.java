package dev.prodlens.api.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Triton's dynamic batching for one model in a JVM. Requests wait in one bounded queue; each of
 * {@code instances} worker threads (Triton's instance_group) takes the oldest request, then keeps
 * taking requests until it holds {@code maxBatch} or {@code maxQueueDelay} has passed since the
 * oldest one arrived (Triton's max_queue_delay), and runs the model once on the whole batch. Under
 * load the queue fills while the instances are busy, so batches grow by themselves; when idle, a
 * lone request waits at most {@code maxQueueDelay}.
 *
 * <p>The queue has {@code queueCapacity} places. A caller takes one with {@link #reserve()} before
 * it prepares its input (decodes an image), then queues the input with the {@link Ticket}, or
 * closes the ticket unused to give the place back; a place is free again once an instance takes the
 * request off the queue. A full queue refuses at once ({@link QueueFullException}: the caller
 * refuses the request as overloaded, to be retried later) rather than letting latency grow without
 * bound, and before the caller has spent work on a request it cannot serve. A request whose
 * deadline passed while it waited is completed with a {@link TimeoutException} and never reaches
 * the model; nor does one whose future is already done (a caller that gave up cancels it).
 *
 * @param <I> one request's model input
 * @param <O> one request's model output
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
    /** What the batcher reports per batch (metrics). */
    public interface Listener {
        void batch(int size, long modelNanos);
    }

    /** A request's output with where its time went. */
    public record Result<O>(O output, long queueNanos, long modelNanos, int batchSize) {}

    private record Pending<I, O>(
            I input, long enqueuedNanos, long deadlineNanos, CompletableFuture<Result<O>> future) {}

    private final BlockingQueue<Pending<I, O>> queue = new LinkedBlockingQueue<>();

    /** Free places: queueCapacity less the requests queued and the tickets not yet used. */
    private final Semaphore places;

    private final int queueCapacity;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final Function<List<I>, List<O>> model;
    private final Listener listener;
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    /**
     * @param model runs one batch; must return one output per input, in order, and be safe to call
     *     from {@code instances} threads at once
     */
    public DynamicBatcher(
            String name,
            int instances,
            int maxBatch,
            Duration maxQueueDelay,
            int queueCapacity,
            Function<List<I>, List<O>> model,
            Listener listener) {
        if (instances < 1 || maxBatch < 1 || queueCapacity < 1 || maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException(
                    "instances, maxBatch, queueCapacity ≥ 1 and a delay ≥ 0 required");
        }
        this.places = new Semaphore(queueCapacity);
        this.queueCapacity = queueCapacity;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxQueueDelay.toNanos();
        this.model = model;
        this.listener = listener;
        for (int i = 0; i < instances; i++) {
            Thread worker = new Thread(this::work, name + "-instance-" + i);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
    }

    /**
     * A place in the queue, held until its request is queued with it or it is closed unused; for
     * one thread.
     */
    public final class Ticket implements AutoCloseable {
        private boolean spent;

        private Ticket() {}

        /**
         * Queues one request in this ticket's place.
         *
         * @param timeout how long it may wait in the queue before it is given up
         */
        public CompletableFuture<Result<O>> submit(I input, Duration timeout) {
            if (spent) throw new IllegalStateException("this ticket's place is used already");
            spent = true;
            if (closed) {
                places.release();
                throw new IllegalStateException("batcher is closed");
            }
            long now = System.nanoTime();
            Pending<I, O> pending =
                    new Pending<>(input, now, now + timeout.toNanos(), new CompletableFuture<>());
            queue.add(pending);
            return pending.future();
        }

        /** Gives the place back unless a request was queued in it. */
        @Override
        public void close() {
            if (!spent) {
                spent = true;
                places.release();
            }
        }
    }

    /**
     * Takes a place in the queue for a request whose input is still to be prepared.
     *
     * @throws QueueFullException when all {@code queueCapacity} places are queued or reserved
     */
    public Ticket reserve() {
        if (closed) throw new IllegalStateException("batcher is closed");
        if (!places.tryAcquire()) throw new QueueFullException(queueCapacity);
        return new Ticket();
    }

    /**
     * Reserves a place and queues one request in it.
     *
     * @param timeout how long it may wait in the queue before it is given up
     * @throws QueueFullException when all {@code queueCapacity} places are queued or reserved
     */
    public CompletableFuture<Result<O>> submit(I input, Duration timeout) {
        try (Ticket ticket = reserve()) {
            return ticket.submit(input, timeout);
        }
    }

    /** Requests waiting now. */
    public int queued() {
        return queue.size();
    }

    private void work() {
        List<Pending<I, O>> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                batch.clear();
                Pending<I, O> first = take(queue.poll(100, TimeUnit.MILLISECONDS));
                if (first == null) continue;
                batch.add(first);
                long fillUntil = first.enqueuedNanos() + maxDelayNanos;
                while (batch.size() < maxBatch) {
                    Pending<I, O> next = take(queue.poll());
                    if (next == null) {
                        long wait = fillUntil - System.nanoTime();
                        if (wait <= 0) break;
                        next = take(queue.poll(wait, TimeUnit.NANOSECONDS));
                        if (next == null) break;
                    }
                    batch.add(next);
                }
                run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException | Error e) {
                // run() completes every future; this only guards the loop itself
                for (Pending<I, O> p : batch) p.future().completeExceptionally(e);
            }
        }
    }

    /** A request off the queue frees its place. */
    private Pending<I, O> take(Pending<I, O> polled) {
        if (polled != null) places.release();
        return polled;
    }

    private void run(List<Pending<I, O>> batch) {
        long start = System.nanoTime();
        List<Pending<I, O>> live = new ArrayList<>(batch.size());
        for (Pending<I, O> p : batch) {
            if (p.deadlineNanos() - start < 0) {
                p.future()
                        .completeExceptionally(
                                new TimeoutException(
                                        "waited "
                                                + TimeUnit.NANOSECONDS.toMillis(
                                                        start - p.enqueuedNanos())
                                                + " ms for the model"));
            } else if (!p.future().isDone()) { // a caller may have given up already
                live.add(p);
            }
        }
        if (live.isEmpty()) return;
        List<I> inputs = new ArrayList<>(live.size());
        for (Pending<I, O> p : live) inputs.add(p.input());
        List<O> outputs;
        try {
            outputs = model.apply(inputs);
            if (outputs.size() != inputs.size()) {
                throw new IllegalStateException(
                        "model returned "
                                + outputs.size()
                                + " outputs for "
                                + inputs.size()
                                + " inputs");
            }
        } catch (RuntimeException e) {
            for (Pending<I, O> p : live) p.future().completeExceptionally(e);
            return;
        }
        long end = System.nanoTime();
        listener.batch(live.size(), end - start);
        for (int i = 0; i < live.size(); i++) {
            Pending<I, O> p = live.get(i);
            p.future()
                    .complete(
                            new Result<>(
                                    outputs.get(i),
                                    start - p.enqueuedNanos(),
                                    end - start,
                                    live.size()));
        }
    }

    /** Stops the instances after the batches they run; requests still queued are cancelled. */
    @Override
    public void close() {
        closed = true;
        for (Thread worker : workers) {
            try {
                worker.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Pending<I, O> p; (p = take(queue.poll())) != null; ) p.future().cancel(false);
    }
}
