package dev.prodlens.core.live;

import static dev.prodlens.core.live.UpdateLogCrashChild.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link KafkaUpdateLog} on a real KRaft broker ({@link KafkaBroker}); each test its own topic. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KafkaUpdateLogTest extends UpdateLogContractTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final AtomicInteger TOPICS = new AtomicInteger();

    private static KafkaBroker broker;
    private String topic;

    @BeforeAll
    static void startBroker() {
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void newTopic() {
        topic = "updates-" + TOPICS.incrementAndGet();
    }

    @Override
    UpdateLog open(int maxRecordBytes) {
        return new KafkaUpdateLog(broker.bootstrapServers(), topic, maxRecordBytes, TIMEOUT, 1, 1);
    }

    @Test
    void twoLogsOnOneTopicReadTheSameSequence() {
        try (UpdateLog writer = open();
                UpdateLog replica = open()) {
            fill(writer, 5);
            assertEquals(5, replica.append(payload(5)));
            assertEquals(List.of(6L, 7L), writer.appendAll(List.of(payload(6), payload(7))));
            assertEquals(8, writer.end());
            assertEquals(8, replica.end());
            Map<Long, byte[]> fromWriter = readAll(writer, 0);
            Map<Long, byte[]> fromReplica = readAll(replica, 0);
            assertEquals(fromWriter.keySet(), fromReplica.keySet());
            fromWriter.forEach((p, r) -> assertArrayEquals(r, fromReplica.get(p), "record " + p));
            assertHolds(replica, 0);
            assertHolds(replica, 6);
        }
    }

    @Test
    void readingBelowTheStartAfterDropBeforeFails() {
        try (UpdateLog log = open()) {
            fill(log, 40);
            log.dropBefore(17);
            assertEquals(17, log.start());
            assertHolds(log, 17);
            UpdateLogException e =
                    assertThrows(UpdateLogException.class, () -> log.read(16, (p, r) -> {}));
            assertTrue(e.getMessage().contains("was dropped"), e.getMessage());
            assertTrue(e.getMessage().contains("starts at 17"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> log.dropBefore(41));
            log.dropBefore(40);
            assertEquals(40, log.start());
            assertEquals(Map.of(), readAll(log, 40));
            fill(log, 42);
            assertHolds(log, 40);
        }
        try (UpdateLog log = open()) {
            assertEquals(40, log.start());
            assertEquals(42, log.end());
        }
    }

    @Test
    void aTopicWithSeveralPartitionsIsRefused() throws Exception {
        try (Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
        }
        UpdateLogException e = assertThrows(UpdateLogException.class, this::open);
        assertTrue(e.getMessage().contains("has 3 partitions"), e.getMessage());
        assertTrue(e.getMessage().contains("exactly one"), e.getMessage());
    }

    @Test
    void appendFailsWithinTheTimeoutWhenTheBrokerIsDown() {
        Duration timeout = Duration.ofSeconds(3);
        String servers;
        UpdateLog log;
        try (KafkaBroker own = KafkaBroker.start()) {
            servers = own.bootstrapServers();
            log = new KafkaUpdateLog(servers, "down", MAX, timeout, 1, 1);
            assertEquals(0, log.append(payload(0)));
        }
        try (log) {
            List<Long> took = new ArrayList<>();
            for (int i = 0; i < 2; i++) { // append, then appendAll
                long began = System.nanoTime();
                UpdateLogException e =
                        assertThrows(
                                UpdateLogException.class,
                                i == 0
                                        ? () -> log.append(payload(1))
                                        : () -> log.appendAll(List.of(payload(1), payload(2))));
                took.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
                assertTrue(e.getMessage().contains(servers), e.getMessage());
                assertTrue(
                        e.getMessage().contains("check that the brokers are up"), e.getMessage());
                assertTrue(!e.getMessage().contains("\n"), e.getMessage());
            }
            for (long ms : took) {
                assertTrue(ms < timeout.toMillis() + 2000, "took " + took + " ms");
            }
        }
    }
}
