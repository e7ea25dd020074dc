package dev.prodlens.api.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The batcher's contract with a model that is a plain function, gated by latches so every assertion
 * follows from the order of events, not from timing.
 */
class DynamicBatcherTest {
    private static final Duration LONG = Duration.ofSeconds(30);

    /** A "model" that doubles its inputs, records batch sizes, and can be held at a gate. */
    private static final class GatedModel implements Function<List<Integer>, List<Integer>> {
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final CountDownLatch entered;
        final CountDownLatch release;
        final AtomicInteger running = new AtomicInteger();
        volatile int maxRunning;

        GatedModel(int enterings, boolean gated) {
            entered = new CountDownLatch(enterings);
            release = new CountDownLatch(gated ? 1 : 0);
        }

        /** Whether the expected number of batches entered the model within 30 s. */
        boolean awaitEntered() throws InterruptedException {
            return entered.await(30, TimeUnit.SECONDS);
        }

        @Override
        public List<Integer> apply(List<Integer> inputs) {
            maxRunning = Math.max(maxRunning, running.incrementAndGet());
            batchSizes.add(inputs.size());
            entered.countDown();
            try {
                assertTrue(release.await(30, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            running.decrementAndGet();
            List<Integer> out = new ArrayList<>();
            for (int i : inputs) out.add(2 * i);
            return out;
        }
    }

    private static final DynamicBatcher.Listener NO_LISTENER = (size, nanos) -> {};

    private static DynamicBatcher<Integer, Integer> batcher(
            int instances,
            int maxBatch,
            Duration queueDelay,
            int queueCapacity,
            Function<List<Integer>, List<Integer>> model) {
        return new DynamicBatcher<>(
                "t", instances, maxBatch, queueDelay, queueCapacity, model, NO_LISTENER);
    }

    /**
     * A one-instance batcher whose gated model holds request 0 ({@link #running}): what is
     * submitted next waits in the queue until {@code model.release} opens.
     */
    private static final class Occupied implements AutoCloseable {
        final GatedModel model = new GatedModel(1, true);
        final DynamicBatcher<Integer, Integer> batcher;
        final CompletableFuture<DynamicBatcher.Result<Integer>> running;

        Occupied(int maxBatch, int queueCapacity, String why) throws InterruptedException {
            batcher = batcher(1, maxBatch, Duration.ZERO, queueCapacity, model);
            try {
                running = batcher.submit(0, LONG);
                assertTrue(model.awaitEntered(), why);
            } catch (Throwable t) {
                batcher.close();
                throw t;
            }
        }

        @Override
        public void close() {
            batcher.close();
        }
    }

    /** The request's result, waited for at most 30 s. */
    private static DynamicBatcher.Result<Integer> result(
            CompletableFuture<DynamicBatcher.Result<Integer>> request) throws Exception {
        return request.get(30, TimeUnit.SECONDS);
    }

    @Test
    void requestsQueuedWhileTheInstanceIsBusyRunAsOneBatch() throws Exception {
        GatedModel model = new GatedModel(1, true);
        try (DynamicBatcher<Integer, Integer> batcher = batcher(1, 8, Duration.ZERO, 100, model)) {
            CompletableFuture<DynamicBatcher.Result<Integer>> first = batcher.submit(1, LONG);
            assertTrue(model.awaitEntered(), "the first request runs alone");
            List<CompletableFuture<DynamicBatcher.Result<Integer>>> waiting = new ArrayList<>();
            for (int i = 2; i <= 11; i++) waiting.add(batcher.submit(i, LONG));
            model.release.countDown();
            assertEquals(2, result(first).output());
            for (int i = 0; i < waiting.size(); i++) {
                DynamicBatcher.Result<Integer> r = result(waiting.get(i));
                assertEquals(2 * (i + 2), r.output(), "each request gets its own output");
                assertTrue(r.batchSize() > 1, "shared a batch");
            }
            assertEquals(
                    List.of(1, 8, 2),
                    model.batchSizes,
                    "10 waiting requests: a full batch of 8, then the 2 left");
        }
    }

    @Test
    void withBatchingOffEveryRequestIsItsOwnBatch() throws Exception {
        GatedModel model = new GatedModel(1, false);
        try (DynamicBatcher<Integer, Integer> batcher = batcher(1, 1, Duration.ZERO, 100, model)) {
            List<CompletableFuture<DynamicBatcher.Result<Integer>>> all = new ArrayList<>();
            for (int i = 0; i < 20; i++) all.add(batcher.submit(i, LONG));
            for (CompletableFuture<DynamicBatcher.Result<Integer>> f : all)
                assertEquals(1, result(f).batchSize());
            assertEquals(20, model.batchSizes.size());
        }
    }

    @Test
    void aLoneRequestWaitsForCompanyAtMostTheQueueDelay() throws Exception {
        GatedModel model = new GatedModel(1, false);
        Duration delay = Duration.ofMillis(200);
        try (DynamicBatcher<Integer, Integer> batcher = batcher(1, 8, delay, 100, model)) {
            DynamicBatcher.Result<Integer> r = result(batcher.submit(21, LONG));
            assertEquals(42, r.output());
            assertEquals(1, r.batchSize());
            assertTrue(
                    r.queueNanos() >= delay.toNanos(),
                    "it waited for the batch to fill: " + r.queueNanos());
        }
    }

    @Test
    void instancesRunBatchesInParallel() throws Exception {
        GatedModel model = new GatedModel(2, true);
        try (DynamicBatcher<Integer, Integer> batcher = batcher(2, 1, Duration.ZERO, 100, model)) {
            CompletableFuture<DynamicBatcher.Result<Integer>> a = batcher.submit(1, LONG);
            CompletableFuture<DynamicBatcher.Result<Integer>> b = batcher.submit(2, LONG);
            assertTrue(model.awaitEntered(), "both instances are inside the model at once");
            model.release.countDown();
            assertEquals(2, result(a).output());
            assertEquals(4, result(b).output());
            assertEquals(2, model.maxRunning);
        }
    }

    @Test
    void aFullQueueRefusesAtOnce() throws Exception {
        try (Occupied busy = new Occupied(1, 2, "the model holds request 0")) {
            CompletableFuture<DynamicBatcher.Result<Integer>> q1 = busy.batcher.submit(1, LONG);
            CompletableFuture<DynamicBatcher.Result<Integer>> q2 = busy.batcher.submit(2, LONG);
            assertEquals(2, busy.batcher.queued());
            assertThrows(QueueFullException.class, () -> busy.batcher.submit(3, LONG));
            busy.model.release.countDown();
            assertEquals(0, result(busy.running).output());
            assertEquals(2, result(q1).output());
            assertEquals(4, result(q2).output());
        }
    }

    @Test
    void aReservedPlaceCountsAgainstTheQueueUntilItIsUsedOrGivenBack() throws Exception {
        try (Occupied busy = new Occupied(1, 2, "off the queue: its place is free again")) {
            DynamicBatcher<Integer, Integer>.Ticket a = busy.batcher.reserve();
            DynamicBatcher<Integer, Integer>.Ticket b = busy.batcher.reserve();
            assertEquals(0, busy.batcher.queued(), "reserved, not queued");
            assertThrows(
                    QueueFullException.class, busy.batcher::reserve, "two places, both reserved");
            assertThrows(QueueFullException.class, () -> busy.batcher.submit(9, LONG));
            a.close();
            a.close(); // twice gives back one place, not two
            DynamicBatcher<Integer, Integer>.Ticket c = busy.batcher.reserve();
            assertThrows(QueueFullException.class, busy.batcher::reserve);
            CompletableFuture<DynamicBatcher.Result<Integer>> queued = b.submit(2, LONG);
            b.close(); // used: closing it gives nothing back
            assertEquals(1, busy.batcher.queued());
            assertThrows(
                    QueueFullException.class, busy.batcher::reserve, "one queued, one reserved");
            assertThrows(
                    IllegalStateException.class,
                    () -> b.submit(3, LONG),
                    "a ticket queues one request");
            busy.model.release.countDown();
            assertEquals(0, result(busy.running).output());
            assertEquals(4, result(queued).output());
            c.close();
            try (DynamicBatcher<Integer, Integer>.Ticket d = busy.batcher.reserve();
                    DynamicBatcher<Integer, Integer>.Ticket e = busy.batcher.reserve()) {
                assertEquals(
                        10,
                        result(d.submit(5, LONG)).output(),
                        "both places free once the queue is empty");
                assertEquals(12, result(e.submit(6, LONG)).output());
            }
        }
    }

    @Test
    void aRequestPastItsDeadlineNeverReachesTheModel() throws Exception {
        try (Occupied busy = new Occupied(8, 10, "the model holds request 0")) {
            CompletableFuture<DynamicBatcher.Result<Integer>> late =
                    busy.batcher.submit(1, Duration.ofMillis(1));
            Thread.sleep(20); // past the 1 ms deadline (a lower bound, not a timing assertion)
            busy.model.release.countDown();
            result(busy.running);
            ExecutionException e = assertThrows(ExecutionException.class, () -> result(late));
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertEquals(List.of(1), busy.model.batchSizes, "only the first request ran");
        }
    }

    @Test
    void aFailingModelFailsItsBatchAndTheBatcherGoesOn() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Function<List<Integer>, List<Integer>> flaky =
                inputs -> {
                    if (calls.incrementAndGet() == 1)
                        throw new IllegalStateException("engine error");
                    return inputs;
                };
        try (DynamicBatcher<Integer, Integer> batcher = batcher(1, 1, Duration.ZERO, 10, flaky)) {
            ExecutionException e =
                    assertThrows(ExecutionException.class, () -> result(batcher.submit(1, LONG)));
            assertEquals("engine error", e.getCause().getMessage());
            assertEquals(7, result(batcher.submit(7, LONG)).output());
        }
    }
}
