package dev.prodlens.core.live;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The update log on Apache Kafka, for several API replicas that all consume one topic (issue 17).
 *
 * <p>The log is partition 0 of a topic with exactly <b>one</b> partition: Kafka orders records only
 * within a partition, and the log's order is the order every replica applies. Positions are the
 * partition's offsets. The constructor creates the topic if it is absent (one partition, the
 * replication factor and {@code min.insync.replicas} given, no time or size retention: records go
 * only through {@link #dropBefore}) and refuses a topic with more than one partition.
 *
 * <p><b>Durable</b> here means acknowledged with {@code acks=all}: every replica in the partition's
 * in-sync set has the record, and the broker refuses the write when fewer than {@code
 * min.insync.replicas} are in sync. The brokers do not fsync each record; the record survives the
 * loss of all but one of the replicas that acknowledged it (see docs/live.md). The producer is
 * idempotent ({@code enable.idempotence=true}, at most 5 requests in flight), so its own retries
 * neither duplicate nor reorder records.
 *
 * <p>Every call that talks to Kafka gives up after the timeout given to the constructor with an
 * {@link UpdateLogException} naming the servers and what to check, so a broker that is down makes
 * {@link #append} fail, not hang.
 */
public final class KafkaUpdateLog implements UpdateLog {
    /** Room for a record batch's headers on top of the largest record, in the size limits. */
    private static final int BATCH_OVERHEAD = 1024;

    private static final int KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1048588;

    private final String servers;
    private final String topic;
    private final TopicPartition partition;
    private final int maxRecordBytes;
    private final Duration timeout;
    private final Properties consumerConfig;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;

    /**
     * Connects to Kafka, creates the topic if it is absent and checks that it has one partition.
     *
     * @param bootstrapServers {@code host:port,...} of the brokers
     * @param topic the topic that holds the log
     * @param maxRecordBytes the largest record {@link #append} accepts
     * @param timeout how long any one call waits for Kafka before it fails
     * @param replicationFactor replicas of the topic if this creates it (1 for one broker; 3 in
     *     production)
     * @param minInsyncReplicas {@code min.insync.replicas} of the topic if this creates it (1 for
     *     one broker; 2 in production)
     * @throws UpdateLogException if Kafka cannot be reached within the timeout, or the topic has
     *     more than one partition
     */
    public KafkaUpdateLog(
            String bootstrapServers,
            String topic,
            int maxRecordBytes,
            Duration timeout,
            int replicationFactor,
            int minInsyncReplicas) {
        if (maxRecordBytes < 0
                || timeout.toMillis() < 2
                || replicationFactor < 1
                || minInsyncReplicas < 1
                || minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException(
                    "need a record bound >= 0, a timeout of at least 2 ms and 1 <="
                            + " min.insync.replicas <= replication factor; got "
                            + maxRecordBytes
                            + ", "
                            + timeout
                            + ", "
                            + minInsyncReplicas
                            + " and "
                            + replicationFactor);
        }
        this.servers = bootstrapServers;
        this.topic = topic;
        this.partition = new TopicPartition(topic, 0);
        this.maxRecordBytes = maxRecordBytes;
        this.timeout = timeout;
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        int requestMs = Math.max(1, Math.min(30_000, timeoutMs / 2));
        int maxRequest = Math.max(KAFKA_DEFAULT_MAX_MESSAGE_BYTES, maxRecordBytes + BATCH_OVERHEAD);

        Properties adminConfig = new Properties();
        adminConfig.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        adminConfig.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, requestMs);
        adminConfig.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);

        Properties producerConfig = new Properties();
        producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producerConfig.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        producerConfig.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxRequest);
        // a broker that is down: metadata waits end after max.block.ms, a queued record fails
        // after delivery.timeout.ms (which must cover linger + one request)
        producerConfig.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestMs);
        producerConfig.put(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(timeoutMs, requestMs + 1));
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);

        consumerConfig = new Properties();
        consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        consumerConfig.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestMs);
        consumerConfig.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        consumerConfig.put(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumerConfig.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);

        Admin newAdmin = Admin.create(adminConfig);
        KafkaProducer<byte[], byte[]> newProducer = null;
        try {
            ensureTopic(newAdmin, replicationFactor, minInsyncReplicas, maxRequest);
            newProducer = new KafkaProducer<>(producerConfig);
        } catch (RuntimeException e) {
            newAdmin.close(Duration.ZERO);
            throw e;
        }
        this.admin = newAdmin;
        this.producer = newProducer;
    }

    private void ensureTopic(
            Admin admin, int replicationFactor, int minInsyncReplicas, int maxMessageBytes) {
        NewTopic newTopic =
                new NewTopic(topic, 1, (short) replicationFactor)
                        .configs(
                                Map.of(
                                        TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG,
                                        Integer.toString(minInsyncReplicas),
                                        TopicConfig.CLEANUP_POLICY_CONFIG,
                                        TopicConfig.CLEANUP_POLICY_DELETE,
                                        TopicConfig.RETENTION_MS_CONFIG,
                                        "-1",
                                        TopicConfig.RETENTION_BYTES_CONFIG,
                                        "-1",
                                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                                        Integer.toString(maxMessageBytes)));
        try {
            await(admin.createTopics(List.of(newTopic)).all(), "create topic " + topic);
        } catch (UpdateLogException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        TopicDescription description = describe(admin);
        int partitions = description.partitions().size();
        if (partitions != 1) {
            throw new UpdateLogException(
                    "Kafka topic "
                            + topic
                            + " at "
                            + servers
                            + " has "
                            + partitions
                            + " partitions; the update log needs exactly one (Kafka orders records"
                            + " only within a partition): name another topic, or create it with one"
                            + " partition");
        }
    }

    /**
     * Sends every record, then waits for all of them to be acknowledged. Their positions increase
     * in the order given; they are consecutive unless another writer appended to the topic at the
     * same time. One record too large refuses the whole call before anything is sent; a failure
     * after sending (Kafka unreachable, too few replicas in sync) may leave some of the records in
     * the log.
     */
    @Override
    public List<Long> appendAll(List<byte[]> records) {
        RecordBound.check(records, maxRecordBytes);
        // the whole call answers within the timeout (and a margin for the producer's own expiry of
        // a record, which it counts from when the record went into its buffer)
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.SECONDS.toNanos(1);
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        try {
            for (byte[] record : records) {
                Future<RecordMetadata> future =
                        producer.send(new ProducerRecord<>(topic, 0, null, record));
                sent.add(future);
                if (future.isDone()) {
                    future.get(); // failed at once (no metadata within max.block.ms): stop here
                }
            }
        } catch (ExecutionException e) {
            throw failure("take the record", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure("take the record", e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw failure("take the record", e);
        }
        List<Long> positions = new ArrayList<>(records.size());
        for (Future<RecordMetadata> future : sent) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                positions.add(future.get(left, TimeUnit.NANOSECONDS).offset());
            } catch (ExecutionException e) {
                throw failure("acknowledge the record", e.getCause());
            } catch (TimeoutException e) {
                throw failure("acknowledge the record", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure("acknowledge the record", e);
            }
        }
        return positions;
    }

    @Override
    public void read(long from, LogConsumer consumer) {
        try (KafkaConsumer<byte[], byte[]> in = new KafkaConsumer<>(consumerConfig)) {
            long end = seek(in, from);
            long next = from;
            long idleSince = System.nanoTime();
            while (next < end) {
                List<ConsumerRecord<byte[], byte[]>> batch;
                try {
                    batch = in.poll(Duration.ofMillis(100)).records(partition);
                } catch (OffsetOutOfRangeException e) {
                    throw dropped(
                            next, start()); // deleted by dropBefore while this read was under way
                }
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    if (record.offset() >= end) {
                        break;
                    }
                    byte[] value = record.value();
                    consumer.accept(record.offset(), value == null ? new byte[0] : value);
                }
                long position = in.position(partition, timeout);
                if (position > next) {
                    next = position;
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince > timeout.toNanos()) {
                    throw failure(
                            "deliver records from position " + next,
                            new TimeoutException("nothing fetched"));
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            throw failure("read from position " + from, e);
        }
    }

    private UpdateLogException dropped(long from, long start) {
        return new UpdateLogException(
                "position "
                        + from
                        + " of update log "
                        + where()
                        + " was dropped by compaction or retention (the log now starts at "
                        + start
                        + "): load a bundle that folded the log up to at least there");
    }

    /**
     * Assigns the consumer the log's partition at {@code from}, once it is checked to lie between
     * the log's start and its end; returns the end.
     */
    private long seek(KafkaConsumer<byte[], byte[]> in, long from) {
        List<TopicPartition> only = List.of(partition);
        in.assign(only);
        long end = in.endOffsets(only, timeout).get(partition);
        if (from > end) {
            throw new IllegalArgumentException(
                    "position " + from + " is past the end (" + end + ") of update log " + where());
        }
        long start = in.beginningOffsets(only, timeout).get(partition);
        if (from < start) {
            throw dropped(from, start);
        }
        in.seek(partition, from);
        return end;
    }

    @Override
    public Follower follow(long from) {
        KafkaConsumer<byte[], byte[]> in = new KafkaConsumer<>(consumerConfig);
        try {
            seek(in, from);
        } catch (RuntimeException e) {
            in.close(Duration.ZERO);
            if (e instanceof org.apache.kafka.common.KafkaException k) {
                throw failure("follow from position " + from, k);
            }
            throw e;
        }
        return new Follower() {
            private long next = from;

            @Override
            public int poll(Duration maxWait, LogConsumer consumer) {
                List<ConsumerRecord<byte[], byte[]>> batch;
                try {
                    batch = in.poll(maxWait).records(partition);
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                    return 0;
                } catch (OffsetOutOfRangeException e) {
                    throw dropped(next, start()); // deleted by dropBefore before it was read
                } catch (org.apache.kafka.common.KafkaException e) {
                    throw failure("follow from position " + next, e);
                }
                for (ConsumerRecord<byte[], byte[]> record : batch) {
                    byte[] value = record.value();
                    consumer.accept(record.offset(), value == null ? new byte[0] : value);
                    next = record.offset() + 1;
                }
                return batch.size();
            }

            @Override
            public long next() {
                return next;
            }

            @Override
            public void wakeup() {
                in.wakeup();
            }

            @Override
            public void close() {
                in.close(Duration.ZERO);
            }
        };
    }

    @Override
    public long start() {
        return offset(OffsetSpec.earliest(), "find the start");
    }

    @Override
    public long end() {
        return offset(OffsetSpec.latest(), "find the end");
    }

    private long offset(OffsetSpec spec, String what) {
        return await(admin.listOffsets(Map.of(partition, spec)).partitionResult(partition), what)
                .offset();
    }

    /**
     * Deletes every record below the position ({@code deleteRecords}): {@link #start()} is then it.
     */
    @Override
    public void dropBefore(long position) {
        long end = end();
        if (position > end) {
            throw new IllegalArgumentException(
                    "cannot drop before "
                            + position
                            + ": past the end ("
                            + end
                            + ") of update log "
                            + where());
        }
        await(
                admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(position)))
                        .all(),
                "drop the records before " + position);
    }

    /** Waits up to the timeout for the records already sent, then closes the clients. */
    @Override
    public void close() {
        try {
            producer.close(timeout);
        } finally {
            admin.close(timeout);
        }
    }

    /**
     * The topic's description. A topic just created may be unknown to the broker that answers for a
     * moment (the metadata has not reached it yet): asked again until the timeout.
     */
    private TopicDescription describe(Admin admin) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return await(
                                admin.describeTopics(List.of(topic)).allTopicNames(),
                                "describe topic " + topic)
                        .get(topic);
            } catch (UpdateLogException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(50);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw failure(what, e.getCause());
        } catch (TimeoutException e) {
            throw failure(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(what, e);
        }
    }

    private String where() {
        return "topic " + topic + " at Kafka " + servers;
    }

    /** One line: which servers, what failed, what to check. */
    private UpdateLogException failure(String what, Throwable cause) {
        String reason = cause.getClass().getSimpleName();
        if (cause.getMessage() != null) {
            reason += ": " + cause.getMessage().replaceAll("\\s+", " ");
        }
        return new UpdateLogException(
                "update log "
                        + where()
                        + " could not "
                        + what
                        + " within "
                        + timeout.toMillis()
                        + " ms ("
                        + reason
                        + "): check that the brokers are up and reachable from here and that the"
                        + " topic has at least min.insync.replicas replicas in sync",
                cause);
    }
}
