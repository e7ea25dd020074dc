package dev.prodlens.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.image.ImageDecodeException.Reason;
import dev.prodlens.testkit.HostileImages;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 15's hostile corpus against the decoder: every file is refused from its header, stopped by
 * its deadline, or decoded at reduced scale within its memory estimate; never a decode that runs on
 * unchecked. No timing: a refusal's reason says which limit acted (a 2-second decode that ends
 * TIMED_OUT under a 50 ms deadline was stopped by it).
 */
class HostileImagesTest {
    private static final int SIDE = 7000;

    /** Room for the 294 MB coefficient buffer of the 99-scan 7000x7000 JPEG. */
    private static final long ROOMY = 512L << 20;

    private final ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);

    private static ImageDecodeException refused(ImageDecoder decoder, byte[] image, Reason reason) {
        ImageDecodeException e =
                assertThrows(ImageDecodeException.class, () -> decoder.decode(image));
        assertEquals(reason, e.reason(), e.getMessage());
        assertFalse(e.getMessage().contains("Exception"), "no class names: " + e.getMessage());
        return e;
    }

    /**
     * Finding 3: FF E0 00 00 after SOI hid 1,000 scans from the walk; a length below 2 is corrupt
     * now.
     */
    @Test
    void aMarkerLengthBelowTwoIsCorruptNotTheEndOfTheWalk() {
        byte[] jpeg = HostileImages.hiddenScansJpeg(1000);
        ImageDecodeException e = refused(decoder, jpeg, Reason.CORRUPT);
        assertTrue(
                e.getMessage().contains("marker FFE0 with a segment length of 0"), e.getMessage());
        // and through the ImageIO path alike: the walk runs before either decoder
        refused(new ImageDecoder(DecodeLimits.DEFAULTS, false), jpeg, Reason.CORRUPT);
    }

    /**
     * FF 00 outside entropy data is stray bytes to libjpeg, so the walk counts the scans behind it.
     */
    @Test
    void stuffedZerosDoNotHideScans() throws Exception {
        byte[] jpeg = HostileImages.stuffedZeroScansJpeg(1000);
        assertTrue(JpegScans.inspect(jpeg, JpegScans.MAX_SCANS).scans() > JpegScans.MAX_SCANS);
        ImageDecodeException e = refused(decoder, jpeg, Reason.CORRUPT);
        assertTrue(e.getMessage().contains("more than 100 progressive scans"), e.getMessage());
    }

    /**
     * The native decoder counts scans itself too (libjpeg's progress monitor), whatever the walk
     * saw.
     */
    @Test
    void theNativeDecoderStopsAtItsScanLimit() {
        byte[] jpeg = HostileImages.progressiveJpeg(64, 48);
        TurboJpeg.Failure f =
                assertThrows(
                        TurboJpeg.Failure.class,
                        () ->
                                TurboJpeg.decode(
                                        jpeg,
                                        0,
                                        DecodeLimits.DEFAULTS.maxPixels(),
                                        0,
                                        2,
                                        0,
                                        null,
                                        new int[TurboJpeg.INFO_LENGTH]));
        assertEquals(TurboJpeg.TOO_MANY_SCANS, f.kind());
    }

    /**
     * A multi-scan JPEG's coefficient buffer is judged from its header: refused before its (too
     * short) data is read. 7000x7000 at 4:2:0 holds 147 MB of coefficients: under the default 256
     * MiB, over a 64 MiB limit.
     */
    @Test
    void aDeclaredHugeProgressiveJpegIsRefusedFromItsHeader() {
        ImageDecoder small =
                new ImageDecoder(DecodeLimits.DEFAULTS.withMemory(64L << 20, 64L << 20));
        ImageDecodeException e =
                refused(small, HostileImages.declaredHugeProgressiveJpeg(SIDE), Reason.OVER_BUDGET);
        assertTrue(e.getMessage().startsWith("image (7000x7000 progressive JPEG"), e.getMessage());
        assertTrue(e.getMessage().contains("(decode.max-memory-bytes)"), e.getMessage());
        assertEquals(0, small.budget().inUseBytes());
    }

    /**
     * Finding 4: the legal 99-scan 7000x7000 JPEG (294 MB of coefficients) is over the default 256
     * MiB.
     */
    @Test
    void aHeavyLegalProgressiveJpegIsOverTheDefaultBudget() {
        byte[] jpeg = HostileImages.heavyProgressiveJpeg(SIDE, 99);
        assertTrue(jpeg.length < 300_000, jpeg.length + " bytes");
        ImageDecodeException e = refused(decoder, jpeg, Reason.OVER_BUDGET);
        assertTrue(e.getMessage().contains("7000x7000 progressive JPEG, 99 scans"), e.getMessage());
    }

    /**
     * The estimate bounds what libjpeg really allocates: held to the estimate, the native decoder
     * gets its coefficient buffer; held to half the coefficients, it refuses before any scan.
     */
    @Test
    void theEstimateBoundsLibjpegsOwnAllocation() throws Exception {
        byte[] jpeg = HostileImages.heavyProgressiveJpeg(SIDE, 99);
        JpegScans.Structure structure = JpegScans.inspect(jpeg, JpegScans.MAX_SCANS);
        assertEquals(99, structure.scans());
        assertEquals(875L * 875 * 3 * 128, structure.coefficientBytes());
        long estimate = DecodeCost.jpeg(structure, jpeg.length, 224, true).bytes();
        TurboJpeg.Failure overMemory = nativeFailure(jpeg, structure.coefficientBytes() / 2, 0);
        assertEquals(TurboJpeg.OVER_MEMORY, overMemory.kind());
        // within the estimate it reads the first scans: stopped there by its scan limit, not by
        // memory
        assertEquals(TurboJpeg.TOO_MANY_SCANS, nativeFailure(jpeg, estimate, 3).kind());
    }

    /** How the native decoder refuses {@code jpeg} at 224 under a memory and a scan cap. */
    private static TurboJpeg.Failure nativeFailure(byte[] jpeg, long maxMemory, int maxScans) {
        int[] info = new int[TurboJpeg.INFO_LENGTH];
        long maxPixels = DecodeLimits.DEFAULTS.maxPixels();
        return assertThrows(
                TurboJpeg.Failure.class,
                () -> TurboJpeg.decode(jpeg, 224, maxPixels, maxMemory, maxScans, 0, null, info));
    }

    /**
     * With room for it, the heavy JPEG still cannot take longer than its deadline, on either path.
     */
    @Test
    void theDeadlineStopsTheDecodeItself() {
        byte[] jpeg = HostileImages.heavyProgressiveJpeg(SIDE, 99);
        DecodeLimits quick =
                DecodeLimits.DEFAULTS.withMemory(ROOMY, ROOMY).withTimeout(Duration.ofMillis(50));
        ImageDecodeException fast = refused(new ImageDecoder(quick), jpeg, Reason.TIMED_OUT);
        assertTrue(
                fast.getMessage().contains("longer than 50 ms (decode.timeout-ms) to decode"),
                fast.getMessage());
        refused(new ImageDecoder(quick, false), jpeg, Reason.TIMED_OUT);
    }

    /** A decoder with room for the heavy JPEG and two minutes for it. */
    private static ImageDecoder roomy() {
        return new ImageDecoder(
                DecodeLimits.DEFAULTS.withMemory(ROOMY, ROOMY).withTimeout(Duration.ofMinutes(2)));
    }

    /**
     * Starts decoding the heavy JPEG in the background and returns once it holds its memory (so it
     * is under way): the future gives the refusal it ends with, or null if it decoded.
     */
    private static CompletableFuture<ImageDecodeException> heavyDecodeUnderWay(
            ImageDecoder decoder, DecodeDeadline deadline) {
        byte[] jpeg = HostileImages.heavyProgressiveJpeg(SIDE, 99);
        CompletableFuture<ImageDecodeException> decode =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                decoder.decode(jpeg, deadline);
                                return null;
                            } catch (ImageDecodeException e) {
                                return e;
                            }
                        });
        while (decoder.budget().inUseBytes() == 0 && !decode.isDone()) {
            Thread.onSpinWait();
        }
        return decode;
    }

    /** A cancelled decode stops where it is (the client went away), and gives its memory back. */
    @Test
    void cancellingStopsARunningDecode() throws Exception {
        ImageDecoder decoder = roomy();
        DecodeDeadline deadline = DecodeDeadline.after(Duration.ofMinutes(2));
        CompletableFuture<ImageDecodeException> decode = heavyDecodeUnderWay(decoder, deadline);
        deadline.cancel();
        ImageDecodeException e = decode.get(2, TimeUnit.MINUTES);
        assertEquals(Reason.CANCELLED, e.reason(), e.getMessage());
        assertEquals(0, decoder.budget().inUseBytes(), "the memory is given back");
    }

    /**
     * The budget is shared: while one decode holds it, another that does not fit waits, and is told
     * BUSY at its deadline; the first one's memory is released when it ends.
     */
    @Test
    void aFullBudgetMakesTheNextDecodeWaitThenBusy() throws Exception {
        ImageDecoder shared = roomy();
        DecodeDeadline first = DecodeDeadline.after(Duration.ofMinutes(2));
        CompletableFuture<ImageDecodeException> holder = heavyDecodeUnderWay(shared, first);
        long held = shared.budget().inUseBytes();
        assertTrue(held > ROOMY / 2, "the heavy decode holds " + held);
        ImageDecodeException e =
                assertThrows(
                        ImageDecodeException.class,
                        () ->
                                shared.decode(
                                        HostileImages.heavyProgressiveJpeg(SIDE, 99),
                                        DecodeDeadline.after(Duration.ofMillis(100))));
        assertEquals(Reason.BUSY, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("decode.memory-budget-bytes"), e.getMessage());
        first.cancel();
        holder.get(2, TimeUnit.MINUTES);
        assertEquals(0, shared.budget().inUseBytes());
    }

    /** A 7000x7000 PNG of zero rows: row by row into a small image, or stopped by its deadline. */
    @Test
    void aPngBombDecodesRowByRowOrStopsAtItsDeadline() throws Exception {
        byte[] png = HostileImages.pngBomb(SIDE);
        BufferedImage image = decoder.decode(png);
        assertTrue(
                Math.min(image.getWidth(), image.getHeight()) < 2 * 224,
                image.getWidth() + "x" + image.getHeight());
        ImageDecoder quick =
                new ImageDecoder(DecodeLimits.DEFAULTS.withTimeout(Duration.ofMillis(20)));
        refused(quick, png, Reason.TIMED_OUT);
    }

    /**
     * Findings 1 and 2: 7000x7000 WebPs of a few kilobytes. libwebp decodes them scaled while it
     * decodes (the lossless one within its 196 MB estimate of whole-image ARGB); TwelveMonkeys,
     * which decodes every declared pixel at about 44 bytes each, would need 2 GB: refused.
     */
    @Test
    void webpBombsAreDecodedScaledByLibwebpOrRefused() throws Exception {
        assertTrue(LibWebp.isAvailable(), LibWebp.unavailableReason());
        for (byte[] webp :
                new byte[][] {HostileImages.lossyWebp(SIDE), HostileImages.losslessWebp(SIDE)}) {
            BufferedImage image = decoder.decode(webp);
            assertEquals(224, Math.min(image.getWidth(), image.getHeight()));
            ImageDecodeException e =
                    refused(
                            new ImageDecoder(DecodeLimits.DEFAULTS, false),
                            webp,
                            Reason.OVER_BUDGET);
            assertTrue(e.getMessage().contains("7000x7000 "), e.getMessage());
        }
        WebpHeader lossless = ImageDecoder.libwebpHeader(HostileImages.losslessWebp(SIDE));
        assertTrue(lossless.lossless());
        long estimate = DecodeCost.webp(lossless, 2000, 224, true).bytes();
        assertTrue(
                estimate > 196_000_000L && estimate < DecodeLimits.DEFAULT_MAX_MEMORY,
                "estimate " + estimate);
    }
}
