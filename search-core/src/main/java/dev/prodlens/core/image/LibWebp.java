package dev.prodlens.core.image;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebP decoding with libwebp (libprodlens_webp.so, webp_jni.cpp, against Debian's libwebp.so.7):
 * lossy and lossless still images, scaled down while decoding by libwebp's own rescaler (an area
 * average), where TwelveMonkeys' pure-Java reader decodes every declared pixel and is a
 * denial-of-service hazard (measured below).
 *
 * <p>The library is separate from the others and optional: when it cannot load, {@link
 * #isAvailable()} is false (said once, at WARN) and {@link ImageDecoder} keeps to TwelveMonkeys.
 * System property {@code prodlens.webp.libwebp=false} turns it off.
 *
 * <p>Measured (2 shared cores of an AMD EPYC with AVX2, no AVX-512; libwebp 1.2.4; one call in a
 * fresh JVM, then the median of 7: thread CPU, which the wall time exceeded under load; peak RSS
 * delta, VmHWM, with the heap pre-touched), at targetMinSide 224:
 *
 * <pre>
 *   file (declared size)                libwebp (224x224)     TwelveMonkeys (subsampled)
 *   lossy 7000x7000, 87 KB, one colour  0.12 s, +1.4 MB       11.5 s wall, 9.7 s CPU, +2.3 GB
 *   lossless 7000x7000, 38 bytes        0.13 s, +26 MB        (minutes of CPU, not rerun)
 *   lossy + alpha 7000x7000, 121 KB     0.33 s, +247 MB
 *   photo 1000x1000, lossy, 90 KB       0.012 s, +1.1 MB      0.25 s (thread CPU), +96 MB
 *   photo 4000x4000, lossy / lossless   0.09 s / 0.31 s, +1.6 MB / +74 MB (8.6 MB file)
 * </pre>
 *
 * Memory per declared pixel, scaling on (libwebp 1.2.4's sources agree): lossy without alpha, none
 * (row caches of about 200 bytes per pixel of width); lossless, the whole ARGB image, 4 bytes (less
 * when a palette packs 2 to 8 pixels in one: the 38-byte bomb takes 0.5); lossy with alpha, 1 byte
 * for the alpha plane plus the alpha stream's lossless decode, 1 byte when it is palette-only else
 * 4: up to 5 (the 121 KB file above). On top: a copy of the file and twice the decoded output (4
 * bytes a pixel, native and Java).
 */
final class LibWebp {
    static final String PROPERTY = "prodlens.webp.libwebp";

    /** {@code info[0]} of {@link #decode}: pixels returned; of {@link #probe}: a still image. */
    static final int OK = NativeCodecs.OK;

    /** {@code info[0]} of {@link #decode}: width x height over maxPixels, nothing decoded. */
    static final int TOO_MANY_PIXELS = NativeCodecs.TOO_MANY_PIXELS;

    /** {@code info[0]}: an animation (libwebp's simple API decodes none), nothing decoded. */
    static final int ANIMATED = 2;

    /** {@code info[6]}: VP8 (lossy, alpha possibly lossless). */
    static final int LOSSY = 0;

    /** {@code info[6]}: VP8L. */
    static final int LOSSLESS = 1;

    /** {@code info[6]}: neither or both, as in an animation. */
    static final int MIXED = 2;

    /** Length of the {@code info} array. */
    static final int INFO_LENGTH = 7;

    private static final Logger LOG = LoggerFactory.getLogger(LibWebp.class);

    /** Null when the library loaded, else why not. */
    private static final String UNAVAILABLE =
            NativeCodecs.load(
                    PROPERTY,
                    "libprodlens_webp.so",
                    "the libwebp binding",
                    "install its runtime library: apt-get install libwebp7",
                    "libwebp off, decoding WebPs with TwelveMonkeys (slow, and unsafe on hostile files)",
                    LOG);

    private LibWebp() {}

    /** Whether the library is loaded (and not turned off by {@value #PROPERTY}). */
    static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /** Why the library is not available, or null. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * Decodes to the smallest size whose shorter side is still at least {@code targetMinSide} (the
     * same aspect ratio, the longer side rounded; full size when 0 or when the image is not larger;
     * never up), to {@code TYPE_INT_RGB} pixels row by row, transparency composited onto white.
     * {@code info} receives status ({@link #OK}, {@link #TOO_MANY_PIXELS} or {@link #ANIMATED},
     * tested in that order), width, height, decoded width, decoded height, has alpha (1 or 0) and
     * {@link #LOSSY}, {@link #LOSSLESS} or {@link #MIXED}; the pixels are returned for OK only,
     * else null. Whatever libwebp refuses is thrown as a {@link Failure} (an OutOfMemoryError when
     * it runs out of memory); {@link NativeCodecs#image} wraps the pixels.
     */
    static native int[] decode(byte[] webp, int targetMinSide, long maxPixels, int[] info)
            throws Failure;

    /**
     * The header alone (no pixel is decoded, nothing is allocated for them): {@code info} as {@link
     * #decode} fills it, with status {@link #OK} or {@link #ANIMATED} (width and height are then
     * the canvas's) and no decoded size.
     */
    static native void probe(byte[] webp, int[] info) throws Failure;

    /**
     * What libwebp said about the data (thrown by the native code), in a few words. An IOException,
     * as a reader's failure on bad data is: its message is about the data.
     */
    static final class Failure extends IOException {
        private static final long serialVersionUID = 1L;

        /** libwebp's VP8StatusCode values for a data that ends early. */
        private static final int SUSPENDED = 5;

        private static final int NOT_ENOUGH_DATA = 7;
        private final int status;

        Failure(String message, int status) {
            super(message);
            this.status = status;
        }

        /** libwebp's VP8StatusCode (decode.h): 2 invalid parameter, 3 bitstream error ... */
        int status() {
            return status;
        }

        /** The data ends before the image does (NOT_ENOUGH_DATA or SUSPENDED). */
        boolean truncated() {
            return status == NOT_ENOUGH_DATA || status == SUSPENDED;
        }
    }
}
