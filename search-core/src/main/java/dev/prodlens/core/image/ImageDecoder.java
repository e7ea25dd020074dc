package dev.prodlens.core.image;

import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Objects;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes untrusted image bytes (JPEG, PNG, WebP, GIF, BMP) into an upright image, always {@code
 * BufferedImage.TYPE_INT_RGB} in sRGB, refusing what would be unsafe or pointless to decode, and
 * bounding what every decode may cost in memory and in time.
 *
 * <ol>
 *   <li>Refused before any parsing: no bytes, more than {@link DecodeLimits#maxBytes()}, a format
 *       other than {@link ImageFormat}'s (sniffed from the bytes).
 *   <li>Refused from the header, before any pixel is decoded: width x height over {@link
 *       DecodeLimits#maxPixels()} (decompression bombs); JPEGs with an absurd number of scans or a
 *       marker structure libjpeg would read differently from a plain walk ({@code JpegScans}); and
 *       anything whose decode would need more memory than {@link DecodeLimits#maxMemoryBytes()}
 *       ({@code DecodeCost}: progressive JPEGs keep every coefficient, lossless WebPs every pixel).
 *   <li>The estimated memory is then reserved from the decoder's {@link DecodeBudget}, waiting (up
 *       to the deadline) while other decodes hold it: concurrent decodes never hold more than
 *       {@link DecodeLimits#memoryBudgetBytes()}.
 *   <li>Every decode has a {@link DecodeDeadline} ({@link DecodeLimits#timeout()} unless the caller
 *       gives one, which it may also cancel): libjpeg-turbo checks it between rows of blocks and
 *       ImageIO readers are aborted from their progress callbacks, so the work itself stops.
 *   <li>Images with a shorter side of at least twice {@link DecodeLimits#targetMinSide()} are
 *       decoded at a reduced scale (DCT scaling, or integer subsampling) that keeps at least that
 *       many pixels on the shorter side: the caller resizes with proper filtering afterwards.
 *   <li>JPEG's EXIF orientation is applied; colours are brought to sRGB (CMYK, YCCK, ICC profiles,
 *       grey, 16-bit, palettes); transparency is composited onto white; an animation gives its
 *       first frame.
 *   <li>Whatever a reader throws on damaged data becomes {@link
 *       ImageDecodeException.Reason#CORRUPT}, and so does a JPEG whose data ends early (libjpeg
 *       would fill the rest with grey, see {@code TruncationWatch}).
 * </ol>
 *
 * <p>Plain JPEGs (YCbCr or grey, no ICC profile) are decoded by libjpeg-turbo when its binding
 * loads ({@code TurboJpeg}; off with {@code -Dprodlens.jpeg.turbo=false}), scaled in the DCT domain
 * by 1/2, 1/4 or 1/8 instead of subsampled, so the decoded size differs from ImageIO's (the shorter
 * side is still at least {@link DecodeLimits#targetMinSide()}, and under twice it unless 1/8 is not
 * enough). Everything else, and whatever libjpeg-turbo does not decode cleanly, goes through
 * ImageIO.
 *
 * <p>Still WebPs are decoded by libwebp when its binding loads ({@code LibWebp}; off with {@code
 * -Dprodlens.webp.libwebp=false}): any image whose shorter side is over {@link
 * DecodeLimits#targetMinSide()} comes out scaled by libwebp's rescaler to exactly that shorter
 * side; a truncated file is refused as truncated and whatever else libwebp refuses as invalid.
 * Animated WebPs, and every WebP when the binding is not loaded, go through TwelveMonkeys' reader,
 * which decodes every declared pixel (a lossy 7000x7000 WebP of 87 KB costs it 10 s of CPU and 2.3
 * GB, libwebp 0.12 s; see {@code LibWebp}): their memory estimate says so, and the budget refuses
 * the large ones.
 *
 * <p>Thread-safe: every call uses its own reader or native decoder; readers come from fixed
 * providers, not from ImageIO's plugin lookup (see {@code ReaderProviders}). The budget is the
 * decoder's: share one decoder per process.
 */
public final class ImageDecoder {
    private final DecodeLimits limits;
    private final DecodeBudget budget;
    private final ReaderProviders readers = ReaderProviders.get();

    /** Whether JPEGs and WebPs may take the libjpeg-turbo and libwebp paths (when loaded). */
    private final boolean nativeCodecs;

    public ImageDecoder(DecodeLimits limits) {
        this(limits, true);
    }

    /** {@code nativeCodecs} false: JPEGs and WebPs go through ImageIO (tests, comparisons). */
    ImageDecoder(DecodeLimits limits, boolean nativeCodecs) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.budget = new DecodeBudget(limits.memoryBudgetBytes());
        this.nativeCodecs = nativeCodecs;
    }

    public DecodeLimits limits() {
        return limits;
    }

    /** The memory all this decoder's decodes share (for metrics). */
    public DecodeBudget budget() {
        return budget;
    }

    /**
     * The image, upright, as {@code TYPE_INT_RGB} sRGB, possibly reduced in scale (never below
     * {@code targetMinSide} on its shorter side when the original was at least that large), within
     * {@link DecodeLimits#timeout()} from now.
     */
    public BufferedImage decode(byte[] bytes) throws ImageDecodeException {
        return decode(bytes, DecodeDeadline.after(limits.timeout()));
    }

    /** {@link #decode(byte[])} by the given deadline, which the caller may cancel meanwhile. */
    public BufferedImage decode(byte[] bytes, DecodeDeadline deadline) throws ImageDecodeException {
        Objects.requireNonNull(deadline, "deadline");
        ImageFormat format = admit(bytes);
        deadline.check();
        int orientation = ExifOrientation.of(format, bytes);
        BufferedImage stored =
                switch (format) {
                    case JPEG -> decodeJpeg(bytes, deadline);
                    case WEBP -> decodeWebp(bytes, deadline);
                    default ->
                            withReader(
                                    format,
                                    bytes,
                                    reader ->
                                            readPixels(
                                                    format,
                                                    reader,
                                                    bytes.length,
                                                    (w, h) ->
                                                            DecodeCost.rowByRow(
                                                                    format,
                                                                    w,
                                                                    h,
                                                                    bytes.length,
                                                                    limits.targetMinSide()),
                                                    deadline));
                };
        return Orientation.apply(stored, orientation);
    }

    private BufferedImage decodeJpeg(byte[] bytes, DecodeDeadline deadline)
            throws ImageDecodeException {
        JpegScans.Structure jpeg = JpegScans.inspect(bytes, JpegScans.MAX_SCANS);
        if (jpeg.scans() > JpegScans.MAX_SCANS) {
            throw ImageDecodeException.tooManyScans(JpegScans.MAX_SCANS);
        }
        if (jpeg.width() > 0 && jpeg.height() > 0) {
            checkPixels(jpeg.width(), jpeg.height());
        }
        // the larger of the two paths' estimates: the fast path may hand the file over to ImageIO
        DecodeCost.Estimate fast =
                DecodeCost.jpeg(jpeg, bytes.length, limits.targetMinSide(), true);
        DecodeCost.Estimate slow =
                DecodeCost.jpeg(jpeg, bytes.length, limits.targetMinSide(), false);
        DecodeCost.Estimate cost = fast.bytes() >= slow.bytes() ? fast : slow;
        try (DecodeBudget.Lease lease = reserve(cost, deadline)) {
            if (!jpeg.iccProfile() && nativeCodecs && TurboJpeg.isAvailable()) {
                BufferedImage image = decodeWithTurbo(bytes, cost, deadline);
                if (image != null) {
                    return image;
                }
            }
            // the colour conversion is inside too: a bogus embedded ICC profile fails there
            return withReader(
                    ImageFormat.JPEG,
                    bytes,
                    reader -> SrgbConverter.toIntRgb(read(ImageFormat.JPEG, reader, deadline)));
        }
    }

    private BufferedImage decodeWebp(byte[] bytes, DecodeDeadline deadline)
            throws ImageDecodeException {
        WebpHeader header = useLibWebp() ? libwebpHeader(bytes) : null;
        if (header != null && !header.animated()) {
            checkPixels(header.width(), header.height());
            DecodeCost.Estimate cost =
                    DecodeCost.webp(header, bytes.length, limits.targetMinSide(), true);
            try (DecodeBudget.Lease lease = reserve(cost, deadline)) {
                // libwebp has no way to stop a decode; its time is bounded by the pixel limit
                // (0.13 s at 7000x7000, 38 bytes lossless, see LibWebp): checked before it starts
                deadline.check();
                BufferedImage still = decodeWithLibWebp(bytes);
                if (still != null) {
                    return still;
                }
            }
        }
        // TwelveMonkeys' reader: animations, and every WebP without libwebp; costed from the
        // size its own header reading gives, at the bytes per pixel it decodes with
        return withReader(
                ImageFormat.WEBP,
                bytes,
                reader ->
                        readPixels(
                                ImageFormat.WEBP,
                                reader,
                                bytes.length,
                                (w, h) ->
                                        DecodeCost.webp(
                                                new WebpHeader(w, h, false, false, false),
                                                bytes.length,
                                                limits.targetMinSide(),
                                                false),
                                deadline));
    }

    /**
     * Refuses a decode over the per-image memory limit, else reserves its memory from the budget.
     */
    private DecodeBudget.Lease reserve(DecodeCost.Estimate cost, DecodeDeadline deadline)
            throws ImageDecodeException {
        if (cost.bytes() > limits.maxMemoryBytes()) {
            throw ImageDecodeException.overBudget(
                    cost.what(), cost.bytes(), limits.maxMemoryBytes());
        }
        return budget.acquire(cost.bytes(), deadline);
    }

    private void checkPixels(int width, int height) throws ImageDecodeException {
        if ((long) width * height > limits.maxPixels()) {
            throw ImageDecodeException.tooManyPixels(width, height, limits.maxPixels());
        }
    }

    /**
     * The libjpeg-turbo fast path: the image (not yet turned upright), or null when ImageIO should
     * decode it instead: a colour space other than YCbCr or grey (CMYK, YCCK, RGB), or any libjpeg
     * error or warning other than truncation. ImageIO then accepts or refuses the file exactly as
     * it did before the fast path existed (it tolerates, for instance, the "extraneous bytes before
     * marker" warning some encoders cause), in its own words. A limit that stopped the decode
     * (deadline, cancellation, scans, memory) is final.
     */
    private BufferedImage decodeWithTurbo(
            byte[] jpeg, DecodeCost.Estimate cost, DecodeDeadline deadline)
            throws ImageDecodeException {
        int[] info = new int[TurboJpeg.INFO_LENGTH];
        int[] pixels;
        try {
            pixels =
                    TurboJpeg.decode(
                            jpeg,
                            limits.targetMinSide(),
                            limits.maxPixels(),
                            limits.maxMemoryBytes(),
                            JpegScans.MAX_SCANS,
                            deadline.nanoTime(),
                            deadline.cancelFlag(),
                            info);
        } catch (TurboJpeg.Failure e) {
            return switch (e.kind()) {
                case TurboJpeg.DEADLINE -> throw ImageDecodeException.timedOut(deadline);
                case TurboJpeg.CANCELLED -> throw ImageDecodeException.cancelled();
                case TurboJpeg.TOO_MANY_SCANS ->
                        throw ImageDecodeException.tooManyScans(JpegScans.MAX_SCANS);
                case TurboJpeg.OVER_MEMORY ->
                        throw ImageDecodeException.overBudget(
                                cost.what(), cost.bytes(), limits.maxMemoryBytes());
                default -> {
                    if (e.truncated()) {
                        throw ImageDecodeException.truncated(ImageFormat.JPEG, e.getMessage());
                    }
                    yield null;
                }
            };
        }
        return nativeImage(pixels, info);
    }

    /**
     * What a native decode gave: the image ({@link NativeCodecs#OK}), a refusal ({@link
     * NativeCodecs#TOO_MANY_PIXELS}), or null for any other status (ImageIO decodes).
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
     * The libwebp path: the image, or null for an animation (TwelveMonkeys decodes its first frame,
     * under the pixel limit checked here first).
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

    /** The header as libwebp reads it (WebPGetFeatures), or its refusal. */
    static WebpHeader libwebpHeader(byte[] webp) throws ImageDecodeException {
        int[] info = new int[LibWebp.INFO_LENGTH];
        try {
            LibWebp.probe(webp, info);
        } catch (LibWebp.Failure e) {
            throw webpFailure(e);
        }
        // an animation mixing lossy and lossless frames is costed as lossless
        return new WebpHeader(
                info[1],
                info[2],
                info[6] != LibWebp.LOSSY,
                info[5] == 1,
                info[0] == LibWebp.ANIMATED);
    }

    private static ImageDecodeException webpFailure(LibWebp.Failure e) {
        return e.truncated()
                ? ImageDecodeException.truncated(ImageFormat.WEBP, e.getMessage())
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
        return withReader(
                format,
                bytes,
                reader ->
                        new ImageInfo(
                                format, reader.getWidth(0), reader.getHeight(0), orientation));
    }

    /** How a format's decode is costed once the reader has its size. */
    @FunctionalInterface
    private interface Costing {
        DecodeCost.Estimate of(int width, int height);
    }

    /**
     * Image 0 of a format costed from the reader's header: the pixel limit, the memory limit and
     * the budget, then the read, in sRGB.
     */
    private BufferedImage readPixels(
            ImageFormat format,
            ImageReader reader,
            int inputBytes,
            Costing costing,
            DecodeDeadline deadline)
            throws IOException, ImageDecodeException {
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        checkPixels(width, height);
        try (DecodeBudget.Lease lease = reserve(costing.of(width, height), deadline)) {
            return SrgbConverter.toIntRgb(read(format, reader, deadline));
        }
    }

    /**
     * Image 0 as the reader returns it, subsampled, stopped at the deadline, refused when the data
     * ended early. The caller has checked the size and reserved the memory.
     */
    private BufferedImage read(ImageFormat format, ImageReader reader, DecodeDeadline deadline)
            throws IOException, ImageDecodeException {
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        checkPixels(width, height);
        ImageReadParam param = reader.getDefaultReadParam();
        int step = subsampling(width, height, limits.targetMinSide());
        if (step > 1) {
            param.setSourceSubsampling(step, step, 0, 0);
        }
        TruncationWatch truncation = new TruncationWatch();
        DeadlineWatch time = new DeadlineWatch(deadline);
        reader.addIIOReadWarningListener(truncation);
        reader.addIIOReadProgressListener(time);
        BufferedImage decoded = reader.read(0, param);
        time.check();
        truncation.check(format);
        return decoded;
    }

    /**
     * The largest integer step s with min(width, height) / s >= targetMinSide, so that subsampled
     * sides ceil(side / s) stay at least targetMinSide (and under twice it); 1 when the image is
     * smaller than twice the target or the target is 0.
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
