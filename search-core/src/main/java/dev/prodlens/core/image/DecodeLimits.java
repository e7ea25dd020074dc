package dev.prodlens.core.image;

/**
 * What {@link ImageDecoder} accepts and how much resolution it keeps. The names in messages
 * ({@code decode.max-bytes} ...) are the configuration keys these values come from.
 *
 * @param maxBytes      largest encoded image accepted, in bytes
 * @param maxPixels     largest width x height accepted, checked from the header before any pixel
 *                      is decoded (a small file may declare a huge image: a decompression bomb);
 *                      at most {@link Integer#MAX_VALUE}, the most a {@code BufferedImage} holds
 * @param targetMinSide the shorter side the caller will resize to: images with a shorter side of
 *                      at least twice this are decoded at a reduced scale that still keeps at
 *                      least this many pixels on that side (still WebPs, through libwebp: any
 *                      larger image, to exactly this); 0 decodes at full size
 */
public record DecodeLimits(long maxBytes, long maxPixels, int targetMinSide) {
    /** 32 MiB, 50 megapixels, 224 (the input side of the usual ImageNet-trained models). */
    public static final DecodeLimits DEFAULTS = new DecodeLimits(32L << 20, 50_000_000L, 224);

    public DecodeLimits {
        if (maxBytes < 1) {
            throw new IllegalArgumentException(
                    "decode.max-bytes must be at least 1, got " + maxBytes);
        }
        if (maxPixels < 1 || maxPixels > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("decode.max-pixels must be in [1, "
                    + Integer.MAX_VALUE + "] (the most a BufferedImage holds), got " + maxPixels);
        }
        if (targetMinSide < 0) {
            throw new IllegalArgumentException("decode.target-min-side must be >= 0 "
                    + "(0: decode at full size), got " + targetMinSide);
        }
    }

    public DecodeLimits withMaxBytes(long value) {
        return new DecodeLimits(value, maxPixels, targetMinSide);
    }

    public DecodeLimits withMaxPixels(long value) {
        return new DecodeLimits(maxBytes, value, targetMinSide);
    }

    public DecodeLimits withTargetMinSide(int value) {
        return new DecodeLimits(maxBytes, maxPixels, value);
    }
}
