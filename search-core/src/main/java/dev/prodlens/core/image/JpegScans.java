package dev.prodlens.core.image;

/**
 * Counts the scans (SOS segments) of a JPEG by walking its marker structure, without decoding;
 * the same walk finds an embedded ICC profile.
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
    private static final int APP2 = 0xE2;
    private static final byte[] ICC_PROFILE =
            "ICC_PROFILE\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private JpegScans() {}

    /**
     * What one walk of the markers tells: the number of scans (counting stops once past the
     * limit) and whether an APP2 "ICC_PROFILE" segment comes before the first scan (where
     * decoders look for it: such a JPEG's colours need colour management, which only the ImageIO
     * path does).
     */
    record Structure(int scans, boolean iccProfile) {
    }

    /**
     * Walks up to the first EOI, once. A structure it cannot follow (bad length) ends the walk:
     * the decoder will report that damage itself.
     */
    static Structure inspect(byte[] jpeg, int scanLimit) {
        int[] scans = {0};
        boolean[] icc = {false};
        walk(jpeg, (marker, segment) -> {
            if (marker == SOS) {
                scans[0]++;
            } else if (marker == APP2 && scans[0] == 0 && startsWith(jpeg, segment + 4, ICC_PROFILE)) {
                icc[0] = true;
            }
            return scans[0] <= scanLimit;
        });
        return new Structure(scans[0], icc[0]);
    }

    static int count(byte[] jpeg, int limit) {
        return inspect(jpeg, limit).scans();
    }

    static boolean hasIccProfile(byte[] jpeg) {
        return inspect(jpeg, MAX_SCANS).iccProfile();
    }

    /** Sees each segment with a length: its marker and where its 0xFF is; false stops the walk. */
    @FunctionalInterface
    private interface SegmentVisitor {
        boolean visit(int marker, int segment);
    }

    /** Walks the segments from SOI to the first EOI, skipping entropy-coded data. */
    private static void walk(byte[] jpeg, SegmentVisitor visitor) {
        int pos = 2; // after SOI
        while (pos + 1 < jpeg.length) {
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
            if (length < 2 || !visitor.visit(marker, pos)) {
                break;
            }
            pos += 2 + length;
            if (marker == SOS) {
                pos = endOfEntropyData(jpeg, pos);
            }
        }
    }

    private static boolean startsWith(byte[] bytes, int offset, byte[] prefix) {
        if (offset < 0 || offset + prefix.length > bytes.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (bytes[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
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
