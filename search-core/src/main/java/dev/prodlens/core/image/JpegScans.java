package dev.prodlens.core.image;

/**
 * Counts the scans (SOS segments) of a JPEG by walking its marker structure, without decoding.
 *
 * <p>Why: a progressive JPEG may hold any number of scans, and each one makes the decoder pass
 * over the whole coefficient buffer. A file of a few hundred kilobytes with thousands of
 * near-empty scans keeps libjpeg busy for minutes (libjpeg-turbo's "LJT-01-003"; the JDK's
 * decoder offers no scan limit). Encoders write at most a dozen or so scans; far more than that
 * is refused before decoding.
 */
final class JpegScans {
    /** Several times what progressive encoders write (libjpeg's default script has 10). */
    static final int MAX_SCANS = 100;

    private static final int MARKER = 0xFF;
    private static final int SOS = 0xDA;
    private static final int EOI = 0xD9;

    private JpegScans() {}

    /**
     * Scans up to the first EOI, counting stops once past {@code limit}. A structure it cannot
     * follow (bad length) ends the count: the decoder will report that damage itself.
     */
    static int count(byte[] jpeg, int limit) {
        int scans = 0;
        int pos = 2; // after SOI
        while (pos + 1 < jpeg.length && scans <= limit) {
            if ((jpeg[pos] & 0xFF) != MARKER) {
                pos++; // stray byte between segments: libjpeg skips it too (with a warning)
                continue;
            }
            int marker = jpeg[pos + 1] & 0xFF;
            if (marker == EOI) {
                break;
            }
            if (marker == MARKER || isStandalone(marker)) {
                pos += marker == MARKER ? 1 : 2; // fill byte, or a marker without a length
                continue;
            }
            if (pos + 3 >= jpeg.length) {
                break;
            }
            int length = (jpeg[pos + 2] & 0xFF) << 8 | jpeg[pos + 3] & 0xFF;
            if (length < 2) {
                break;
            }
            pos += 2 + length;
            if (marker == SOS) {
                scans++;
                pos = endOfEntropyData(jpeg, pos);
            }
        }
        return scans;
    }

    /** TEM and RST0-7 stand alone; every other marker is followed by a segment length. */
    private static boolean isStandalone(int marker) {
        return marker == 0x01 || marker >= 0xD0 && marker <= 0xD7;
    }

    /**
     * Skips entropy-coded data: inside it a 0xFF byte is always followed by 0x00 (a stuffed
     * 0xFF) or by a restart marker, so the first other 0xFF xx is the next segment's marker.
     */
    private static int endOfEntropyData(byte[] jpeg, int pos) {
        while (pos + 1 < jpeg.length) {
            if ((jpeg[pos] & 0xFF) == MARKER) {
                int next = jpeg[pos + 1] & 0xFF;
                if (next != 0x00 && next != MARKER && !(next >= 0xD0 && next <= 0xD7)) {
                    return pos;
                }
            }
            pos++;
        }
        return jpeg.length;
    }
}
