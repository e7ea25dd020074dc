package dev.prodlens.core.live;

import static dev.prodlens.core.live.UpdateLogCrashChild.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What every {@link UpdateLog} backend promises, run by each backend's test ({@link
 * LocalUpdateLogTest}, {@link KafkaUpdateLogTest}) on storage of its own.
 */
abstract class UpdateLogContractTest {
    static final int MAX = 4096;

    /**
     * Opens the log over this test's storage (empty when the test begins; the same storage on every
     * call within one test, so a second call reopens what the first wrote).
     */
    abstract UpdateLog open(int maxRecordBytes);

    UpdateLog open() {
        return open(MAX);
    }

    /** Appends payload(p) at each position from end() up to {@code end}, one call each. */
    static void fill(UpdateLog log, long end) {
        for (long p = log.end(); p < end; p++) {
            assertEquals(p, log.append(payload(p)));
        }
    }

    static Map<Long, byte[]> readAll(UpdateLog log, long from) {
        Map<Long, byte[]> records = new LinkedHashMap<>();
        log.read(from, records::put);
        return records;
    }

    /** The log holds payload(p) at every position from {@code from} to its end, in order. */
    static void assertHolds(UpdateLog log, long from) {
        List<Long> positions = new ArrayList<>();
        log.read(
                from,
                (position, record) -> {
                    positions.add(position);
                    assertArrayEquals(payload(position), record, "record " + position);
                });
        assertEquals(Stream.iterate(from, p -> p + 1).limit(log.end() - from).toList(), positions);
    }

    @Test
    void appendsAndReadsBack() {
        try (UpdateLog log = open()) {
            assertEquals(0, log.start());
            assertEquals(0, log.end());
            assertEquals(0, log.append(payload(0))); // an empty record
            assertEquals(1, log.append(payload(1)));
            assertEquals(
                    List.of(2L, 3L, 4L),
                    log.appendAll(List.of(payload(2), payload(3), payload(4))));
            assertEquals(List.of(), log.appendAll(List.of()));
            assertEquals(5, log.end());
            assertHolds(log, 0);
            assertHolds(log, 3);
            assertEquals(Map.of(), readAll(log, 5));
            assertThrows(IllegalArgumentException.class, () -> log.read(6, (p, r) -> {}));
        }
    }

    @Test
    void aFollowerDeliversRecordsInOrderAsTheyBecomeDurable() throws Exception {
        try (UpdateLog log = open()) {
            fill(log, 3);
            Map<Long, byte[]> seen = new ConcurrentHashMap<>();
            List<Long> order = java.util.Collections.synchronizedList(new ArrayList<>());
            try (UpdateLog.Follower follower = log.follow(1)) {
                assertEquals(1, follower.next());
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (follower.next() < 3 && System.nanoTime() < deadline) {
                    follower.poll(
                            java.time.Duration.ofMillis(200),
                            (p, r) -> {
                                order.add(p);
                                seen.put(p, r);
                            });
                }
                // appended while the follower is open, by another thread: delivered too
                Thread writer = new Thread(() -> fill(log, 40));
                writer.start();
                while (follower.next() < 40 && System.nanoTime() < deadline) {
                    follower.poll(
                            java.time.Duration.ofMillis(200),
                            (p, r) -> {
                                order.add(p);
                                seen.put(p, r);
                            });
                }
                writer.join();
                assertEquals(Stream.iterate(1L, p -> p + 1).limit(39).toList(), order);
                for (long p = 1; p < 40; p++) {
                    assertArrayEquals(payload(p), seen.get(p), "record " + p);
                }
                // nothing new: a poll waits, and wakeup ends the wait early
                Thread waker =
                        new Thread(
                                () -> {
                                    sleep(300);
                                    follower.wakeup();
                                });
                waker.start();
                assertEquals(
                        0, follower.poll(java.time.Duration.ofSeconds(30), (p, r) -> order.add(p)));
                waker.join();
                assertEquals(40, follower.next());
            }
            assertThrows(IllegalArgumentException.class, () -> log.follow(41));
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void reopenedLogContinuesTheSequence() {
        try (UpdateLog log = open()) {
            fill(log, 10);
        }
        try (UpdateLog log = open()) {
            assertEquals(10, log.end());
            fill(log, 12);
        }
        try (UpdateLog log = open()) {
            assertEquals(12, log.end());
            assertHolds(log, 0);
        }
    }

    @Test
    void anOversizeRecordIsRefusedBeforeAnythingIsWritten() {
        try (UpdateLog log = open(100)) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> log.append(new byte[101]));
            assertTrue(
                    e.getMessage().contains("101 bytes is over the bound of 100"), e.getMessage());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> log.appendAll(List.of(new byte[1], new byte[101])));
            assertEquals(0, log.end());
            // nothing was written or sent: the first record the log takes is at position 0
            assertEquals(0, log.append(new byte[100]));
        }
    }

    @Test
    void concurrentAppendersGetUniqueContiguousPositions() throws Exception {
        int threads = 8;
        int each = 250;
        Map<Long, byte[]> appended = new ConcurrentHashMap<>();
        try (UpdateLog log = open()) {
            List<Thread> workers = new ArrayList<>();
            Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread worker =
                        new Thread(
                                () -> {
                                    for (int i = 0; i < each; i++) {
                                        byte[] record =
                                                ("thread " + thread + " record " + i)
                                                        .getBytes(StandardCharsets.UTF_8);
                                        assertEquals(
                                                null, appended.put(log.append(record), record));
                                    }
                                });
                worker.setUncaughtExceptionHandler((th, e) -> failures.add(e));
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
            assertEquals(List.of(), List.copyOf(failures));
            assertEquals(threads * each, log.end());
            Set<Long> read = new HashSet<>();
            log.read(
                    0,
                    (position, record) -> {
                        assertTrue(read.add(position));
                        assertArrayEquals(appended.get(position), record, "record " + position);
                    });
            assertEquals(appended.keySet(), read);
        }
    }
}
