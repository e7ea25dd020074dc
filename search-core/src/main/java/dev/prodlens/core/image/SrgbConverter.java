package dev.prodlens.core.image;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorConvertOp;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;

/**
 * Brings whatever a reader returned (palette, grey, 16-bit, alpha, CMYK or another ICC colour
 * space) to one layout: {@code TYPE_INT_RGB} in sRGB, 8 bits a channel, with any transparency
 * composited onto white, so that a product photographed on a transparent background looks as it
 * would on a white page (and as catalogue images usually are).
 */
final class SrgbConverter {
    private static final int WHITE = 255;

    private SrgbConverter() {}

    static BufferedImage toIntRgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        ColorSpace space = image.getColorModel().getColorSpace();
        if (space.getType() == ColorSpace.TYPE_GRAY && isIntegerRaster(image)) {
            return grayToRgb(image);
        }
        if (!space.isCS_sRGB()) {
            image = convertToSrgb(image);
        }
        return flattenOnWhite(image);
    }

    /** 8 or 16-bit samples: what the readers give; float grey would go through Java2D. */
    private static boolean isIntegerRaster(BufferedImage image) {
        int type = image.getRaster().getTransferType();
        return type == DataBuffer.TYPE_BYTE || type == DataBuffer.TYPE_USHORT;
    }

    /** Java2D does the layout conversion and the compositing; every sRGB layout is handled. */
    private static BufferedImage flattenOnWhite(BufferedImage image) {
        BufferedImage rgb =
                new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.drawImage(image, 0, 0, Color.WHITE, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    /** ICC-managed conversion (CMYK, Adobe RGB...), keeping alpha for the compositing after. */
    private static BufferedImage convertToSrgb(BufferedImage image) {
        boolean alpha = image.getColorModel().hasAlpha();
        BufferedImage srgb =
                new BufferedImage(
                        image.getWidth(),
                        image.getHeight(),
                        alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        new ColorConvertOp(null).filter(image, srgb);
        return srgb;
    }

    /**
     * Grey samples are taken as they are stored, gamma-encoded like sRGB, as browsers and other
     * decoders show them. Java2D is not consistent here: drawing a grey image copies the value, but
     * its colour model treats grey as linear and {@code getRGB} or a colour conversion lightens
     * mid-tones (128 becomes 188). Reading the raster avoids both.
     */
    private static BufferedImage grayToRgb(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        boolean alpha = raster.getNumBands() > 1 && image.getColorModel().hasAlpha();
        boolean premultiplied = image.getColorModel().isAlphaPremultiplied();
        int grayMax = (1 << image.getColorModel().getComponentSize(0)) - 1;
        int alphaMax = alpha ? (1 << image.getColorModel().getComponentSize(1)) - 1 : 1;
        BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] out = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
        int[] gray = new int[w];
        int[] alphas = new int[w];
        for (int y = 0; y < h; y++) {
            raster.getSamples(0, y, w, 1, 0, gray);
            if (alpha) {
                raster.getSamples(0, y, w, 1, 1, alphas);
            }
            for (int x = 0; x < w; x++) {
                double v = gray[x] * 255.0 / grayMax;
                if (alpha) {
                    double a = alphas[x] / (double) alphaMax;
                    v = (premultiplied ? v : v * a) + WHITE * (1 - a);
                }
                int g = (int) Math.round(v);
                out[y * w + x] = g << 16 | g << 8 | g;
            }
        }
        return rgb;
    }
}
