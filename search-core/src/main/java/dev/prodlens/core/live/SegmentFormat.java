package dev.prodlens.core.live;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The bytes of a segment file of {@link LocalUpdateLog}. A segment is named by the position of its
 * first record ({@code 00000000000000000042.log}) and holds:
 *
 * <pre>
 * header: [u32 magic "PLUL"][u32 format version][u64 first position]     16 bytes
 * record: [u32 payload length][u64 position][u32 CRC32C of position + payload][payload]
 * </pre>
 *
 * All numbers are big-endian.
 */
final class SegmentFormat {
    static final int MAGIC = 0x504c554c; // "PLUL": prodlens update log
    static final int VERSION = 1;
    static final int HEADER_BYTES = 16;
    static final int RECORD_HEADER_BYTES = 16;

    private static final Pattern NAME = Pattern.compile("(\\d{20})\\.log");

    private SegmentFormat() {}

    static String fileName(long firstPosition) {
        return String.format("%020d.log", firstPosition);
    }

    /** The first position a segment file's name gives, or -1 if the file is not a segment. */
    static long firstPosition(Path file) {
        Matcher m = NAME.matcher(file.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    static ByteBuffer header(long firstPosition) {
        return ByteBuffer.allocate(HEADER_BYTES)
                .putInt(MAGIC)
                .putInt(VERSION)
                .putLong(firstPosition)
                .flip();
    }

    static int recordBytes(int payloadLength) {
        return RECORD_HEADER_BYTES + payloadLength;
    }

    /** Writes one record at the buffer's position; the buffer must have room for it. */
    static void putRecord(ByteBuffer out, long position, byte[] payload) {
        out.putInt(payload.length)
                .putLong(position)
                .putInt(crc(position, payload, 0, payload.length));
        out.put(payload);
    }

    /** The CRC32C of a record's position (8 bytes, big-endian) followed by its payload. */
    static int crc(long position, byte[] payload, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(position).flip());
        crc.update(payload, offset, length);
        return (int) crc.getValue();
    }
}
