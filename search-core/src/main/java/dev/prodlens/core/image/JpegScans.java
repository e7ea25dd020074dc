package dev.prodlens.core.image;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a JPEG's marker structure without decoding: the frame header (size, components and their
 * sampling, progressive or not), the number of scans (SOS segments), and whether an ICC profile
 * comes before the first scan.
 *
 * <p>Why: what a JPEG costs to decode is decided by its structure, and must be known before the
 * decoder starts. A progressive JPEG may hold any number of scans, and each one makes the decoder
 * pass over the whole coefficient buffer: a file of a few hundred kilobytes with thousands of
 * near-empty scans keeps libjpeg busy for minutes (libjpeg-turbo's "LJT-01-003"; the JDK's decoder
 * offers no scan limit); and a multi-scan JPEG holds every DCT coefficient of the image in memory
 * (2 bytes each) until its last scan is read.
 *
 * <p>The walk follows libjpeg's own rules for finding markers ({@code next_marker} in jdmarker.c:
 * any bytes up to an 0xFF, fill 0xFF bytes, and {@code FF 00} is not a marker) so that it sees
 * every scan libjpeg will read, and it refuses what it cannot follow: a segment length below 2
 * (libjpeg would read on past it; a walk that stopped there would miss every scan behind it) or a
 * second SOI. Data that ends early is left to the decoder, which refuses truncation itself.
 */
final class JpegScans {
    /** Several times what progressive encoders write (libjpeg's default script has 10). */
    static final int MAX_SCANS = 100;

    private static final int MARKER = 0xFF;
    private static final int SOI = 0xD8;
    private static final int SOS = 0xDA;
    private static final int EOI = 0xD9;
    private static final int APP2 = 0xE2;
    private static final int APP14 = 0xEE;
    private static final byte[] ICC_PROFILE = "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ADOBE = "Adobe".getBytes(StandardCharsets.ISO_8859_1);

    private JpegScans() {}

    /** One colour component of the frame: its sampling factors (1 to 4). */
    record Component(int horizontal, int vertical) {}

    /**
     * What one walk of the markers tells.
     *
     * @param scans SOS segments seen (counting stops once past the limit it was given)
     * @param iccProfile an APP2 "ICC_PROFILE" segment before the first scan (such a JPEG's colours
     *     need colour management, which only the ImageIO path does)
     * @param progressive a progressive frame (SOF2, SOF6, SOF10, SOF14)
     * @param width the frame's width, 0 when no frame header was seen
     * @param height the frame's height, 0 when none was seen (or DNL defines it)
     * @param components the frame's components, empty when no frame header was seen
     * @param adobe an Adobe APP14 segment (its transform flag decides YCCK/CMYK vs RGB)
     */
    record Structure(
            int scans,
            boolean iccProfile,
            boolean progressive,
            int width,
            int height,
            List<Component> components,
            boolean adobe) {
        Structure {
            components = List.copyOf(components);
        }

        /** Several scans: libjpeg keeps the whole image's coefficients until the last one. */
        boolean multiScan() {
            return progressive || scans > 1;
        }

        /**
         * Bytes of the coefficient buffer libjpeg allocates for a multi-scan JPEG: 64 coefficients
         * of 2 bytes per 8x8 block of each component, blocks padded to whole MCUs (jdcoefct.c); 0
         * for a single scan, which libjpeg decodes one row of MCUs at a time.
         */
        long coefficientBytes() {
            if (!multiScan() || components.isEmpty()) {
                return 0;
            }
            int maxH = components.stream().mapToInt(Component::horizontal).max().orElse(1);
            int maxV = components.stream().mapToInt(Component::vertical).max().orElse(1);
            long mcuColumns = ceilDiv(width, 8L * maxH);
            long mcuRows = ceilDiv(height, 8L * maxV);
            long blocks = 0;
            for (Component c : components) {
                blocks += mcuColumns * c.horizontal() * mcuRows * c.vertical();
            }
            return blocks * 64 * 2;
        }
    }

    /**
     * Walks up to the first EOI (or the data's end), once.
     *
     * @throws ImageDecodeException CORRUPT for a structure libjpeg would follow differently from a
     *     simple walk: a segment length below 2, a second SOI
     */
    static Structure inspect(byte[] jpeg, int scanLimit) throws ImageDecodeException {
        Walk walk = new Walk(jpeg, scanLimit);
        walk.run();
        return new Structure(
                walk.scans,
                walk.icc,
                walk.progressive,
                walk.width,
                walk.height,
                walk.components,
                walk.adobe);
    }

