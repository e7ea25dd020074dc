package dev.prodlens.core.live;

import static dev.prodlens.core.config.ConfigKeys.BUNDLES_DIR;
import static dev.prodlens.core.config.ConfigKeys.CATALOGUE_NAME;
import static dev.prodlens.core.config.ConfigKeys.LIVE_DIR;
import static dev.prodlens.core.config.ConfigKeys.LIVE_KAFKA_MIN_INSYNC_REPLICAS;
import static dev.prodlens.core.config.ConfigKeys.LIVE_KAFKA_REPLICATION_FACTOR;
import static dev.prodlens.core.config.ConfigKeys.LIVE_KAFKA_SERVERS;
import static dev.prodlens.core.config.ConfigKeys.LIVE_KAFKA_TIMEOUT_MS;
import static dev.prodlens.core.config.ConfigKeys.LIVE_KAFKA_TOPIC;
import static dev.prodlens.core.config.ConfigKeys.LIVE_LOG;
import static dev.prodlens.core.config.ConfigKeys.LIVE_SEGMENT_BYTES;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Which update log the configuration names ({@code live.*}), for the service and for reindex: the
 * one place that turns those keys into a log.
 */
public final class UpdateLogs {
    /**
     * The largest record a log accepts: an upsert of the largest vector ({@link
     * UpdateCodec#MAX_DIM} floats) with every field at its bound fits.
     */
    public static final int MAX_RECORD_BYTES =
            UpdateCodec.MAX_DIM * Float.BYTES
                    + UpdateCodec.MAX_FIELDS
                            * (UpdateCodec.MAX_NAME_BYTES + UpdateCodec.MAX_TEXT_BYTES + 8)
                    + 4 * UpdateCodec.MAX_TEXT_BYTES;

    /** The backends {@code live.log} names. */
    public enum Backend {
        LOCAL,
        KAFKA,
        OFF
    }

    private UpdateLogs() {}

    public static Backend backend(Config config) {
        return config.enumValue(LIVE_LOG, Backend.class);
    }

    /** The local log's directory: {@code live.dir}, else bundles.dir/catalogue/updates. */
    public static Path localDir(Config config, Path base) {
        return config.find(LIVE_DIR).isPresent()
                ? config.path(LIVE_DIR, base)
                : config.path(BUNDLES_DIR, base)
                        .resolve(config.get(CATALOGUE_NAME))
                        .resolve("updates");
    }

    /** The Kafka topic: {@code live.kafka.topic}, else prodlens-catalogue-updates. */
    public static String kafkaTopic(Config config) {
        return config.find(LIVE_KAFKA_TOPIC)
                .orElse("prodlens-" + config.get(CATALOGUE_NAME) + "-updates");
    }

    /**
     * What a manifest records as the log: {@code local:<dir>} or {@code kafka:<servers>/<topic>}.
     */
    public static Optional<String> describe(Config config, Path base) {
        return switch (backend(config)) {
            case LOCAL -> Optional.of("local:" + localDir(config, base));
            case KAFKA -> Optional.of("kafka:" + kafkaServers(config) + "/" + kafkaTopic(config));
            case OFF -> Optional.empty();
        };
    }

    /**
     * Opens the log the configuration names, to write and follow it; empty for {@code
     * live.log=off}. Only one process may open a local log.
     *
     * @throws UpdateLogException when the log cannot be opened (locked by another process, damaged,
     *     Kafka unreachable)
     * @throws ConfigException when {@code live.log=kafka} names no servers
     */
    public static Optional<UpdateLog> open(Config config, Path base) {
        return switch (backend(config)) {
            case LOCAL ->
                    Optional.of(
                            new LocalUpdateLog(
                                    localDir(config, base),
                                    config.get(LIVE_SEGMENT_BYTES),
                                    MAX_RECORD_BYTES));
            case KAFKA ->
                    Optional.of(
                            new KafkaUpdateLog(
                                    kafkaServers(config),
                                    kafkaTopic(config),
                                    MAX_RECORD_BYTES,
                                    Duration.ofMillis(config.get(LIVE_KAFKA_TIMEOUT_MS)),
                                    config.get(LIVE_KAFKA_REPLICATION_FACTOR),
                                    config.get(LIVE_KAFKA_MIN_INSYNC_REPLICAS)));
            case OFF -> Optional.empty();
        };
    }

    /**
     * Reads the whole log the configuration names as it is now, for reindex to fold into a bundle:
     * every record from the log's start up to its end at this moment, in position order. A local
     * log is read without its lock ({@link LocalUpdateLog#readCommitted}), so the service may hold
     * it open and append meanwhile; a local directory that does not exist yet holds nothing. A
     * Kafka log is opened as a reader would (the topic is created when absent).
     *
     * @return the position of the last record read: the log's end at that moment minus one; -1 for
     *     a log that never held a record, and for {@code live.log=off} (nothing read)
     * @throws UpdateLogException when the log is damaged or cannot be reached
     */
    public static long readCommitted(Config config, Path base, UpdateLog.LogConsumer consumer) {
        switch (backend(config)) {
            case LOCAL -> {
                return LocalUpdateLog.readCommitted(localDir(config, base), consumer) - 1;
            }
            case KAFKA -> {
                try (UpdateLog log = open(config, base).orElseThrow()) {
                    long start = log.start();
                    long[] last = {start - 1};
                    log.read(
                            start,
                            (position, record) -> {
                                last[0] = position;
                                consumer.accept(position, record);
                            });
                    return last[0];
                }
            }
            default -> {
                return -1;
            }
        }
    }

    private static String kafkaServers(Config config) {
        return config.find(LIVE_KAFKA_SERVERS)
                .orElseThrow(
                        () ->
                                new ConfigException(
                                        "live.log=kafka needs live.kafka.servers (host:port,... of"
                                                + " the brokers); set it, or live.log=local for one"
                                                + " node"));
    }
}
