package dev.prodlens.core.live;

import static dev.prodlens.core.live.SegmentFormat.HEADER_BYTES;
import static dev.prodlens.core.live.SegmentFormat.RECORD_HEADER_BYTES;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads one segment file as far as it was when opened, checking what it finds: the header, and each
 * record's length and checksum. Reads go through a window of the file, so a sequential scan costs
 * one system call per 64 KiB, not per record. Not thread-safe; one per scan.
 */
final class SegmentReader implements Closeable {

    /** What lies at an offset of a segment. */
    enum Kind {
        /** a whole record whose checksum matches */
        RECORD,
        /** the end of the file, exactly */
        END,
        /** fewer bytes left than a record header */
        SHORT_HEADER,
        /** a length that runs past the end of the file */
        PAST_END,
        /** a whole record whose checksum does not match */
        BAD_CHECKSUM
    }

    /** The record (or what is not one) at {@code offset}. */
    record Slot(Kind kind, long offset, long position, int length) {
        /** The offset just past this record. */
        long next() {
            return offset + RECORD_HEADER_BYTES + length;
        }

        String describe() {
            return switch (kind) {
                case RECORD -> "a record";
                case END -> "the end of the file";
                case SHORT_HEADER -> "a record header cut short";
                case PAST_END ->
                        "a record length (" + length + ") running past the end of the file";
                case BAD_CHECKSUM -> "a record checksum mismatch";
            };
        }
    }

    private static final int WINDOW = 64 * 1024;

    final Path file;
    final long size;
    private final FileChannel channel;
    private byte[] window = new byte[WINDOW];
    private long windowStart;
    private int windowLength;

    private SegmentReader(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        this.size = channel.size();
    }

    static SegmentReader open(Path file) throws IOException {
        return new SegmentReader(file, FileChannel.open(file, StandardOpenOption.READ));
    }

    /**
     * The segment's first position, from its name, once its header is checked; {@link
     * UpdateLogException} otherwise.
     */
    long requireHeader() throws IOException {
        long first = SegmentFormat.firstPosition(file);
        String problem = headerProblem(first);
        if (problem != null) throw corrupt(file, 0, problem, first);
        return first;
    }

    /** Checks that {@code slot} is a whole record for {@code expected}; otherwise damage. */
    void requireRecord(Slot slot, long expected) {
        if (slot.kind() != Kind.RECORD) {
            throw corrupt(file, slot.offset(), slot.describe(), expected);
        }
        if (slot.position() != expected) {
            throw corrupt(
                    file,
                    slot.offset(),
                    "a record for position " + slot.position() + " where " + expected + " belongs",
                    expected);
        }
    }

    /** The one-line refusal for damage at {@code offset} of {@code file}, acknowledged records. */
    static UpdateLogException corrupt(Path file, long offset, String what, long position) {
        return new UpdateLogException(
                "update log segment "
                        + file
                        + " is damaged at byte offset "
                        + offset
                        + " ("
                        + what
                        + ") where acknowledged records lie (position "
                        + position
                        + " on): restore "
                        + file.getParent()
                        + " from a backup, or if there is none move it aside and reindex from the"
                        + " catalogue export (changes recorded only in the log are then lost)");
    }

    /**
     * What is wrong with the header for a segment whose first record should be at {@code
     * firstPosition}, or null when it is right.
     */
    String headerProblem(long firstPosition) throws IOException {
        if (size < HEADER_BYTES) {
            return "a header cut short (" + size + " of " + HEADER_BYTES + " bytes)";
        }
        ByteBuffer header = ByteBuffer.wrap(bytes(0, HEADER_BYTES), 0, HEADER_BYTES);
        int magic = header.getInt();
        int version = header.getInt();
        long first = header.getLong();
        if (magic != SegmentFormat.MAGIC) {
            return "no update log header (magic " + Integer.toHexString(magic) + ")";
        }
        if (version != SegmentFormat.VERSION) {
            return "format version "
                    + version
                    + ", this prodlens reads version "
                    + SegmentFormat.VERSION
                    + " (was it written by a newer one?)";
        }
        if (first != firstPosition) {
            return "a header for first position " + first + " in a file named for " + firstPosition;
        }
        return null;
    }

    /** Reads what lies at {@code offset}. */
    Slot at(long offset) throws IOException {
        long left = size - offset;
        if (left == 0) {
            return new Slot(Kind.END, offset, -1, 0);
        }
        if (left < RECORD_HEADER_BYTES) {
            return new Slot(Kind.SHORT_HEADER, offset, -1, 0);
        }
        ByteBuffer header = ByteBuffer.wrap(bytes(offset, RECORD_HEADER_BYTES));
        header.position((int) (offset - windowStart));
        long length = Integer.toUnsignedLong(header.getInt());
        long position = header.getLong();
        int crc = header.getInt();
        if (length > left - RECORD_HEADER_BYTES || length > Integer.MAX_VALUE - WINDOW) {
            return new Slot(
                    Kind.PAST_END, offset, position, (int) Math.min(length, Integer.MAX_VALUE));
        }
        byte[] bytes = bytes(offset, RECORD_HEADER_BYTES + (int) length);
        int payloadAt = (int) (offset - windowStart) + RECORD_HEADER_BYTES;
        boolean good = SegmentFormat.crc(position, bytes, payloadAt, (int) length) == crc;
        return new Slot(good ? Kind.RECORD : Kind.BAD_CHECKSUM, offset, position, (int) length);
    }

    /** The payload of a record {@link #at} just returned. */
    byte[] payload(Slot record) throws IOException {
        byte[] bytes = bytes(record.offset(), RECORD_HEADER_BYTES + record.length());
        int from = (int) (record.offset() - windowStart) + RECORD_HEADER_BYTES;
        return Arrays.copyOfRange(bytes, from, from + record.length());
    }

    /**
     * Whether a whole record with a matching checksum starts anywhere after {@code offset}, at a
     * position from {@code minPosition} on that the bytes left could hold: what tells damage inside
     * the log (good records follow) from a write cut short at its end (nothing good follows).
     */
    boolean goodRecordAfter(long offset, long minPosition) throws IOException {
        long maxPosition = minPosition + (size - offset) / RECORD_HEADER_BYTES;
        for (long q = offset + 1; q + RECORD_HEADER_BYTES <= size; q++) {
            ByteBuffer header = ByteBuffer.wrap(bytes(q, RECORD_HEADER_BYTES));
            header.position((int) (q - windowStart));
            long length = Integer.toUnsignedLong(header.getInt());
            long position = header.getLong();
            if (length <= size - q - RECORD_HEADER_BYTES
                    && position >= minPosition
                    && position <= maxPosition
                    && at(q).kind() == Kind.RECORD) {
                return true;
            }
        }
        return false;
    }

    /** The window, holding the file's bytes [offset, offset + n) at offset - windowStart. */
    private byte[] bytes(long offset, int n) throws IOException {
        if (offset >= windowStart && offset + n <= windowStart + windowLength) {
            return window;
        }
        if (window.length < n) {
            window = new byte[n];
        }
        int want = (int) Math.min(window.length, size - offset);
        ByteBuffer into = ByteBuffer.wrap(window, 0, want);
        while (into.hasRemaining()) {
            if (channel.read(into, offset + into.position()) < 0) {
                throw new EOFException(file + " shrank while being read");
            }
        }
        windowStart = offset;
        windowLength = want;
        return window;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
