package dev.prodlens.core.image;

import java.nio.charset.StandardCharsets;

/** Byte-prefix tests for format sniffing; out-of-range reads are "no match", never exceptions. */
final class Magic {
    private Magic() {}

    static boolean startsWith(byte[] bytes, int offset, byte[] prefix) {
        if (bytes.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static boolean startsWith(byte[] bytes, int offset, String asciiPrefix) {
        return startsWith(bytes, offset, asciiPrefix.getBytes(StandardCharsets.US_ASCII));
    }

    /** Little-endian unsigned 32-bit value at {@code offset}, or -1 when the bytes end before. */
    static long uint32le(byte[] bytes, int offset) {
        if (bytes.length < offset + 4) {
            return -1;
        }
        return (bytes[offset] & 0xFFL)
                | (bytes[offset + 1] & 0xFFL) << 8
                | (bytes[offset + 2] & 0xFFL) << 16
                | (bytes[offset + 3] & 0xFFL) << 24;
    }
}
