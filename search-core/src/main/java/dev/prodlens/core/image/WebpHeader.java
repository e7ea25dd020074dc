package dev.prodlens.core.image;

/**
 * What a WebP declares, as libwebp's header reading ({@code WebPGetFeatures}) or TwelveMonkeys'
 * reader gives it, without decoding: the canvas size, whether the image data is lossless (VP8L) or
 * lossy (VP8), and whether it has an alpha plane or an animation. Enough to judge what decoding it
 * will cost ({@link DecodeCost#webp}).
 */
record WebpHeader(int width, int height, boolean lossless, boolean alpha, boolean animated) {
    long pixels() {
        return (long) width * height;
    }
}
