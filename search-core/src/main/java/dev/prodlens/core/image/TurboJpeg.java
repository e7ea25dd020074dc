package dev.prodlens.core.image;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG decoding with libjpeg-turbo (libprodlens_jpeg.so, jpeg_jni.cpp, against Debian's
 * libjpeg.so.62): SIMD IDCT and colour conversion, and DCT-domain scaling by 1/2, 1/4 or 1/8, where
 * the JDK's libjpeg 6b (the ImageIO path) decodes every pixel and then drops most. The native
 * decode stops itself at a memory cap, a scan cap, a deadline or a cancel flag (see {@link
 * #decode(byte[], int, long, long, int, long, java.nio.ByteBuffer, int[])}).
 *
 * <p>The library is separate from the Faiss binding and optional: when it cannot load, {@link
 * #isAvailable()} is false (said once, at WARN) and {@link ImageDecoder} keeps to ImageIO. System
 * property {@code prodlens.jpeg.turbo=false} turns it off.
 */
final class TurboJpeg {
    static final String PROPERTY = "prodlens.jpeg.turbo";

    /** {@code info[0]} of {@link #decode}: pixels returned. */
    static final int OK = NativeCodecs.OK;

    /** {@code info[0]}: width x height over maxPixels, nothing decoded. */
    static final int TOO_MANY_PIXELS = NativeCodecs.TOO_MANY_PIXELS;

    /** {@code info[0]}: neither YCbCr nor grey (RGB, CMYK, YCCK), nothing decoded. */
    static final int OTHER_COLOURSPACE = 2;

    /** Length of the {@code info} array. */
    static final int INFO_LENGTH = 7;

    /** {@link Failure#kind()}: libjpeg refused the data. */
    static final int ERROR = 0;

    /**
     * {@link Failure#kind()}: a libjpeg warning (it could have gone on, with grey or wrong pixels).
     */
    static final int WARNING = 1;

    /** {@link Failure#kind()}: the deadline passed; the decode stopped there. */
    static final int DEADLINE = 2;

    /** {@link Failure#kind()}: the cancel flag was raised; the decode stopped there. */
    static final int CANCELLED = 3;

    /** {@link Failure#kind()}: more scans than allowed; stopped at the first one over. */
    static final int TOO_MANY_SCANS = 4;

    /**
     * {@link Failure#kind()}: the coefficient buffer would exceed the memory cap; nothing decoded.
     */
    static final int OVER_MEMORY = 5;

    private static final Logger LOG = LoggerFactory.getLogger(TurboJpeg.class);

    /** Null when the library loaded, else why not. */
    private static final String UNAVAILABLE =
            NativeCodecs.load(
                    PROPERTY,
                    "libprodlens_jpeg.so",
                    "the libjpeg-turbo binding",
                    "install its runtime library: apt-get install libjpeg62-turbo",
                    "JPEG fast path off, decoding JPEGs with ImageIO",
                    LOG);

    private TurboJpeg() {}

    /** Whether the library is loaded (and not turned off by {@value #PROPERTY}). */
    static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /** Why the library is not available, or null. */
    static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * Decodes at the smallest scale 1/1, 1/2, 1/4 or 1/8 whose shorter side is still at least
     * {@code targetMinSide} (0: full size), to {@code TYPE_INT_RGB} pixels row by row (grey as R =
     * G = B). {@code info} receives status ({@link #OK}, {@link #TOO_MANY_PIXELS}, {@link
     * #OTHER_COLOURSPACE}), width, height, decoded width, decoded height, libjpeg's colourspace
     * (J_COLOR_SPACE) and the number of scans read; the pixels are returned for OK only, else null.
     * A data ending before its EOI marker gets one appended, so a file missing only EOI decodes and
     * one cut short warns "premature end of data segment". Any libjpeg warning or error stops the
     * decode and is thrown as a {@link Failure}, and so does each limit, checked by libjpeg's
     * progress monitor between rows of blocks. {@link NativeCodecs#image} wraps the pixels.
     *
     * @param maxMemory most bytes libjpeg's buffers may take (the coefficient buffer of a
     *     multi-scan JPEG is refused before any scan is read); 0: no cap
     * @param maxScans most scans read; 0: no cap
     * @param deadlineNanos a {@link System#nanoTime()} after which the decode stops; 0: none
     * @param cancel a direct buffer whose byte 0 stops the decode when set nonzero (from any
     *     thread); null: none
     */
    static native int[] decode(
            byte[] jpeg,
            int targetMinSide,
            long maxPixels,
            long maxMemory,
            int maxScans,
            long deadlineNanos,
            java.nio.ByteBuffer cancel,
            int[] info)
            throws Failure;

    /**
     * {@link #decode(byte[], int, long, long, int, long, java.nio.ByteBuffer, int[])} without
     * limits.
     */
    static int[] decode(byte[] jpeg, int targetMinSide, long maxPixels, int[] info) throws Failure {
        return decode(jpeg, targetMinSide, maxPixels, 0, 0, 0, null, info);
    }

    /**
     * Why libjpeg-turbo stopped (thrown by the native code): its words, or the limit that stopped
     * it.
     */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final int kind;

        Failure(String message, int kind) {
            super(message);
            this.kind = kind;
        }

        /**
         * {@link #ERROR}, {@link #WARNING}, {@link #DEADLINE}, {@link #CANCELLED}, {@link
         * #TOO_MANY_SCANS} or {@link #OVER_MEMORY}.
         */
        int kind() {
            return kind;
        }

        /** A libjpeg warning: it could have gone on (with grey or wrong pixels). */
        boolean warning() {
            return kind == WARNING;
        }

        /** The data ends inside the image: the warning the ImageIO path refuses too. */
        boolean truncated() {
            String message = getMessage();
            return warning()
                    && message != null
                    && message.toLowerCase(Locale.ROOT).contains("premature end");
        }
    }
}
