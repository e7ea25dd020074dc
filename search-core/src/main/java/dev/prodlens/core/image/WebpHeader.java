package dev.prodlens.core.image;

/**
 * What a WebP's RIFF header declares, read without decoding: the canvas size, whether the image
 * data is lossless (VP8L) or lossy (VP8), and whether it has an alpha plane or an animation (VP8X
 * flags). Enough to judge what decoding it will cost; anything unreadable comes back as {@code
 * null} and the decoder reports the damage itself.
 *
 * <p>Layout (RFC 9649): "RIFF" size "WEBP", then chunks of a fourcc, a little-endian size and the
 * payload (padded to even). VP8: 3-byte frame tag, start code 9D 01 2A, 14-bit width and height.
 * VP8L: signature 0x2F, then 14 bits width - 1 and 14 bits height - 1. VP8X: flags, 3 reserved
 * bytes, 24-bit canvas width - 1 and height - 1.
 */
record WebpHeader(int width, int height, boolean lossless, boolean alpha, boolean animated) {
    private static final int FIRST_CHUNK = 12;
    private static final int ALPHA_FLAG = 0x10;
    private static final int ANIMATION_FLAG = 0x02;

    /** Chunks looked at after VP8X before giving up on finding the image data. */
    private static final int MAX_CHUNKS = 64;

    static WebpHeader read(byte[] webp) {
        int pos = FIRST_CHUNK;
        WebpHeader extended = null;
        for (int i = 0; i < MAX_CHUNKS && pos + 8 <= webp.length; i++) {
            long size = Magic.uint32le(webp, pos + 4);
            int payload = pos + 8;
            if (Magic.startsWith(webp, pos, "VP8X") && size >= 10 && payload + 10 <= webp.length) {
                int flags = webp[payload] & 0xFF;
                extended =
                        new WebpHeader(
                                uint24(webp, payload + 4) + 1,
                                uint24(webp, payload + 7) + 1,
                                false,
                                (flags & ALPHA_FLAG) != 0,
                                (flags & ANIMATION_FLAG) != 0);
                if (extended.animated()) {
                    return extended;
                }
            } else if (Magic.startsWith(webp, pos, "VP8L")
                    && payload + 5 <= webp.length
                    && (webp[payload] & 0xFF) == 0x2F) {
                long bits = Magic.uint32le(webp, payload + 1);
                int width = (int) (bits & 0x3FFF) + 1;
                int height = (int) (bits >> 14 & 0x3FFF) + 1;
                return extended != null
                        ? new WebpHeader(
                                extended.width(), extended.height(), true, extended.alpha(), false)
                        : new WebpHeader(width, height, true, (bits >> 28 & 1) != 0, false);
            } else if (Magic.startsWith(webp, pos, "VP8 ") && payload + 10 <= webp.length) {
                int width = ((webp[payload + 6] & 0xFF) | (webp[payload + 7] & 0xFF) << 8) & 0x3FFF;
                int height =
                        ((webp[payload + 8] & 0xFF) | (webp[payload + 9] & 0xFF) << 8) & 0x3FFF;
                return extended != null
                        ? new WebpHeader(
                                extended.width(), extended.height(), false, extended.alpha(), false)
                        : new WebpHeader(width, height, false, false, false);
            }
            if (size < 0 || size > Integer.MAX_VALUE - pos - 9) {
                return extended;
            }
            pos = payload + (int) size + (int) (size & 1);
        }
        return extended;
    }

    long pixels() {
        return (long) width * height;
    }

    private static int uint24(byte[] bytes, int offset) {
        return (bytes[offset] & 0xFF)
                | (bytes[offset + 1] & 0xFF) << 8
                | (bytes[offset + 2] & 0xFF) << 16;
    }
}