    /** The walk's state: one pass, fields filled in as segments are met. */
    private static final class Walk {
        private final byte[] jpeg;
        private final int scanLimit;
        private int scans;
        private boolean icc;
        private boolean adobe;
        private boolean progressive;
        private int width;
        private int height;
        private List<Component> components = List.of();

        Walk(byte[] jpeg, int scanLimit) {
            this.jpeg = jpeg;
            this.scanLimit = scanLimit;
        }

        void run() throws ImageDecodeException {
            int pos = 2; // after SOI
            while (true) {
                pos = nextMarker(jpeg, pos);
                if (pos < 0) {
                    return; // data ends: the decoder reports the truncation
                }
                int marker = jpeg[pos + 1] & 0xFF;
                if (marker == EOI) {
                    return;
                }
                if (marker == SOI) {
                    throw corrupt("a second start-of-image marker");
                }
                if (isStandalone(marker)) {
                    pos += 2;
                    continue;
                }
                if (pos + 3 >= jpeg.length) {
                    return;
                }
                int length = uint16(jpeg, pos + 2);
                if (length < 2) {
                    throw corrupt(
                            String.format(
                                    "marker FF%02X with a segment length of %d (at least 2)",
                                    marker, length));
                }
                visit(marker, pos + 4, length - 2);
                if (scans > scanLimit) {
                    return;
                }
                pos += 2 + length;
                if (marker == SOS) {
                    pos = endOfEntropyData(jpeg, pos);
                }
            }
        }

        /** One segment: its marker, where its payload starts and how long the length says it is. */
        private void visit(int marker, int payload, int size) {
            if (marker == SOS) {
                scans++;
            } else if (isStartOfFrame(marker) && components.isEmpty()) {
                frame(marker, payload, size);
            } else if (marker == APP2
                    && scans == 0
                    && Magic.startsWith(jpeg, payload, ICC_PROFILE)) {
                icc = true;
            } else if (marker == APP14 && Magic.startsWith(jpeg, payload, ADOBE)) {
                adobe = true;
            }
        }

        /** SOFn: precision, height, width, component count, then (id, sampling, table) each. */
        private void frame(int marker, int payload, int size) {
            if (size < 6 || payload + 6 > jpeg.length) {
                return; // the decoder refuses a short frame header itself
            }
            progressive = marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE;
            height = uint16(jpeg, payload + 1);
            width = uint16(jpeg, payload + 3);
            int count = jpeg[payload + 5] & 0xFF;
            List<Component> found = new ArrayList<>(count);
            for (int i = 0;
                    i < count && 6 + 3 * i + 2 < size && payload + 6 + 3 * i + 2 < jpeg.length;
                    i++) {
                int sampling = jpeg[payload + 6 + 3 * i + 1] & 0xFF;
                // libjpeg refuses factors outside 1..4 itself; clamp so the estimate stays sane
                found.add(new Component(clamp(sampling >> 4), clamp(sampling & 0x0F)));
            }
            components = found;
        }

        private static int clamp(int factor) {
            return Math.max(1, Math.min(4, factor));
        }

        private static ImageDecodeException corrupt(String what) {
            return new ImageDecodeException(
                    ImageDecodeException.Reason.CORRUPT,
                    "image is not a valid JPEG (" + what + "); re-export or re-upload it");
        }
    }

    /**
     * Where the next marker's 0xFF is, from {@code pos}, as libjpeg finds it: bytes up to an 0xFF
     * are skipped, so are fill 0xFF bytes, and {@code FF 00} is not a marker; -1 at the data's end.
     */
    private static int nextMarker(byte[] jpeg, int pos) {
        while (pos + 1 < jpeg.length) {
            if ((jpeg[pos] & 0xFF) != MARKER) {
                pos++;
                continue;
            }
            int next = jpeg[pos + 1] & 0xFF;
            if (next == MARKER) {
                pos++; // fill byte
            } else if (next == 0x00) {
                pos += 2; // a stuffed zero outside entropy data: not a marker
            } else {
                return pos;
            }
        }
        return -1;
    }

    /** SOF0-SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
    private static boolean isStartOfFrame(int marker) {
        return marker >= 0xC0
                && marker <= 0xCF
                && marker != 0xC4
                && marker != 0xC8
                && marker != 0xCC;
    }

    /** TEM and RST0-7 stand alone; every other marker is followed by a segment length. */
    private static boolean isStandalone(int marker) {
        return marker == 0x01 || marker >= 0xD0 && marker <= 0xD7;
    }

    /**
     * Skips entropy-coded data: inside it a 0xFF byte is always followed by 0x00 (a stuffed 0xFF),
     * a fill 0xFF or a restart marker, so the first other 0xFF xx is the next marker.
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

    private static int uint16(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFF) << 8 | bytes[offset + 1] & 0xFF;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
