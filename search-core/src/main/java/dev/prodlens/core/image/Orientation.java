package dev.prodlens.core.image;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * Turns a decoded picture upright according to its EXIF orientation (TIFF tag 0x0112): the camera
 * stores the sensor's rows as they came and records how a viewer should turn them.
 *
 * <p>Works on {@code TYPE_INT_RGB} images by moving whole pixels (no interpolation, so a turn is
 * lossless) and returns a new image; orientation 1 returns the image itself.
 */
final class Orientation {
    private Orientation() {}

    /** Orientations 5 to 8 involve a quarter turn: width and height trade places. */
    static boolean swapsSides(int orientation) {
        return orientation >= 5 && orientation <= 8;
    }

    static BufferedImage apply(BufferedImage stored, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return stored;
        }
        if (stored.getType() != BufferedImage.TYPE_INT_RGB) {
            throw new IllegalArgumentException("expects TYPE_INT_RGB, got " + stored.getType());
        }
        int w = stored.getWidth();
        int h = stored.getHeight();
        int[] src = ((DataBufferInt) stored.getRaster().getDataBuffer()).getData();
        boolean swap = swapsSides(orientation);
        int outW = swap ? h : w;
        int outH = swap ? w : h;
        BufferedImage upright = new BufferedImage(outW, outH, BufferedImage.TYPE_INT_RGB);
        int[] dst = ((DataBufferInt) upright.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                dst[y * outW + x] = src[sourceIndex(orientation, x, y, w, h)];
            }
        }
        return upright;
    }

    /**
     * Where upright pixel (x, y) comes from in the stored w x h picture. The tag names the stored
     * row 0 / column 0 sides: 2 mirror, 3 half turn, 4 flip, 5 transpose, 6 needs a quarter turn
     * clockwise, 7 transverse, 8 a quarter turn counter-clockwise.
     */
    private static int sourceIndex(int orientation, int x, int y, int w, int h) {
        return switch (orientation) {
            case 2 -> y * w + (w - 1 - x);
            case 3 -> (h - 1 - y) * w + (w - 1 - x);
            case 4 -> (h - 1 - y) * w + x;
            case 5 -> x * w + y;
            case 6 -> (h - 1 - x) * w + y;
            case 7 -> (h - 1 - x) * w + (w - 1 - y);
            case 8 -> x * w + (w - 1 - y);
            default -> y * w + x;
        };
    }
}
