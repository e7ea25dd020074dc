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
        List<Long> firsts;
        try (Stream<Path> files = Files.list(dir)) {
            firsts =
                    files.map(SegmentFormat::firstPosition)
                            .filter(first -> first >= 0)
                            .sorted()
                            .toList();
        }
        NavigableMap<Long, Path> segments = new TreeMap<>();
        if (firsts.isEmpty()) return new Found(segments, 0, -1);
        long expected = firsts.get(0);
        for (int i = 0; i < firsts.size() - 1; i++) {
            expected = checkWhole(segment(dir, firsts.get(i), expected, segments));
        }
        long last = firsts.get(firsts.size() - 1);
        return recoverLast(segment(dir, last, expected, segments), last, segments);
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

    /** Checks an older segment whole; returns the position after its last record. */
    private static long checkWhole(SegmentReader segment) throws IOException {
        try (SegmentReader in = segment) {
            long position = in.requireHeader();
            for (Slot slot = in.at(HEADER_BYTES);
                    slot.kind() != Kind.END;
                    slot = in.at(slot.next())) {
                in.requireRecord(slot, position);
                position++;
            }
            return position;
        }
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
            in.requireHeader();
            Slot slot = in.at(HEADER_BYTES);
            for (; slot.kind() == Kind.RECORD; slot = in.at(slot.next())) {
                in.requireRecord(slot, position);
                position++;
            }
            goodEnd = slot.offset();
            if (slot.kind() != Kind.END) {
                if (in.goodRecordAfter(slot.offset(), position)) {
                    throw SegmentReader.corrupt(file, slot.offset(), slot.describe(), position);
                }
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
