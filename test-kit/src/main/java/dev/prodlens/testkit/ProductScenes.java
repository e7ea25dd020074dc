package dev.prodlens.testkit;

import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.ConvolveOp;
import java.awt.image.Kernel;
import java.awt.image.RescaleOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The composite set: buyers' photos for evaluating region search, made from what the machine has
 * offline. Each scene pastes one catalogue product ({@link ProductCutout}: its backdrop cut away)
 * into a real photo (a background from {@link OfflineImages#photos()}) where its bounding box
 * covers {@value #MIN_SHARE} to {@value #MAX_SHARE} of the frame's area, at a random place, then
 * blurs the frame a little and changes its lighting (gain and offset), as a phone photo of the
 * product on a cluttered table would. Deterministic: the same inputs and seed give the same JPEG
 * bytes.
 */
public final class ProductScenes {
    /** Smallest share of the frame's area the product's bounding box covers. */
    public static final double MIN_SHARE = 0.25;

    /** Largest share of the frame's area the product's bounding box covers. */
    public static final double MAX_SHARE = 0.60;

    /** The frame's longer side in pixels (a background photo is scaled to it). */
    public static final int FRAME_SIDE = 640;

    private static final float JPEG_QUALITY = 0.85f;

    /**
     * One buyer's photo: {@code product} is the index of the product in the list it was made from;
     * {@code share} the area share its bounding box covers.
     */
    public record Scene(int product, double share, byte[] jpeg) {}

    private ProductScenes() {}

    /**
     * {@code count} scenes, scene i of product {@code i % products.size()} (so every product once
     * before any twice) on a background the seed picks. A product that cannot cover {@value
     * #MIN_SHARE} of a frame (a drawing far longer than wide), or is blank, is passed over.
     */
    public static List<Scene> make(
            List<BufferedImage> products, List<BufferedImage> backgrounds, int count, long seed) {
        Random random = new Random(seed);
        List<BufferedImage> cutouts = products.stream().map(ProductCutout::of).toList();
        List<Scene> scenes = new ArrayList<>(count);
        for (int i = 0; scenes.size() < count && i < count * 4L; i++) {
            int product = i % products.size();
            BufferedImage background = backgrounds.get(random.nextInt(backgrounds.size()));
            double share = MIN_SHARE + random.nextDouble() * (MAX_SHARE - MIN_SHARE);
            double x = random.nextDouble();
            double y = random.nextDouble();
            float gain = 0.75f + random.nextFloat() * 0.5f;
            float offset = -15f + random.nextFloat() * 30f;
            int blurPasses = 1 + random.nextInt(2);
            BufferedImage cutout = cutouts.get(product);
            if (cutout == null) continue;
            BufferedImage frame = frame(background);
            double placed = paste(frame, cutout, share, x, y);
            if (placed < MIN_SHARE) continue;
            for (int p = 0; p < blurPasses; p++) frame = blur(frame);
            frame = new RescaleOp(gain, offset, null).filter(frame, null);
            scenes.add(new Scene(product, placed, ImageEdits.encodeJpeg(frame, JPEG_QUALITY)));
        }
        return scenes;
    }

    /** The background scaled to a longer side of {@link #FRAME_SIDE}, as RGB. */
    private static BufferedImage frame(BufferedImage background) {
        double scale =
                (double) FRAME_SIDE / Math.max(background.getWidth(), background.getHeight());
        return scaledRgb(
                background,
                (int) Math.round(background.getWidth() * scale),
                (int) Math.round(background.getHeight() * scale));
    }

    /**
     * Draws {@code cutout} onto {@code frame} with its bounding box covering {@code share} of the
     * frame's area (less when its shape does not fit), its corner at ({@code x}, {@code y}) of the
     * room left; returns the share it covers.
     */
    private static double paste(
            BufferedImage frame, BufferedImage cutout, double share, double x, double y) {
        int fw = frame.getWidth();
        int fh = frame.getHeight();
        double aspect = (double) cutout.getWidth() / cutout.getHeight();
        double area = share * fw * fh;
        double w = Math.sqrt(area * aspect);
        double h = Math.sqrt(area / aspect);
        double fit = Math.min(1, Math.min(fw / w, fh / h));
        int pw = Math.max(1, (int) Math.floor(w * fit));
        int ph = Math.max(1, (int) Math.floor(h * fit));
        Image scaled = cutout.getScaledInstance(pw, ph, Image.SCALE_AREA_AVERAGING);
        Graphics2D g = frame.createGraphics();
        g.drawImage(scaled, (int) Math.round(x * (fw - pw)), (int) Math.round(y * (fh - ph)), null);
        g.dispose();
        return (double) pw * ph / ((double) fw * fh);
    }

    /** A light Gaussian blur (3×3 binomial kernel). */
    private static BufferedImage blur(BufferedImage image) {
        float[] k = {1, 2, 1, 2, 4, 2, 1, 2, 1};
        for (int i = 0; i < k.length; i++) k[i] /= 16f;
        return new ConvolveOp(new Kernel(3, 3, k), ConvolveOp.EDGE_NO_OP, null).filter(image, null);
    }

    private static BufferedImage scaledRgb(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(
                RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image.getScaledInstance(width, height, Image.SCALE_AREA_AVERAGING), 0, 0, null);
        g.dispose();
        return out;
    }
}
