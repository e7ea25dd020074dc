package dev.prodlens.core.image;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG decoding with libjpeg-turbo's TurboJPEG API (libprodlens_jpeg.so, jpeg_jni.cpp, against
 * Debian's libturbojpeg.so.0): SIMD IDCT and colour conversion, and DCT-domain scaling by 1/2, 1/4 or
 * 1/8, where the JDK's libjpeg 6b (the ImageIO path) decodes every pixel and then drops most.
 *
 * <p>The library is separate from the Faiss binding and optional: when it cannot load,
 * {@link #isAvailable()} is false (said once, at WARN) and {@link ImageDecoder} keeps to ImageIO.
 * System property {@code prodlens.jpeg.turbo=false} turns it off.
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

    private static final Logger LOG = LoggerFactory.getLogger(TurboJpeg.class);
    /** Null when the library loaded, else why not. */
    private static final String UNAVAILABLE = NativeCodecs.load(PROPERTY, "libprodlens_jpeg.so",
            "the TurboJPEG binding", "install its runtime library: apt-get install libturbojpeg0",
            "JPEG fast path off, decoding JPEGs with ImageIO", LOG);

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
     * {@code targetMinSide} (0: full size), to {@code TYPE_INT_RGB} pixels row by row (grey as
     * R = G = B). {@code info} receives status ({@link #OK}, {@link #TOO_MANY_PIXELS},
     * {@link #OTHER_COLOURSPACE}), width, height, decoded width, decoded height, TurboJPEG's
     * colourspace (TJCS_*) and subsampling (TJSAMP_*); the pixels are returned for OK only, else
     * null. A data ending before its EOI marker gets one appended, so a file missing only EOI
     * decodes and one cut short warns "premature end of data segment". Any libjpeg warning or
     * error stops the decode and is thrown as a {@link Failure}. {@link NativeCodecs#image}
     * wraps the pixels.
     */
    static native int[] decode(byte[] jpeg, int targetMinSide, long maxPixels, int[] info)
            throws Failure;

    /** What libjpeg-turbo said about the data (thrown by the native code). */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean warning;

        Failure(String message, boolean warning) {
            super(message);
            this.warning = warning;
        }

        /** TJERR_WARNING: libjpeg could have gone on (with grey or wrong pixels). */
        boolean warning() {
            return warning;
        }

        /** The data ends inside the image: the warning the ImageIO path refuses too. */
        boolean truncated() {
            String message = getMessage();
            return warning && message != null && message.toLowerCase(Locale.ROOT).contains("premature end");
        }
    }
}
