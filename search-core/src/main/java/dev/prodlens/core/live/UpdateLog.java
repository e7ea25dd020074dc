package dev.prodlens.core.live;

import java.time.Duration;
import java.util.List;

/**
 * The durable, ordered log of catalogue changes that sits on top of the immutable index bundle
 * (issue 17). Records are opaque bytes; each gets a position, a sequence number like a Kafka
 * offset: the first record ever appended is 0 and every later one is one more than the previous,
 * across restarts, so a position never names two records.
 *
 * <p>Implementations are safe for concurrent use: any number of threads may append and read at
 * once.
 */
public interface UpdateLog extends AutoCloseable {

    /**
     * Appends one record and returns its position once the record is durable: it survives a crash
     * of the process or of the machine from then on ({@link LocalUpdateLog}: written and fsynced;
     * {@link KafkaUpdateLog}: acknowledged with {@code acks=all} by every in-sync replica, at least
     * {@code min.insync.replicas} of them).
     *
     * @throws IllegalArgumentException if the record is larger than the log accepts; nothing is
     *     written then
     */
    default long append(byte[] record) {
        return appendAll(List.of(record)).get(0);
    }

    /**
     * Appends the records in order and returns their positions, increasing in the order given, once
     * all of them are durable; they may share one flush to disk. One record too large refuses the
     * whole call ({@link IllegalArgumentException}, nothing written).
     *
     * <p>What more a backend promises: {@link LocalUpdateLog} gives consecutive positions, and a
     * failure leaves none of the records written. {@link KafkaUpdateLog} gives consecutive
     * positions only when no other writer appends to the topic at the same time, and a failure
     * (Kafka unreachable) may leave some of the records in the log; records that are upserts and
     * deletes by id can be sent again safely.
     */
    List<Long> appendAll(List<byte[]> records);

    /**
     * Delivers every durable record at a position at or after {@code from}, in position order, up
     * to the {@link #end()} of the moment of the call.
     *
     * @throws UpdateLogException if {@code from} is below {@link #start()} (dropped by compaction),
     *     or a record on disk is damaged
     * @throws IllegalArgumentException if {@code from} is past {@link #end()}
     */
    void read(long from, LogConsumer consumer);

    /**
     * Follows the log from {@code from} on: a reader that stays open and delivers records as they
     * become durable, for a service that applies every change in order (the live index). One thread
     * polls it; {@link Follower#wakeup} may be called from any other.
     *
     * @throws UpdateLogException if {@code from} is below {@link #start()}
     * @throws IllegalArgumentException if {@code from} is past {@link #end()}
     */
    Follower follow(long from);

    /** The lowest position still held: records below it were dropped by {@link #dropBefore}. */
    long start();

    /** The position the next record will get: one past the last durable record. */
    long end();

    /**
     * Lets the log delete what lies below {@code position}, once a reindex has folded those records
     * into a bundle. The log deletes only whole units of storage (segments) whose records are all
     * below the position, so {@link #start()} afterwards may still be lower than {@code position}.
     *
     * @throws IllegalArgumentException if {@code position} is past {@link #end()}
     */
    void dropBefore(long position);

    /** Waits for appends already accepted to become durable, then releases the log. */
    @Override
    void close();

    /** An open reader at a position of the log; see {@link #follow}. */
    interface Follower extends AutoCloseable {
        /**
         * Delivers the records durable from {@link #next()} on (as many as are there, in order),
         * waiting up to {@code maxWait} for the first when there is none yet.
         *
         * @return how many were delivered
         * @throws UpdateLogException if the next record was dropped by compaction, or is damaged,
         *     or the log cannot be reached
         */
        int poll(Duration maxWait, LogConsumer consumer);

        /** The position of the next record this follower will deliver. */
        long next();

        /** Makes a {@link #poll} waiting now (or the next one) return early; any thread. */
        void wakeup();

        /** Releases the reader; by the polling thread. */
        @Override
        void close();
    }

    /** Receives the records {@link #read} delivers. */
    @FunctionalInterface
    interface LogConsumer {
        void accept(long position, byte[] record);
    }
}
