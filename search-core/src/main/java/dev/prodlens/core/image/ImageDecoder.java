package dev.prodlens.core.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Objects;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes untrusted image bytes (JPEG, PNG, WebP, GIF, BMP) into an upright image, always
 * {@code BufferedImage.TYPE_INT_RGB} in sRGB, refusing what would be unsafe or pointless to
 * decode.
 *
 * <ol>
 * <li>Refused before any parsing: no bytes, more than {@link DecodeLimits#maxBytes()}, a format
 *     other than {@link ImageFormat}'s (sniffed from the bytes), and JPEGs with an absurd number
 *     of progressive scans (a decoding-time bomb, see {@code JpegScans}).
 * <li>Refused from the header, before any pixel is decoded: width x height over
 *     {@link DecodeLimits#maxPixels()} (decompression bombs).
 * <li>Images with a shorter side of at least twice {@link DecodeLimits#targetMinSide()} are
 *     decoded at a reduced scale (integer subsampling; the native paths below scale otherwise)
 *     that keeps at least that many pixels on the shorter side: the caller resizes with proper
 *     filtering afterwards.
 * <li>JPEG's EXIF orientation is applied; colours are brought to sRGB (CMYK, YCCK, ICC
 *     profiles, grey, 16-bit, palettes); transparency is composited onto white; an animation
 *     gives its first frame.
 * <li>Whatever a reader throws on damaged data becomes
 *     {@link ImageDecodeException.Reason#CORRUPT}, and so does a JPEG whose data ends early
 *     (libjpeg would fill the rest with grey, see {@code TruncationWatch}).
 * </ol>
 *
 * <p>Plain JPEGs (YCbCr or grey, no ICC profile) are decoded by libjpeg-turbo when its binding
 * loads ({@code TurboJpeg}; off with {@code -Dprodlens.jpeg.turbo=false}), scaled in the DCT
 * domain by 1/2, 1/4 or 1/8 instead of subsampled, so the decoded size differs from ImageIO's
 * (the shorter side is still at least {@link DecodeLimits#targetMinSide()}, and under twice it
 * unless 1/8 is not enough). Everything else, and whatever libjpeg-turbo does not decode
 * cleanly, goes through ImageIO.
 *
 * <p>Still WebPs are decoded by libwebp when its binding loads ({@code LibWebp}; off with
 * {@code -Dprodlens.webp.libwebp=false}): any image whose shorter side is over
 * {@link DecodeLimits#targetMinSide()} comes out scaled by libwebp's rescaler to exactly that
 * shorter side; the pixel limit is checked first, a truncated file is refused as truncated and
 * whatever else libwebp refuses as invalid. Animated WebPs, and every WebP when the binding is
 * not loaded, go through TwelveMonkeys' reader, which decodes every declared pixel (a lossy
 * 7000x7000 WebP of 87 KB costs it 10 s of CPU and 2.3 GB, libwebp 0.12 s; see
 * {@code LibWebp}).
 *
 * <p>Thread-safe: every call uses its own reader, TurboJPEG handle or libwebp decoder; readers
 * come from fixed providers, not from ImageIO's plugin lookup (see {@code ReaderProviders}).
 */
public final class ImageDecoder {
    private final DecodeLimits limits;
    private final ReaderProviders readers = ReaderProviders.get();
    /** Whether JPEGs and WebPs may take the libjpeg-turbo and libwebp paths (when loaded). */
    private final boolean nativeCodecs;

    public ImageDecoder(DecodeLimits limits) {
        this(limits, true);
    }

    /** {@code nativeCodecs} false: JPEGs and WebPs go through ImageIO (tests, comparisons). */
    ImageDecoder(DecodeLimits limits, boolean nativeCodecs) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.nativeCodecs = nativeCodecs;
    }

    public DecodeLimits limits() {
        return limits;
    }

    /**
     * The image, upright, as {@code TYPE_INT_RGB} sRGB, possibly reduced in scale (never below
     * {@code targetMinSide} on its shorter side when the original was at least that large).
     */
    public BufferedImage decode(byte[] bytes) throws ImageDecodeException {
        ImageFormat format = admit(bytes);
        JpegScans.Structure jpeg = format == ImageFormat.JPEG ? JpegScans.inspect(bytes, JpegScans.MAX_SCANS) : null;
        if (jpeg != null && jpeg.scans() > JpegScans.MAX_SCANS) {
            throw ImageDecodeException.tooManyScans(JpegScans.MAX_SCANS);
        }
        int orientation = ExifOrientation.of(format, bytes);
        if (jpeg != null && !jpeg.iccProfile() && nativeCodecs && TurboJpeg.isAvailable()) {
            BufferedImage fast = decodeWithTurbo(bytes);
            if (fast != null) {
                return Orientation.apply(fast, orientation);
            }
        }
        if (format == ImageFormat.WEBP && useLibWebp()) {
            BufferedImage still = decodeWithLibWebp(bytes);
            if (still != null) {
                return still;
            }
        }
        // the colour conversion is inside too: a bogus embedded ICC profile fails there
        return withReader(format, bytes, reader -> Orientation.apply(
                SrgbConverter.toIntRgb(readPixels(format, reader)), orientation));
    }

    /**
     * The TurboJPEG fast path: the image (not yet turned upright), or null when ImageIO should
     * decode it instead: a colour space other than YCbCr or grey (CMYK, YCCK, RGB), or any
     * libjpeg-turbo error or warning other than truncation. ImageIO then accepts or refuses the
     * file exactly as it did before the fast path existed (it tolerates, for instance, the
     * "extraneous bytes before marker" warning some encoders cause), in its own words.
     */
    private BufferedImage decodeWithTurbo(byte[] jpeg) throws ImageDecodeException {
        int[] info = new int[TurboJpeg.INFO_LENGTH];
        int[] pixels;
        try {
            pixels = TurboJpeg.decode(jpeg, limits.targetMinSide(), limits.maxPixels(), info);
        } catch (TurboJpeg.Failure e) {
            if (e.truncated()) {
                throw ImageDecodeException.truncated(ImageFormat.JPEG, e.getMessage());
            }
            return null;
        }
        return nativeImage(pixels, info);
    }

    /**
     * What a native decode gave: the image ({@link NativeCodecs#OK}), a refusal
     * ({@link NativeCodecs#TOO_MANY_PIXELS}), or null for any other status (ImageIO decodes).
     */
    private BufferedImage nativeImage(int[] pixels, int[] info) throws ImageDecodeException {
        return switch (info[0]) {
            case NativeCodecs.OK -> NativeCodecs.image(pixels, info[3], info[4]);
            case NativeCodecs.TOO_MANY_PIXELS ->
                    throw ImageDecodeException.tooManyPixels(info[1], info[2], limits.maxPixels());
            default -> null;
        };
    }

    private boolean useLibWebp() {
        return nativeCodecs && LibWebp.isAvailable();
    }

    /**
     * The libwebp path: the image, or null for an animation (TwelveMonkeys decodes its first
     * frame, under the pixel limit checked here first).
     */
    private BufferedImage decodeWithLibWebp(byte[] webp) throws ImageDecodeException {
        int[] info = new int[LibWebp.INFO_LENGTH];
        int[] pixels;
        try {
            pixels = LibWebp.decode(webp, limits.targetMinSide(), limits.maxPixels(), info);
        } catch (LibWebp.Failure e) {
            throw webpFailure(e);
        }
        return nativeImage(pixels, info);
    }

    private static ImageDecodeException webpFailure(LibWebp.Failure e) {
        return e.truncated() ? ImageDecodeException.truncated(ImageFormat.WEBP, e.getMessage())
                : ImageDecodeException.corrupt(ImageFormat.WEBP, e);
    }

    /**
     * Format, size and orientation from the header alone, without decoding pixels (so a
     * decompression bomb is described, not refused: the pixel limit applies to {@link #decode}).
     */
    public ImageInfo probe(byte[] bytes) throws ImageDecodeException {
        ImageFormat format = admit(bytes);
        if (format == ImageFormat.WEBP && useLibWebp()) {
            int[] info = new int[LibWebp.INFO_LENGTH];
            try {
                LibWebp.probe(bytes, info);
            } catch (LibWebp.Failure e) {
                throw webpFailure(e);
            }
            return new ImageInfo(format, info[1], info[2], 1);
        }
        int orientation = ExifOrientation.of(format, bytes);
        return withReader(format, bytes, reader ->
                new ImageInfo(format, reader.getWidth(0), reader.getHeight(0), orientation));
    }

    /** Image 0 as the reader returns it, once its header has passed the pixel limit. */
    private BufferedImage readPixels(ImageFormat format, ImageReader reader)
            throws IOException, ImageDecodeException {
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        if ((long) width * height > limits.maxPixels()) {
            throw ImageDecodeException.tooManyPixels(width, height, limits.maxPixels());
        }
        ImageReadParam param = reader.getDefaultReadParam();
        int step = subsampling(width, height, limits.targetMinSide());
        if (step > 1) {
            param.setSourceSubsampling(step, step, 0, 0);
        }
        TruncationWatch watch = new TruncationWatch();
        reader.addIIOReadWarningListener(watch);
        BufferedImage decoded = reader.read(0, param);
        watch.check(format);
        return decoded;
    }

    /**
     * The largest integer step s with min(width, height) / s >= targetMinSide, so that
     * subsampled sides ceil(side / s) stay at least targetMinSide (and under twice it); 1 when
     * the image is smaller than twice the target or the target is 0.
     */
    static int subsampling(int width, int height, int targetMinSide) {
        if (targetMinSide <= 0) {
            return 1;
        }
        return Math.max(1, Math.min(width, height) / targetMinSide);
    }

    private ImageFormat admit(byte[] bytes) throws ImageDecodeException {
        if (bytes == null || bytes.length == 0) {
            throw ImageDecodeException.empty();
        }
        if (bytes.length > limits.maxBytes()) {
            throw ImageDecodeException.tooManyBytes(bytes.length, limits.maxBytes());
        }
        return ImageFormat.sniff(bytes).orElseThrow(() -> ImageDecodeException.unsupported(bytes));
    }

    /** What is done with a reader whose input is set; may throw whatever a reader throws. */
    @FunctionalInterface
    private interface ReaderWork<T> {
        T apply(ImageReader reader) throws IOException, ImageDecodeException;
    }

    /**
     * Runs {@code work} with a fresh reader on the bytes, turning reader failures into CORRUPT.
     * Errors (OutOfMemoryError...) pass through: they are about this JVM, not about the image.
     */
    private <T> T withReader(ImageFormat format, byte[] bytes, ReaderWork<T> work)
            throws ImageDecodeException {
        ImageReader reader = null;
        try (ImageInputStream input = new ByteArrayImageInputStream(bytes)) {
            reader = readers.newReader(format);
            // seekForwardOnly: only image 0 is read; ignoreMetadata: skip text chunks,
            // comments and the like that we would not use (the JDK's GIF reader reassembles
            // them block by block, the PNG reader inflates compressed text).
            reader.setInput(input, true, true);
            return work.apply(reader);
        } catch (IOException | RuntimeException e) {
            throw ImageDecodeException.corrupt(format, e);
        } finally {
            if (reader != null) {
                reader.dispose();
            }
        }
    }
}
