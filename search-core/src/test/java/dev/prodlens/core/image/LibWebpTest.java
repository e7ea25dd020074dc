package dev.prodlens.core.image;

import static dev.prodlens.core.image.TestImages.LOSSY;
import static dev.prodlens.core.image.TestImages.RED;
import static dev.prodlens.core.image.TestImages.WHITE;
import static dev.prodlens.core.image.TestImages.assertColour;
import static dev.prodlens.core.image.TestImages.fixture;
import static dev.prodlens.core.image.TestImages.gray;
import static dev.prodlens.core.image.TestImages.indexOf;
import static dev.prodlens.core.image.TestImages.nativeVsImageIo;
import static dev.prodlens.core.image.TestImages.pixels;
import static dev.prodlens.core.image.TestImages.refused;
import static dev.prodlens.core.image.TestImages.zeroLossyWebp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.image.ImageDecodeException.Reason;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The libwebp path against TwelveMonkeys, its scaling rule, its refusals and its failures. */
class LibWebpTest {
    private static final long MAX_PIXELS = DecodeLimits.DEFAULTS.maxPixels();

    /**
     * A lossless 7000x7000 WebP of 38 bytes, one colour (200, 100, 50): Pillow 9.4 with libwebp
     * 1.2.4, {@code Image.new('RGB', (7000, 7000), (200, 100, 50)).save(f, 'WEBP', lossless=True,
     * method=0)}. TwelveMonkeys' reader spends minutes of CPU on it.
     */
    private static final byte[] LOSSLESS_BOMB =
            HexFormat.of()
                    .parseHex(
                            "524946461e000000574542505650384c110000002f57dbd5060750b22257a6ff8188e87f0000");

    /** The build compiles the binding: if it does not load here, WebP silently stays slow. */
    @Test
    void theLibraryLoads() {
        assertTrue(LibWebp.isAvailable(), "not available: " + LibWebp.unavailableReason());
    }

    /**
     * Each still WebP fixture at full size, libwebp vs TwelveMonkeys: the same size, and the same
     * pixels for lossless. Lossy, TwelveMonkeys' own VP8 decoder is not libwebp's: measured mean
     * 2.6 / 0.5 / 2.0 per channel, max 122 / 59 / 40 (at colour edges) on quad_lossy, alpha and
     * photo, where libwebp equals Pillow's libwebp exactly (next test); so the lossy bound is on
     * the mean.
     */
    @ParameterizedTest
    @CsvSource({
        "quad_lossy.webp, 3.5, 255",
        "quad_lossless.webp, 0, 0",
        "alpha.webp, 1, 255",
        "photo.webp, 3, 255",
        "photo_lossless.webp, 0, 0"
    })
    void matchesTwelveMonkeysAtFullSize(String name, double maxMean, int maxMax) throws Exception {
        double[] difference = nativeVsImageIo(name);
        assertTrue(
                difference[0] <= maxMean && difference[1] <= maxMax,
                name + ": mean " + difference[0] + ", max " + difference[1]);
    }

    /**
     * Lossy, with and without alpha: exactly what Pillow decodes with libwebp and composites onto
     * white (make_fixtures.py), so rounding included.
     */
    @ParameterizedTest
    @CsvSource({
        "quad_lossy.webp, quad_lossy_webp_reference.png",
        "alpha.webp, alpha_webp_reference.png"
    })
    void matchesLibWebpThroughPillow(String name, String reference) throws Exception {
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
        assertArrayEquals(
                pixels(decoder.decode(fixture(reference))), pixels(decoder.decode(fixture(name))));
    }

    /**
     * The shorter side comes out at exactly the target, the longer one rounded in proportion (320 x
     * 224 / 240 = 298.7); full size for 0 or a target not below the image; never up.
     */
    @ParameterizedTest
    @CsvSource({
        "0, 320, 240",
        "100, 133, 100",
        "224, 299, 224",
        "239, 319, 239",
        "240, 320, 240",
        "5000, 320, 240"
    })
    void scalesToTheTargetShorterSide(int target, int width, int height) throws Exception {
        int[] info = new int[LibWebp.INFO_LENGTH];
        int[] pixels = LibWebp.decode(fixture("photo.webp"), target, MAX_PIXELS, info);
        assertEquals(LibWebp.OK, info[0]);
        assertEquals("320x240", info[1] + "x" + info[2]);
        assertEquals(width + "x" + height, info[3] + "x" + info[4]);
        assertEquals(width * height, pixels.length);
        assertEquals(LibWebp.LOSSY, info[6]);
    }

