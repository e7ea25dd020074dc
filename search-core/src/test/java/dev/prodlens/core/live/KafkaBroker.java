package dev.prodlens.core.live;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Apache Kafka broker for tests: one node in KRaft mode (broker and controller in one
 * server, no ZooKeeper), started in this JVM from the Maven jars with Kafka's own test kit, on
 * loopback ({@code localhost}) at ports the system picks, its storage formatted in a temporary
 * directory that {@link #close()} deletes. Shared with the other modules' tests through
 * search-core's test-jar (the replicas of issue 17 in search-api).
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start()) {
 *     new KafkaUpdateLog(broker.bootstrapServers(), "topic", ...);
 * }
 * }</pre>
 *
 * Starting takes a few seconds; a test class usually shares one broker across its tests and gives
 * each test its own topic.
 */
public final class KafkaBroker implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;
    private boolean closed;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
    }

    /** Formats storage, starts one combined KRaft node and waits until it takes requests. */
    public static KafkaBroker start() {
        KafkaClusterTestKit cluster = null;
        try {
            TestKitNodes nodes =
                    new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build();
            cluster =
                    new KafkaClusterTestKit.Builder(nodes)
                            // one broker: the internal topics cannot have more replicas
                            .setConfigProp("offsets.topic.replication.factor", "1")
                            .setConfigProp("transaction.state.log.replication.factor", "1")
                            .setConfigProp("transaction.state.log.min.isr", "1")
                            .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaBroker(cluster);
        } catch (Exception e) {
            if (cluster != null) {
                try {
                    cluster.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot start a Kafka broker for the tests: " + e, e);
        }
    }

    /** {@code host:port} of the broker's client listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Stops the broker and deletes its storage; calling it again does nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("cannot stop the Kafka broker of the tests: " + e, e);
        }
    }
}
