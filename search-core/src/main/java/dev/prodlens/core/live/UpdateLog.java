package dev.prodlens.core.live;

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
     * Appends one record and returns its position once the record is durable (it survives a crash
     * of the process or of the machine from then on).
     *
     * @throws IllegalArgumentException if the record is larger than the log accepts; nothing is
     *     written then
     */
    long append(byte[] record);

    /**
     * Appends the records in order, at consecutive positions, and returns their positions once all
     * of them are durable; they may share one flush to disk. Either every record is refused (one
     * too large: {@link IllegalArgumentException}, nothing written) or all are appended.
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

    /** Receives the records {@link #read} delivers. */
    @FunctionalInterface
    interface LogConsumer {
        void accept(long position, byte[] record);
    }
}
