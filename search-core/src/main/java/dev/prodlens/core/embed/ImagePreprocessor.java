package dev.prodlens.core.embed;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

/**
 * Turns a decoded RGB image into the model's input: shorter side scaled to {@code
 * resizeShorterSide}, centre crop of {@code size}², then {@code (x·pixelScale − mean) / std} per
 * channel in CHW order. Pure Java2D, deterministic for the same pixels, so the Spark job and the
 * API produce bit-identical inputs.
 */
final class ImagePreprocessor {
    private final ModelCard.InputSpec spec;

    ImagePreprocessor(ModelCard.InputSpec spec) {
        this.spec = spec;
    }

    float[] toTensor(BufferedImage image) {
        return normalise(resizeAndCrop(image));
    }

    /** The {@code size}² RGB crop the model sees (also useful to look at). */
    BufferedImage resizeAndCrop(BufferedImage image) {
        BufferedImage source = image;
        // Bilinear filtering only looks at 2×2 pixels: halve first while the image is over twice
        // the target, so a large downscale averages all pixels instead of aliasing.
        while (Math.min(source.getWidth(), source.getHeight()) >= 2 * spec.resizeShorterSide()) {
            source =
                    scaled(
                            source,
                            source.getWidth() / 2,
                            source.getHeight() / 2,
                            AffineTransform.getScaleInstance(
                                    (double) (source.getWidth() / 2) / source.getWidth(),
                                    (double) (source.getHeight() / 2) / source.getHeight()));
        }
        int w = source.getWidth();
        int h = source.getHeight();
        double scale = (double) spec.resizeShorterSide() / Math.min(w, h);
        // The crop's top-left corner in resized coordinates; the transform maps the source into the
        // crop.
        double offsetX = (w * scale - spec.size()) / 2.0;
        double offsetY = (h * scale - spec.size()) / 2.0;
        AffineTransform toCrop = new AffineTransform(scale, 0, 0, scale, -offsetX, -offsetY);
        return scaled(source, spec.size(), spec.size(), toCrop);
    }

    private static BufferedImage scaled(
            BufferedImage source, int width, int height, AffineTransform transform) {
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = target.createGraphics();
        try {
            g.setRenderingHint(
                    RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(source, transform, null);
        } finally {
            g.dispose();
        }
        return target;
    }

    private float[] normalise(BufferedImage crop) {
        int[] rgb = ((DataBufferInt) crop.getRaster().getDataBuffer()).getData();
        int plane = rgb.length;
        float[] chw = new float[3 * plane];
        float[] mul = new float[3];
        float[] add = new float[3];
        for (int c = 0; c < 3; c++) {
            mul[c] = spec.pixelScale() / spec.std()[c];
            add[c] = -spec.mean()[c] / spec.std()[c];
        }
        for (int i = 0; i < plane; i++) {
            int p = rgb[i];
            chw[i] = ((p >> 16) & 0xff) * mul[0] + add[0];
            chw[plane + i] = ((p >> 8) & 0xff) * mul[1] + add[1];
            chw[2 * plane + i] = (p & 0xff) * mul[2] + add[2];
        }
        return chw;
    }
}
