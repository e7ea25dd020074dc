package dev.prodlens.core.live;

import static dev.prodlens.core.live.SegmentFormat.HEADER_BYTES;

import dev.prodlens.core.live.SegmentReader.Kind;
import dev.prodlens.core.live.SegmentReader.Slot;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What opening a {@link LocalUpdateLog} directory finds, checked: every segment is read and every
 * record's checksum, position and length verified. A damaged end of the last segment with no good
 * record after it is a write a crash cut short, never acknowledged: it is truncated away with one
 * warning. Damage anywhere else is damage to acknowledged records: {@link UpdateLogException}.
 */
final class LogRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);

    /**
     * @param segments first position → segment file, all checked
     * @param nextPosition the position the next append gets
     * @param activeEnd where appending goes on in the last segment; -1: begin a segment at {@code
     *     nextPosition} (an empty directory, or a last segment whose header a crash cut short,
     *     which is deleted)
     */
    record Found(NavigableMap<Long, Path> segments, long nextPosition, long activeEnd) {}

    private LogRecovery() {}

    static Found recover(Path dir) throws IOException {
        List<Long> firsts = firsts(dir);
        NavigableMap<Long, Path> segments = new TreeMap<>();
        if (firsts.isEmpty()) return new Found(segments, 0, -1);
        long expected = firsts.get(0);
        for (int i = 0; i < firsts.size() - 1; i++) {
            expected = checkWhole(segment(dir, firsts.get(i), expected, segments), null);
        }
        long last = firsts.get(firsts.size() - 1);
        return recoverLast(segment(dir, last, expected, segments), last, segments);
    }

    /**
     * Reads the log in {@code dir} as it stands, without its lock and without changing anything,
     * while its writer may be appending: every record is checked as {@link #recover} checks it and
     * delivered in order. The end of the last segment is read as far as whole records go: a record
     * cut short there with no good record after it is an append under way (or a write a crash cut
     * short, which the writer's recovery truncates), not damage. Damage anywhere else: {@link
     * UpdateLogException}.
     *
     * @return the position after the last record delivered: the log's end as it was read (0 for a
     *     directory without segments)
     */
    static long readCommitted(Path dir, UpdateLog.LogConsumer consumer) throws IOException {
        List<Long> firsts = firsts(dir);
        if (firsts.isEmpty()) return 0;
        NavigableMap<Long, Path> segments = new TreeMap<>();
        long expected = firsts.get(0);
        for (int i = 0; i < firsts.size() - 1; i++) {
            expected = checkWhole(segment(dir, firsts.get(i), expected, segments), consumer);
        }
        long last = firsts.get(firsts.size() - 1);
        try (SegmentReader in = segment(dir, last, expected, segments)) {
            if (in.size < HEADER_BYTES) {
                return last; // the writer is beginning this segment: its header is not all there
            }
            return scanLast(in, consumer).position();
        }
    }

    /** The first positions of the segment files in {@code dir}, in order. */
    private static List<Long> firsts(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(SegmentFormat::firstPosition)
                    .filter(first -> first >= 0)
                    .sorted()
                    .toList();
        }
    }

    /** Opens the segment beginning at {@code first}, which must follow the one before. */
    private static SegmentReader segment(
            Path dir, long first, long expected, NavigableMap<Long, Path> segments)
            throws IOException {
        Path file = dir.resolve(SegmentFormat.fileName(first));
        if (first != expected) {
            throw SegmentReader.corrupt(
                    file,
                    0,
                    "it starts at position "
                            + first
                            + " but the segment before ends at "
                            + expected
                            + " (a segment is missing)",
                    expected);
        }
        segments.put(first, file);
        return SegmentReader.open(file);
    }

    /**
     * Checks an older segment whole, delivering its records to {@code consumer} unless null;
     * returns the position after its last record.
     */
    private static long checkWhole(SegmentReader segment, UpdateLog.LogConsumer consumer)
            throws IOException {
        try (SegmentReader in = segment) {
            long position = in.requireHeader();
            for (Slot slot = in.at(HEADER_BYTES);
                    slot.kind() != Kind.END;
                    slot = in.at(slot.next())) {
                in.requireRecord(slot, position);
                if (consumer != null) consumer.accept(position, in.payload(slot));
                position++;
            }
            return position;
        }
    }

    /**
     * Where the whole records of a last segment end: {@code tail} is what lies after them (the end
     * of the file, or a record cut short), {@code position} the position after them.
     */
    private record Tail(Slot tail, long position) {}

    /**
     * Checks the last segment's header and records up to the first that is not whole, delivering
     * them to {@code consumer} unless null; a good record after that one is damage.
     */
    private static Tail scanLast(SegmentReader in, UpdateLog.LogConsumer consumer)
            throws IOException {
        long position = in.requireHeader();
        Slot slot = in.at(HEADER_BYTES);
        for (; slot.kind() == Kind.RECORD; slot = in.at(slot.next())) {
            in.requireRecord(slot, position);
            if (consumer != null) consumer.accept(position, in.payload(slot));
            position++;
        }
        if (slot.kind() != Kind.END && in.goodRecordAfter(slot.offset(), position)) {
            throw SegmentReader.corrupt(in.file, slot.offset(), slot.describe(), position);
        }
        return new Tail(slot, position);
    }

    /** Checks the last segment and truncates a torn tail. */
    private static Found recoverLast(
            SegmentReader segment, long first, NavigableMap<Long, Path> segments)
            throws IOException {
        long position = first;
        long goodEnd;
        Path file = segment.file;
        try (SegmentReader in = segment) {
            if (in.size < HEADER_BYTES) {
                // a crash while the segment was being begun, before any record went into it
                LOG.warn(
                        "update log {}: dropped {} bytes, the header of {} that a crash cut"
                                + " short as the segment was begun; writing it again",
                        file.getParent(),
                        in.size,
                        file.getFileName());
                Files.delete(file);
                segments.remove(first);
                return new Found(segments, first, -1);
            }
            Tail scanned = scanLast(in, null);
            Slot slot = scanned.tail();
            position = scanned.position();
            goodEnd = slot.offset();
            if (slot.kind() != Kind.END) {
                LOG.warn(
                        "update log {}: dropped {} bytes at the end of {} from offset {} ({}): a"
                                + " write a crash cut short, never acknowledged; the log goes on"
                                + " at position {}",
                        file.getParent(),
                        in.size - goodEnd,
                        file.getFileName(),
                        goodEnd,
                        slot.describe(),
                        position);
            }
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (channel.size() != goodEnd) {
                channel.truncate(goodEnd);
                channel.force(true);
            }
        }
        return new Found(segments, position, goodEnd);
    }
}
