package dev.prodlens.core.live;

import static dev.prodlens.core.live.SegmentFormat.HEADER_BYTES;

import dev.prodlens.core.live.SegmentReader.Kind;
import dev.prodlens.core.live.SegmentReader.Slot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded update log of one node: a directory of segment files, each named by the position of
 * its first record and rolled once it reaches a size given to the constructor (the format is in
 * {@link SegmentFormat}). Only one process may open a directory at a time: a lock on the file
 * {@code lock} in it, taken with {@link FileChannel#tryLock}.
 *
 * <p><b>Durability and group commit.</b> {@link #append} returns only after {@link
 * FileChannel#force force(false)} (fdatasync: the data and the file's length) covered the record.
 * One writer thread owns the files: appenders put their records on a queue and wait; the writer
 * takes everything queued, writes it, forces once, and then answers every appender of that batch.
 * While one fsync runs, new appends queue up and go out together in the next, so concurrent
 * appenders share fsyncs and a lone appender pays one fsync per call. A new segment's header is
 * forced, and the directory too, before any record goes into it; the full segment is forced before
 * it is left. If a write or fsync fails, that batch's appenders get the {@link
 * UncheckedIOException} and the log accepts no more appends (what reached the disk is unknown,
 * which recovery sorts out when the log is opened again).
 *
 * <p><b>Recovery on open</b> reads every segment and checks every record's checksum, position and
 * length (so opening costs one read of the log; compaction by reindex keeps it short). A damaged
 * end of the last segment (a record header cut short, a length running past the end of the file, a
 * checksum mismatch) with no good record after it is a write that a crash cut short: it was never
 * acknowledged, so the file is truncated after the last good record and one warning says how many
 * bytes went. Damage anywhere else (an older segment, or with a good record after it) is damage to
 * acknowledged records: the log refuses to open with an {@link UpdateLogException} naming the file
 * and offset. Readers never get a record whose checksum does not match.
 *
 * <p><b>Reading</b> opens the segments from the one holding {@code from} and checks every record
 * again; there is no offset index, so a read from the middle of a segment scans it from its start.
 * A {@link #follow follower} remembers the segment and byte offset where it stopped, so following
 * the log costs one read of each record; its poll waits on the writer's signal that more records
 * are durable. {@link #dropBefore} deletes whole segments, oldest first, never the one being
 * written.
 */
public final class LocalUpdateLog implements UpdateLog {
    private static final Logger LOG = LoggerFactory.getLogger(LocalUpdateLog.class);
    private static final String LOCK_FILE = "lock";
    private static final int FLUSH_BYTES = 1 << 20;

    /** Records that one append or appendAll call waits for; null records: the writer's stop. */
    private record Request(List<byte[]> records, CompletableFuture<Long> first) {}

    private static final Request STOP = new Request(null, null);

    private final Path dir;
    private final long segmentBytes;
    private final int maxRecordBytes;
    private final FileChannel lockChannel;

    /** first position → segment file; the last entry is the segment being written */
    private final NavigableMap<Long, Path> segments = new ConcurrentSkipListMap<>();

    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Object admission = new Object();
    private final Thread writer;
    private boolean closed; // guarded by admission
    private volatile Throwable failure;
    private volatile long durableEnd;

    /** Notified whenever {@link #durableEnd} advances (followers wait on it). */
    private final Object endAdvanced = new Object();

    // owned by the writer thread once it runs
    private FileChannel active;
    private long activeBytes;
    private long nextPosition;
    private ByteBuffer batch = ByteBuffer.allocate(64 * 1024);

    /**
     * Opens (or creates) the log in {@code dir}, recovering it as the class comment says.
     *
     * @param segmentBytes the size at which a segment is closed and the next one begun (a segment
     *     holding one record larger than this is larger)
     * @param maxRecordBytes the largest record {@link #append} accepts
     * @throws UpdateLogException if another process has the directory open, or a record that was
     *     acknowledged is damaged
     */
    public LocalUpdateLog(Path dir, long segmentBytes, int maxRecordBytes) {
        if (segmentBytes <= HEADER_BYTES || maxRecordBytes < 0) {
            throw new IllegalArgumentException(
                    "segment size must be over "
                            + HEADER_BYTES
                            + " bytes and the record bound at least 0; got "
                            + segmentBytes
                            + " and "
                            + maxRecordBytes);
        }
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.maxRecordBytes = maxRecordBytes;
        try {
            Files.createDirectories(dir);
            this.lockChannel =
                    FileChannel.open(
                            dir.resolve(LOCK_FILE),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open update log " + dir + ": " + e, e);
        }
        tryLock();
        try {
            LogRecovery.Found found = LogRecovery.recover(dir);
            segments.putAll(found.segments());
            if (found.activeEnd() < 0) {
                startSegment(found.nextPosition());
            } else {
                active =
                        FileChannel.open(segments.lastEntry().getValue(), StandardOpenOption.WRITE);
                active.position(found.activeEnd());
                activeBytes = found.activeEnd();
                nextPosition = found.nextPosition();
            }
        } catch (IOException | RuntimeException e) {
            releaseQuietly();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot open update log " + dir + ": " + e, io);
            }
            throw (RuntimeException) e;
        }
        this.durableEnd = nextPosition;
        this.writer = new Thread(this::writeLoop, "update-log-writer " + dir.getFileName());
        writer.setDaemon(true);
        writer.start();
    }

    /**
     * Reads the log in {@code dir} as it stands, for a reader in another process (reindex) while
     * the one process that has the log open may be appending: without the directory's lock and
     * without changing anything (a torn tail is left for the writer's recovery). Records are
     * checked as when the log is opened and delivered in position order, up to the last whole
     * record: a record cut short at the end of the last segment is an append under way and is not
     * delivered. A directory without segments (or none at all) holds nothing.
     *
     * @return the position after the last record delivered: the end of the log as it was read (0
     *     when it holds nothing)
     * @throws UpdateLogException if a record before the end is damaged, a segment is missing, or a
     *     segment was dropped by compaction while it was read
     */
    public static long readCommitted(Path dir, LogConsumer consumer) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try {
            return LogRecovery.readCommitted(dir, consumer);
        } catch (NoSuchFileException e) {
            throw new UpdateLogException(
                    "a segment of update log "
                            + dir
                            + " was dropped by compaction while it was read ("
                            + e.getFile()
                            + "): read it again");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read update log " + dir + ": " + e, e);
        }
    }

    private void tryLock() {
        FileLock held = null;
        try {
            held = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            // held by this JVM: the same answer as for another process
        } catch (IOException e) {
            releaseQuietly();
            throw new UncheckedIOException("cannot lock update log " + dir + ": " + e, e);
        }
        if (held == null) {
            releaseQuietly();
            throw new UpdateLogException(
                    "update log "
                            + dir
                            + " is already open in another process (or another LocalUpdateLog"
                            + " of this one): only one may write it; stop that one, or give this"
                            + " one its own directory");
        }
    }

    // ---- appending

    @Override
    public List<Long> appendAll(List<byte[]> records) {
        RecordBound.check(records, maxRecordBytes);
        if (records.isEmpty()) {
            return List.of();
        }
        Request request = new Request(List.copyOf(records), new CompletableFuture<>());
        synchronized (admission) {
            if (closed) {
                throw new IllegalStateException("update log " + dir + " is closed");
            }
            throwIfFailed();
            queue.add(request);
        }
        long first;
        try {
            first = request.first().join(); // not interruptible: an append either lands or fails
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
        List<Long> positions = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            positions.add(first + i);
        }
        return positions;
    }

    private void throwIfFailed() {
        Throwable failed = failure;
        if (failed != null) {
            throw new IllegalStateException(
                    "update log "
                            + dir
                            + " stopped after a failed write ("
                            + failed
                            + "); close it and open it again",
                    failed);
        }
    }

    private void writeLoop() {
        List<Request> taken = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            taken.clear();
            taken.add(takeUninterruptibly());
            queue.drainTo(taken);
            stop = taken.remove(STOP);
            if (taken.isEmpty()) {
                continue;
            }
            if (failure != null) {
                fail(taken, failure);
                continue;
            }
            try {
                long first = nextPosition;
                write(taken);
                synchronized (endAdvanced) {
                    durableEnd = nextPosition;
                    endAdvanced.notifyAll();
                }
                for (Request r : taken) {
                    r.first().complete(first);
                    first += r.records().size();
                }
            } catch (IOException | RuntimeException e) {
                RuntimeException reported =
                        e instanceof IOException io
                                ? new UncheckedIOException(
                                        "update log " + dir + " could not write or fsync: " + e, io)
                                : (RuntimeException) e;
                failure = reported;
                LOG.error("update log {}: a write failed; no more appends until reopened", dir, e);
                fail(taken, reported);
            }
        }
    }

    private Request takeUninterruptibly() {
        while (true) {
            try {
                return queue.take();
            } catch (InterruptedException e) {
                // only close() stops the writer, through STOP
            }
        }
    }

    private static void fail(List<Request> requests, Throwable why) {
        for (Request r : requests) {
            r.first().completeExceptionally(why);
        }
    }

    /** Writes the requests' records in order, rolling segments as they fill, and forces them. */
    private void write(List<Request> requests) throws IOException {
        batch.clear();
        for (Request request : requests) {
            for (byte[] record : request.records()) {
                int bytes = SegmentFormat.recordBytes(record.length);
                long segmentHolds = activeBytes + batch.position();
                if (segmentHolds > HEADER_BYTES && segmentHolds + bytes > segmentBytes) {
                    flush();
                    active.force(false);
                    active.close();
                    startSegment(nextPosition);
                } else if (batch.position() > 0 && batch.position() + bytes > FLUSH_BYTES) {
                    flush();
                }
                if (batch.remaining() < bytes) {
                    batch =
                            ByteBuffer.allocate(Math.max(bytes, batch.capacity() * 2))
                                    .put(batch.flip());
                }
                SegmentFormat.putRecord(batch, nextPosition, record);
                nextPosition++;
            }
        }
        flush();
        active.force(false);
    }

    private void flush() throws IOException {
        batch.flip();
        while (batch.hasRemaining()) {
            activeBytes += active.write(batch);
        }
        batch.clear();
    }

    /** Begins the segment whose first record will be at {@code first}: header and entry durable. */
    private void startSegment(long first) throws IOException {
        Path file = dir.resolve(SegmentFormat.fileName(first));
        active = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        ByteBuffer header = SegmentFormat.header(first);
        while (header.hasRemaining()) {
            active.write(header);
        }
        active.force(false);
        forceDirectory();
        activeBytes = HEADER_BYTES;
        nextPosition = first;
        segments.put(first, file);
    }

    private void forceDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    // ---- reading and compaction

    @Override
    public void read(long from, LogConsumer consumer) {
        new Cursor(checkFrom(from)).deliver(durableEnd, consumer);
    }

    @Override
    public Follower follow(long from) {
        Cursor cursor = new Cursor(checkFrom(from));
        if (from < start()) {
            throw dropped(from);
        }
        return new Follower() {
            private volatile boolean woken;

            @Override
            public int poll(java.time.Duration maxWait, LogConsumer consumer) {
                long end = awaitEnd(cursor.next, maxWait);
                woken = false;
                return (int) (cursor.deliver(end, consumer));
            }

            private long awaitEnd(long after, java.time.Duration maxWait) {
                long deadline = System.nanoTime() + maxWait.toNanos();
                synchronized (endAdvanced) {
                    while (durableEnd <= after && !woken) {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            break;
                        }
                        try {
                            java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(endAdvanced, left);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            break;
                        }
                    }
                    return durableEnd;
                }
            }

            @Override
            public long next() {
                return cursor.next;
            }

            @Override
            public void wakeup() {
                synchronized (endAdvanced) {
                    woken = true;
                    endAdvanced.notifyAll();
                }
            }

            @Override
            public void close() {
                // nothing held between polls: each poll opens and closes the segments it reads
            }
        };
    }

    private long checkFrom(long from) {
        long end = durableEnd;
        if (from > end) {
            throw new IllegalArgumentException(
                    "position " + from + " is past the end (" + end + ") of update log " + dir);
        }
        return from;
    }

    /**
     * Where a reader stands: the next position, and, once it has read there, the segment and byte
     * offset of that position, so a follower's next read starts where the last one stopped instead
     * of scanning its segment from the start.
     */
    private final class Cursor {
        private long next;
        private long segmentFirst = -1;
        private long offset;

        Cursor(long from) {
            this.next = from;
        }

        /** Delivers the records from {@link #next} up to {@code end}; returns how many. */
        long deliver(long end, LogConsumer consumer) {
            long from = next;
            try {
                while (next < end) {
                    Map.Entry<Long, Path> segment =
                            segmentFirst >= 0 && segments.containsKey(segmentFirst)
                                    ? Map.entry(segmentFirst, segments.get(segmentFirst))
                                    : segments.floorEntry(next);
                    if (segment == null) {
                        throw dropped(next);
                    }
                    if (segment.getKey() != segmentFirst) {
                        segmentFirst = segment.getKey();
                        offset = HEADER_BYTES;
                        position = segmentFirst;
                    }
                    boolean ended = readSegment(segment.getValue(), end, consumer);
                    if (ended && next < end) {
                        Long later = segments.higherKey(segmentFirst);
                        if (later == null) {
                            throw new UpdateLogException(
                                    "update log "
                                            + dir
                                            + " ends at position "
                                            + next
                                            + " but "
                                            + end
                                            + " are durable: was a segment removed by hand?");
                        }
                        segmentFirst = later;
                        offset = HEADER_BYTES;
                        position = later;
                    }
                }
            } catch (NoSuchFileException e) {
                throw dropped(next); // deleted by dropBefore while this read was under way
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read update log " + dir + ": " + e, e);
            }
            return next - from;
        }

        /** The position of the record at {@link #offset} of the current segment. */
        private long position;

        /**
         * Reads the current segment from {@link #offset}, delivering positions from {@link #next}
         * up to {@code end}; true when it reached the segment's end.
         */
        private boolean readSegment(Path file, long end, LogConsumer consumer) throws IOException {
            try (SegmentReader in = SegmentReader.open(file)) {
                while (next < end) {
                    Slot slot = in.at(offset);
                    if (slot.kind() == Kind.END) {
                        return true;
                    }
                    in.requireRecord(slot, position);
                    if (position >= next) {
                        consumer.accept(position, in.payload(slot));
                        next = position + 1;
                    }
                    position++;
                    offset = slot.next();
                }
                return false;
            }
        }
    }

    private UpdateLogException dropped(long from) {
        return new UpdateLogException(
                "position "
                        + from
                        + " of update log "
                        + dir
                        + " was dropped by compaction (the log now starts at "
                        + start()
                        + "): load a bundle that folded the log up to at least there");
    }

    @Override
    public long start() {
        return segments.firstKey();
    }

    @Override
    public long end() {
        return durableEnd;
    }

    @Override
    public synchronized void dropBefore(long position) {
        if (position > durableEnd) {
            throw new IllegalArgumentException(
                    "cannot drop before "
                            + position
                            + ": past the end ("
                            + durableEnd
                            + ") of update log "
                            + dir);
        }
        try {
            for (Map.Entry<Long, Path> oldest = segments.firstEntry(); ; ) {
                Long next = segments.higherKey(oldest.getKey());
                if (next == null || next > position) {
                    return;
                }
                segments.remove(oldest.getKey());
                Files.delete(oldest.getValue());
                // one by one, durably: a crash must not bring back an older segment alone
                forceDirectory();
                oldest = segments.firstEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot drop segments of update log " + dir, e);
        }
    }

    @Override
    public void close() {
        synchronized (admission) {
            if (closed) {
                return;
            }
            closed = true;
            queue.add(STOP);
        }
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        releaseQuietly();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the segment being written, then the lock file (which releases the lock). */
    private void releaseQuietly() {
        for (FileChannel channel : new FileChannel[] {active, lockChannel}) {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                LOG.warn("update log {}: closing a file failed: {}", dir, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "LocalUpdateLog[" + dir + ", positions " + start() + ".." + durableEnd + ")";
    }
}