    /** Portrait: the width is the shorter side (1000 x 224 / 300 = 746.7). */
    @Test
    void scalesPortraitImagesByTheirWidth() throws Exception {
        int[] info = new int[LibWebp.INFO_LENGTH];
        LibWebp.decode(zeroLossyWebp(300, 1000), 224, MAX_PIXELS, info);
        assertEquals("224x747", info[3] + "x" + info[4]);
    }

    /** Through the decoder: 299x224 from libwebp, 320x240 unscaled from TwelveMonkeys. */
    @Test
    void theSwitchTakesTheTwelveMonkeysPath() throws Exception {
        byte[] webp = fixture("photo.webp");
        BufferedImage fast = new ImageDecoder(DecodeLimits.DEFAULTS, true).decode(webp);
        assertEquals("299x224", fast.getWidth() + "x" + fast.getHeight());
        BufferedImage slow = new ImageDecoder(DecodeLimits.DEFAULTS, false).decode(webp);
        assertEquals("320x240", slow.getWidth() + "x" + slow.getHeight());
    }

    /** Left half transparent, top right opaque red, bottom right black at alpha 128. */
    @Test
    void compositesAlphaOntoWhite() throws Exception {
        int[] info = new int[LibWebp.INFO_LENGTH];
        int[] pixels = LibWebp.decode(fixture("alpha.webp"), 0, MAX_PIXELS, info);
        assertEquals(1, info[5], "has alpha");
        BufferedImage image = NativeCodecs.image(pixels, info[3], info[4]);
        assertColour(WHITE, image, 16, 12, 0);
        assertColour(WHITE, image, 16, 36, 0);
        assertColour(RED, image, 48, 12, LOSSY);
        assertColour(gray(127), image, 48, 36, 1); // 255 x 127 / 255, the alpha stored exactly
        for (int rgb : pixels) {
            assertEquals(0, rgb >>> 24, "INT_RGB's unused top byte");
        }
    }

    /** The 38-byte lossless bomb: too many pixels from the header, nothing decoded. */
    @Test
    void refusesTooManyPixelsWithoutDecoding() throws Exception {
        int[] info = new int[LibWebp.INFO_LENGTH];
        assertNull(LibWebp.decode(LOSSLESS_BOMB, 224, 7000L * 7000 - 1, info));
        assertEquals(LibWebp.TOO_MANY_PIXELS, info[0]);
        assertEquals("7000x7000", info[1] + "x" + info[2]);
        assertEquals(LibWebp.LOSSLESS, info[6]);
        ImageDecodeException e =
                refused(
                        DecodeLimits.DEFAULTS.withMaxPixels(1_000_000),
                        LOSSLESS_BOMB,
                        Reason.TOO_MANY_PIXELS);
        assertTrue(
                e.getMessage().startsWith("image is 7000x7000 = 49 MP, over the 1 MP limit"),
                e.getMessage());
    }

    /**
     * The two 7000x7000 bombs (under the 50 MP limit) decode straight to 224x224 with libwebp, in a
     * fraction of a second; TwelveMonkeys would subsample them to 226x226 (step 31) after seconds
     * or minutes. One colour each, exact for the lossless one.
     */
    @Test
    void decodesTheBombsScaled() throws Exception {
        byte[][] bombs = {LOSSLESS_BOMB, zeroLossyWebp(7000, 7000)};
        int[] colours = {200 << 16 | 100 << 8 | 50, 0x848484};
        int[] formats = {LibWebp.LOSSLESS, LibWebp.LOSSY};
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
        for (int b = 0; b < bombs.length; b++) {
            int[] info = new int[LibWebp.INFO_LENGTH];
            int[] pixels = LibWebp.decode(bombs[b], 224, MAX_PIXELS, info);
            assertEquals(
                    Arrays.toString(new int[] {LibWebp.OK, 7000, 7000, 224, 224, 0, formats[b]}),
                    Arrays.toString(info));
            int[] expected = new int[224 * 224];
            Arrays.fill(expected, colours[b]);
            assertArrayEquals(expected, pixels);
            BufferedImage image = decoder.decode(bombs[b]);
            assertEquals("224x224", image.getWidth() + "x" + image.getHeight());
            assertEquals(new ImageInfo(ImageFormat.WEBP, 7000, 7000, 1), decoder.probe(bombs[b]));
        }
    }

    /** The header alone: size, alpha, format, animation. */
    @ParameterizedTest
    @CsvSource({
        "quad_lossy.webp, 0, 64, 48, 0, 0",
        "quad_lossless.webp, 0, 64, 48, 0, 1",
        "alpha.webp, 0, 64, 48, 1, 0",
        "animated.webp, 2, 40, 30, 0, 2"
    })
    void probeReadsTheHeader(String name, int status, int width, int height, int alpha, int format)
            throws Exception {
        int[] info = new int[LibWebp.INFO_LENGTH];
        LibWebp.probe(fixture(name), info);
        assertEquals(
                Arrays.toString(new int[] {status, width, height, 0, 0, alpha, format}),
                Arrays.toString(info));
    }

