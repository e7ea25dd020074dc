package dev.prodlens.testkit;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.UnaryOperator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * The synthetic edits that turn a catalogue photo into a near-duplicate query: what sellers do to
 * the same product photo (crop, resize, recompress, recolour, rotate, stamp text, pad onto a
 * backdrop). Deterministic, so evaluation sets are reproducible.
 */
public enum ImageEdits {
    /** An off-centre crop keeping 70% of each side. */
    CROP(
            img ->
                    img.getSubimage(
                            img.getWidth() / 10,
                            img.getHeight() / 8,
                            img.getWidth() * 7 / 10,
                            img.getHeight() * 7 / 10),
            false),
    /** Down to 30% of the size. */
    RESIZE(
            img ->
                    resize(
                            img,
                            Math.max(8, img.getWidth() * 3 / 10),
                            Math.max(8, img.getHeight() * 3 / 10)),
            false),
    /** JPEG at quality 30. */
    JPEG_Q30(img -> img, true),
    /** A warm colour cast and +10% brightness. */
    COLOUR(ImageEdits::colourShift, false),
    /** Rotated 12° on a white background. */
    ROTATE(img -> rotate(img, Math.toRadians(12)), false),
    /** A "SALE -50%" banner across the lower third. */
    TEXT(ImageEdits::textOverlay, false),
    /**
     * Shrunk to 80% and centred on a light grey square backdrop, as marketplaces pad listing
     * photos.
     */
    BACKGROUND(ImageEdits::onBackdrop, false),
    /**
     * All at once, harder: a 60% crop, the colour cast, 8° rotation, the banner, then JPEG q=30.
     */
    COMBINED(
            img ->
                    textOverlay(
                            rotate(
                                    colourShift(
                                            img.getSubimage(
                                                    img.getWidth() / 4,
                                                    img.getHeight() / 5,
                                                    img.getWidth() * 6 / 10,
                                                    img.getHeight() * 6 / 10)),
                                    Math.toRadians(8))),
            true);

    private final UnaryOperator<BufferedImage> edit;
    private final boolean lowQualityJpeg;

    ImageEdits(UnaryOperator<BufferedImage> edit, boolean lowQualityJpeg) {
        this.edit = edit;
        this.lowQualityJpeg = lowQualityJpeg;
    }

    /** The edited image, encoded (JPEG q=30 for {@link #JPEG_Q30}, JPEG q=90 otherwise). */
    public byte[] apply(BufferedImage original) {
        BufferedImage edited = copy(edit.apply(original));
        return encodeJpeg(edited, lowQualityJpeg ? 0.3f : 0.9f);
    }

    /** Encodes {@code image} (RGB) as JPEG at {@code quality} in [0, 1]. */
    public static byte[] encodeJpeg(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(copy(image), null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** Encodes {@code image} as PNG (lossless). */
    public static byte[] encodePng(BufferedImage image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", out)) throw new IOException("no PNG writer");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A TYPE_INT_RGB copy (sub-images share pixels; JPEG writers want plain RGB). */
    static BufferedImage copy(BufferedImage image) {
        BufferedImage rgb =
                new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return rgb;
    }

    /**
     * {@code image} scaled down so that neither side exceeds {@code maxSide}; unchanged when it
     * already fits.
     */
    public static BufferedImage fit(BufferedImage image, int maxSide) {
        int longer = Math.max(image.getWidth(), image.getHeight());
        if (longer <= maxSide) return image;
        double scale = (double) maxSide / longer;
        return resize(
                image,
                Math.max(1, (int) Math.round(image.getWidth() * scale)),
                Math.max(1, (int) Math.round(image.getHeight() * scale)));
    }

    static BufferedImage resize(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(
                RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(
                image.getScaledInstance(width, height, java.awt.Image.SCALE_AREA_AVERAGING),
                0,
                0,
                null);
        g.dispose();
        return out;
    }

    private static BufferedImage colourShift(BufferedImage image) {
        BufferedImage out = copy(image);
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                int p = out.getRGB(x, y);
                int r = clamp(((p >> 16) & 0xff) * 1.20 + 12);
                int g = clamp(((p >> 8) & 0xff) * 1.05 + 8);
                int b = clamp((p & 0xff) * 0.85);
                out.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return out;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static BufferedImage rotate(BufferedImage image, double radians) {
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(
                RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, AffineTransform.getRotateInstance(radians, w / 2.0, h / 2.0), null);
        g.dispose();
        return out;
    }

    private static BufferedImage onBackdrop(BufferedImage image) {
        int side = Math.max(image.getWidth(), image.getHeight());
        int width = Math.max(1, image.getWidth() * 4 / 5);
        int height = Math.max(1, image.getHeight() * 4 / 5);
        BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(new Color(228, 230, 235));
        g.fillRect(0, 0, side, side);
        g.drawImage(resize(image, width, height), (side - width) / 2, (side - height) / 2, null);
        g.dispose();
        return out;
    }

    private static BufferedImage textOverlay(BufferedImage image) {
        BufferedImage out = copy(image);
        int w = out.getWidth();
        int h = out.getHeight();
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(
                RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(200, 20, 20));
        g.fillRect(0, h * 2 / 3, w, h / 7);
        g.setColor(Color.WHITE);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, Math.max(8, h / 10)));
        g.drawString("SALE -50%", w / 8, h * 2 / 3 + h / 9);
        g.dispose();
        return out;
    }
}
