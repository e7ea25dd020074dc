package dev.prodlens.core.image;

/**
 * What decoding one image will cost in memory, judged from its header before any pixel is decoded:
 * the decoder's working memory (which depends on the format, the path and what the header declares)
 * plus the decoded, reduced-scale pixels and the copies made of them until the model input is
 * ready. An upper estimate: {@link DecodeBudget} reserves it, and {@link
 * DecodeLimits#maxMemoryBytes()} refuses more.
 *
 * <p>The figures per declared pixel come from the decoders' sources and from measuring each path
 * (docs/operations.md, "Sizing the decode budget"):
 *
 * <ul>
 *   <li>JPEG with several scans (progressive, or components in separate scans): libjpeg holds every
 *       DCT coefficient, 2 bytes each, of every component until the last scan, 3 bytes per pixel at
 *       4:2:0 and 6 at 4:4:4 ({@link JpegScans.Structure#coefficientBytes()}; the native decoder is
 *       also held to {@code maxMemoryBytes} by libjpeg itself). A single-scan JPEG is decoded a row
 *       of blocks at a time: a few hundred bytes per column.
 *   <li>WebP through libwebp: lossless keeps the whole image as 32-bit ARGB while it decodes (4
 *       bytes per pixel), and an alpha plane takes 1 byte per pixel; lossy decodes a few rows of
 *       macroblocks at a time. Through TwelveMonkeys' pure-Java reader (when libwebp is missing)
 *       about 40 bytes per pixel (2 GB for 7000x7000, measured).
 *   <li>PNG, GIF, BMP: decoded row by row into the reduced-size image.
 * </ul>
 */
final class DecodeCost {
    /** The decoded image, its upright copy and the preprocessor's halvings: ~3 int-RGB copies. */
    private static final int OUTPUT_BYTES_PER_PIXEL = 12;

    /** Row buffers of a row-at-a-time decoder, per column of the declared width. */
    private static final int ROW_BYTES_PER_COLUMN = 512;

    /** TwelveMonkeys' WebP reader: ~2 GB at 7000x7000 (issue 15's measurement). */
    private static final int TWELVEMONKEYS_WEBP_BYTES_PER_PIXEL = 44;

    private static final int ARGB_BYTES = 4;

    private DecodeCost() {}

    /**
     * An estimate and what it is of, for the refusal message ("7000x7000 progressive JPEG, 99
     * scans").
     */
    record Estimate(long bytes, String what) {}

    /**
     * A JPEG through libjpeg-turbo (DCT-scaled) or the ImageIO path (full rows, then subsampled).
     */
    static Estimate jpeg(
            JpegScans.Structure jpeg, int inputBytes, int targetMinSide, boolean nativePath) {
        int w = jpeg.width();
        int h = jpeg.height();
        long output =
                nativePath
                        ? dctScaledPixels(w, h, targetMinSide)
                        : subsampledPixels(w, h, targetMinSide);
        long bytes =
                inputBytes
                        + jpeg.coefficientBytes()
                        + (long) w * ROW_BYTES_PER_COLUMN
                        + output * OUTPUT_BYTES_PER_PIXEL;
        String kind =
                jpeg.progressive()
                        ? "progressive JPEG, " + jpeg.scans() + " scans"
                        : jpeg.multiScan() ? "JPEG, " + jpeg.scans() + " scans" : "JPEG";
        return new Estimate(bytes, w + "x" + h + " " + kind);
    }

    /** A WebP through libwebp (scaled while decoding) or TwelveMonkeys' reader. */
    static Estimate webp(WebpHeader webp, int inputBytes, int targetMinSide, boolean libwebp) {
        int w = webp.width();
        int h = webp.height();
        long output = subsampledPixels(w, h, targetMinSide);
        long working;
        if (!libwebp) {
            working = webp.pixels() * TWELVEMONKEYS_WEBP_BYTES_PER_PIXEL;
        } else if (webp.lossless()) {
            working = webp.pixels() * ARGB_BYTES;
        } else {
            working = webp.alpha() ? webp.pixels() : 0;
        }
        long bytes =
                inputBytes
                        + working
                        + (long) w * ROW_BYTES_PER_COLUMN
                        + output * OUTPUT_BYTES_PER_PIXEL;
        // TwelveMonkeys' reader gives the size alone: its cost does not depend on the kind
        String kind =
                !libwebp
                        ? "WebP"
                        : (webp.animated() ? "animated " : "")
                                + (webp.lossless() ? "lossless " : "lossy ")
                                + "WebP";
        return new Estimate(bytes, w + "x" + h + " " + kind);
    }

    /** PNG, GIF, BMP: decoded row by row into the subsampled image. */
    static Estimate rowByRow(
            ImageFormat format, int width, int height, int inputBytes, int targetMinSide) {
        long bytes =
                inputBytes
                        + (long) width * ROW_BYTES_PER_COLUMN
                        + subsampledPixels(width, height, targetMinSide) * OUTPUT_BYTES_PER_PIXEL;
        return new Estimate(bytes, width + "x" + height + " " + format.displayName());
    }

    /** Pixels after ImageIO's integer subsampling ({@link ImageDecoder#subsampling}). */
    static long subsampledPixels(int width, int height, int targetMinSide) {
        int step = ImageDecoder.subsampling(width, height, targetMinSide);
        return ceilDiv(width, step) * ceilDiv(height, step);
    }

    /** Pixels after libjpeg's DCT scaling by the largest of 1/2, 1/4, 1/8 that keeps the target. */
    static long dctScaledPixels(int width, int height, int targetMinSide) {
        int denominator = 1;
        int shorter = Math.min(width, height);
        for (int d = 2; targetMinSide > 0 && d <= 8; d *= 2) {
            if (ceilDiv(shorter, d) >= targetMinSide) {
                denominator = d;
            }
        }
        return ceilDiv(width, denominator) * ceilDiv(height, denominator);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
