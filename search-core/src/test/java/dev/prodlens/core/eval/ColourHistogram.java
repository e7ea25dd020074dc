package dev.prodlens.core.eval;

import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.core.image.ImageDecodeException;
import dev.prodlens.core.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * The trivial baseline: a joint RGB histogram (4 levels per channel, 64 bins), square-rooted and
 * L2-normalised so that the inner product is the Hellinger (Bhattacharyya) similarity.
 */
public final class ColourHistogram implements ImageVectoriser {
    private static final int LEVELS = 4;
    private final ImageDecoder decoder =
            new ImageDecoder(
                    new DecodeLimits(
                            DecodeLimits.DEFAULTS.maxBytes(),
                            DecodeLimits.DEFAULTS.maxPixels(),
                            128));

    @Override
    public String name() {
        return "colour-histogram";
    }

    @Override
    public List<float[]> vectors(List<byte[]> images) {
        List<float[]> out = new ArrayList<>(images.size());
        for (byte[] bytes : images) {
            try {
                out.add(histogram(decoder.decode(bytes)));
            } catch (ImageDecodeException e) {
                out.add(null);
            }
        }
        return out;
    }

    static float[] histogram(BufferedImage image) {
        float[] bins = new float[LEVELS * LEVELS * LEVELS];
        int[] row = new int[image.getWidth()];
        for (int y = 0; y < image.getHeight(); y++) {
            image.getRGB(0, y, row.length, 1, row, 0, row.length);
            for (int p : row) {
                int r = ((p >> 16) & 0xff) * LEVELS / 256;
                int g = ((p >> 8) & 0xff) * LEVELS / 256;
                int b = (p & 0xff) * LEVELS / 256;
                bins[(r * LEVELS + g) * LEVELS + b]++;
            }
        }
        double norm = 0;
        for (int i = 0; i < bins.length; i++) {
            bins[i] = (float) Math.sqrt(bins[i]);
            norm += bins[i] * bins[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < bins.length; i++) bins[i] *= inv;
        return bins;
    }
}
