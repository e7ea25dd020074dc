package dev.prodlens.core.image;

import dev.prodlens.core.nativelib.JarLibrary;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.DirectColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import org.slf4j.Logger;

/**
 * What the native decoder bindings ({@link TurboJpeg}, {@link LibWebp}) share: loading their
 * optional library, the start of their {@code info} array (status, width, height, decoded width,
 * decoded height) with its first two statuses, and wrapping the packed pixels they return as an
 * image.
 */
final class NativeCodecs {
    /** {@code info[0]}: pixels returned. */
    static final int OK = 0;

    /** {@code info[0]}: width x height over maxPixels, nothing decoded. */
    static final int TOO_MANY_PIXELS = 1;

    private static final int[] RGB_MASKS = {0xFF0000, 0xFF00, 0xFF};
    private static final DirectColorModel INT_RGB =
            new DirectColorModel(24, RGB_MASKS[0], RGB_MASKS[1], RGB_MASKS[2]);

    private NativeCodecs() {}

    /**
     * Loads an optional library from the jar: null when it loaded, else why not. System property
     * {@code property=false} keeps it off; a failure to load is said once, at WARN on {@code log},
     * after {@code fallback} (what the decoder does instead).
     */
    static String load(
            String property,
            String fileName,
            String what,
            String runtimeHint,
            String fallback,
            Logger log) {
        if (!Boolean.parseBoolean(System.getProperty(property, "true"))) {
            return property + "=false";
        }
        try {
            JarLibrary.load(fileName, what, runtimeHint);
            return null;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            log.warn("{}: {}", fallback, e.getMessage());
            return String.valueOf(e.getMessage());
        }
    }

    /**
     * The pixels of a successful native decode ({@code TYPE_INT_RGB} values, row by row) as a
     * {@code TYPE_INT_RGB} image around the array itself (no copy): the same colour model and
     * raster layout as {@code new BufferedImage(w, h, TYPE_INT_RGB)} builds.
     */
    static BufferedImage image(int[] pixels, int width, int height) {
        WritableRaster raster =
                Raster.createPackedRaster(
                        new DataBufferInt(pixels, pixels.length),
                        width,
                        height,
                        width,
                        RGB_MASKS,
                        null);
        return new BufferedImage(INT_RGB, raster, false, null);
    }
}