    /** Animations are left to TwelveMonkeys, which decodes frame 0 (ImageDecoderTest). */
    @Test
    void leavesAnimationsToTwelveMonkeys() throws Exception {
        int[] info = new int[LibWebp.INFO_LENGTH];
        assertNull(LibWebp.decode(fixture("animated.webp"), 0, MAX_PIXELS, info));
        assertEquals(LibWebp.ANIMATED, info[0]);
        assertEquals("40x30", info[1] + "x" + info[2]);
        // the pixel limit comes first
        assertNull(LibWebp.decode(fixture("animated.webp"), 0, 1199, info));
        assertEquals(LibWebp.TOO_MANY_PIXELS, info[0]);
    }

    /** Cut anywhere after the header: truncated (not enough data), refused as such. */
    @ParameterizedTest
    @CsvSource({
        "photo.webp, 0.5",
        "photo.webp, 0.99",
        "photo_lossless.webp, 0.3",
        "quad_lossless.webp, 0.8",
        "alpha.webp, 0.7"
    })
    void truncatedDataIsAFailure(String name, double kept) {
        byte[] whole = fixture(name);
        byte[] truncated = Arrays.copyOf(whole, (int) (whole.length * kept));
        LibWebp.Failure f = failure(truncated, 224);
        assertTrue(f.truncated(), f.getMessage() + " (status " + f.status() + ")");
        ImageDecodeException e = refused(truncated, Reason.CORRUPT);
        assertEquals(
                "image is a truncated WebP (not enough data); re-upload the complete file",
                e.getMessage());
    }

    /** A broken VP8 start code, a broken VP8L signature, bytes that are no WebP at all. */
    @Test
    void garbageIsAFailure() {
        byte[] lossy = fixture("quad_lossy.webp");
        lossy[indexOf(lossy, "\u009D\u0001\u002A")] = 0x42;
        byte[] lossless = fixture("quad_lossless.webp");
        lossless[indexOf(lossless, "VP8L") + 8] = 0x42; // the 0x2F signature
        for (byte[] webp : new byte[][] {lossy, lossless}) {
            LibWebp.Failure f = failure(webp, 0);
            assertEquals("bitstream error", f.getMessage());
            assertFalse(f.truncated());
            assertThrows(
                    LibWebp.Failure.class, () -> LibWebp.probe(webp, new int[LibWebp.INFO_LENGTH]));
            ImageDecodeException e = refused(webp, Reason.CORRUPT);
            assertEquals(
                    "image is not a valid WebP (bitstream error); re-export or re-upload it",
                    e.getMessage());
        }
        byte[] text = "not a WebP at all, just some text".getBytes();
        failure(text, 0);
        failure(new byte[0], 0);
    }

    /** libwebp's failure to decode {@code webp} to {@code size}. */
    private static LibWebp.Failure failure(byte[] webp, int size) {
        return assertThrows(
                LibWebp.Failure.class,
                () -> LibWebp.decode(webp, size, MAX_PIXELS, new int[LibWebp.INFO_LENGTH]));
    }

    @Test
    void checksItsArguments() {
        byte[] webp = fixture("quad_lossy.webp");
        int[] info = new int[LibWebp.INFO_LENGTH];
        assertThrows(NullPointerException.class, () -> LibWebp.decode(null, 0, 1, info));
        assertThrows(NullPointerException.class, () -> LibWebp.decode(webp, 0, 1, null));
        assertThrows(IllegalArgumentException.class, () -> LibWebp.decode(webp, 0, 1, new int[6]));
        assertThrows(IllegalArgumentException.class, () -> LibWebp.decode(webp, -1, 1, info));
        assertThrows(IllegalArgumentException.class, () -> LibWebp.decode(webp, 0, 0, info));
        assertThrows(NullPointerException.class, () -> LibWebp.probe(null, info));
        assertThrows(NullPointerException.class, () -> LibWebp.probe(webp, null));
        assertThrows(IllegalArgumentException.class, () -> LibWebp.probe(webp, new int[6]));
    }

    /** Same bytes, same pixels, every time (no state kept between calls). */
    @ParameterizedTest
    @ValueSource(strings = {"photo.webp", "photo_lossless.webp"})
    void decodingIsRepeatable(String name) throws Exception {
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
        byte[] webp = fixture(name);
        int[] first = pixels(decoder.decode(webp));
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(first, pixels(decoder.decode(webp)));
        }
    }
}
