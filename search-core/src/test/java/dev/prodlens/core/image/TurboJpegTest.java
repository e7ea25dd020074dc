package dev.prodlens.core.image;

import static dev.prodlens.core.image.TestImages.fixture;
import static dev.prodlens.core.image.TestImages.indexOf;
import static dev.prodlens.core.image.TestImages.nativeVsImageIo;
import static dev.prodlens.core.image.TestImages.pixels;
import static dev.prodlens.core.image.TestImages.refused;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.image.ImageDecodeException.Reason;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The TurboJPEG fast path against the ImageIO path, its scaling rule and its failures. */
class TurboJpegTest {
    private static final long MAX_PIXELS = DecodeLimits.DEFAULTS.maxPixels();

    /** The build compiles the binding: if it does not load here, the fast path is silently off. */
    @Test
    void theLibraryLoads() {
        assertTrue(TurboJpeg.isAvailable(), "not available: " + TurboJpeg.unavailableReason());
    }

    /**
     * Every committed JPEG at full size, fast path vs ImageIO: the same size and the same pixels
     * within rounding. Measured: identical (mean 0, max 0 per channel) on these fixtures and on the
     * 21 Debian photos of the embedding benchmark re-encoded at q=90: both use libjpeg's accurate
     * integer IDCT and fancy upsampling. The bounds leave room for another libjpeg-turbo build
     * (SIMD rounding), not for a colour or geometry error.
     */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "quad.jpg",
                "quad_progressive.jpg",
                "quad_gray.jpg",
                "photo.jpg",
                "large_2000x1500.jpg",
                "orientation_1.jpg",
                "orientation_2.jpg",
                "orientation_3.jpg",
                "orientation_4.jpg",
                "orientation_5.jpg",
                "orientation_6.jpg",
                "orientation_7.jpg",
                "orientation_8.jpg",
                "quad_cmyk.jpg",
                "quad_adobe_rgb.jpg"
            })
    void matchesTheImageIoPath(String name) throws Exception {
        double[] difference = nativeVsImageIo(name);
        double mean = difference[0];
        double max = difference[1];
        assertTrue(mean < 0.5 && max < 16, name + ": mean " + mean + ", max " + max);
    }

    /** CMYK (Adobe APP14) is not decoded by the fast path: ImageIO converts it. */
    @Test
    void leavesCmykToImageIo() throws Exception {
        int[] info = new int[TurboJpeg.INFO_LENGTH];
        assertNull(TurboJpeg.decode(fixture("quad_cmyk.jpg"), 0, MAX_PIXELS, info));
        assertEquals(TurboJpeg.OTHER_COLOURSPACE, info[0]);
        assertEquals(64, info[1]);
        assertEquals(48, info[2]);
    }

    /** An embedded ICC profile keeps the JPEG on the ImageIO path (colour-managed). */
    @Test
    void findsEmbeddedIccProfiles() throws Exception {
        assertTrue(
                JpegScans.inspect(fixture("quad_adobe_rgb.jpg"), JpegScans.MAX_SCANS).iccProfile());
        for (String plain :
                new String[] {
                    "quad.jpg",
                    "quad_progressive.jpg",
                    "quad_gray.jpg",
                    "photo.jpg",
                    "orientation_6.jpg",
                    "quad_cmyk.jpg"
                }) {
            assertFalse(JpegScans.inspect(fixture(plain), JpegScans.MAX_SCANS).iccProfile(), plain);
        }
        assertFalse(
                JpegScans.inspect(new byte[] {(byte) 0xFF, (byte) 0xD8}, JpegScans.MAX_SCANS)
                        .iccProfile());
    }

    /**
     * The scale is the smallest of 1/1, 1/2, 1/4, 1/8 whose shorter side (ceil(1500 x scale)) stays
     * at least the target; full size for 0 or a target above the image.
     */
    @ParameterizedTest
    @CsvSource({
        "0, 2000, 1500",
        "100, 250, 188",
        "188, 250, 188",
        "189, 500, 375",
        "224, 500, 375",
        "375, 500, 375",
        "376, 1000, 750",
        "750, 1000, 750",
        "751, 2000, 1500",
        "5000, 2000, 1500"
    })
    void scalesByThePowerOfTwoThatKeepsTheTarget(int target, int width, int height)
            throws Exception {
        int[] info = new int[TurboJpeg.INFO_LENGTH];
        int[] pixels = TurboJpeg.decode(fixture("large_2000x1500.jpg"), target, MAX_PIXELS, info);
        assertEquals(TurboJpeg.OK, info[0]);
        assertEquals(2000, info[1]);
        assertEquals(1500, info[2]);
        assertEquals(width + "x" + height, info[3] + "x" + info[4]);
        assertEquals(width * height, pixels.length);
    }

    /** Through the decoder at targetMinSide 224: shorter side in [224, 448). */
    @Test
    void reducedScaleKeepsTheShortSideBetweenTargetAndTwiceIt() throws Exception {
        BufferedImage image =
                new ImageDecoder(DecodeLimits.DEFAULTS).decode(fixture("large_2000x1500.jpg"));
        int shortSide = Math.min(image.getWidth(), image.getHeight());
        assertTrue(shortSide >= 224 && shortSide < 448, "short side " + shortSide);
    }

    /** TYPE_INT_RGB with the unused top byte 0 (libjpeg-turbo writes 0xFF there; masked). */
    @Test
    void pixelsAreIntRgbWithAnEmptyTopByte() throws Exception {
        BufferedImage image = new ImageDecoder(DecodeLimits.DEFAULTS).decode(fixture("photo.jpg"));
        assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
        int[] data = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < data.length; i++) {
            assertEquals(0, data[i] >>> 24, "pixel " + i);
            assertEquals(
                    data[i] | 0xFF000000, image.getRGB(i % image.getWidth(), i / image.getWidth()));
        }
    }

    @Test
    void greyComesOutAsGreyRgb() throws Exception {
        BufferedImage image =
                new ImageDecoder(DecodeLimits.DEFAULTS).decode(fixture("quad_gray.jpg"));
        for (int rgb : pixels(image)) {
            int r = rgb >> 16 & 0xFF;
            assertEquals(r, rgb >> 8 & 0xFF);
            assertEquals(r, rgb & 0xFF);
        }
    }

    /** A declared 30000x30000 is refused from the header: nothing allocated, nothing decoded. */
    @Test
    void refusesTooManyPixelsFromTheHeader() throws Exception {
        byte[] jpeg = fixture("quad.jpg");
        int sof = indexOf(jpeg, "\u00FF\u00C0");
        jpeg[sof + 5] = (byte) (30000 >> 8);
        jpeg[sof + 6] = (byte) 30000;
        jpeg[sof + 7] = (byte) (30000 >> 8);
        jpeg[sof + 8] = (byte) 30000;
        int[] info = new int[TurboJpeg.INFO_LENGTH];
        assertNull(TurboJpeg.decode(jpeg, 224, MAX_PIXELS, info));
        assertEquals(TurboJpeg.TOO_MANY_PIXELS, info[0]);
        assertEquals(30000, info[1]);
        assertEquals(30000, info[2]);
        ImageDecodeException e = refused(jpeg, Reason.TOO_MANY_PIXELS);
    }

    /** Cut inside the pixel data: libjpeg's truncation warning, thrown, never grey rows. */
    @ParameterizedTest
    @CsvSource({"large_2000x1500.jpg, 0.5", "photo.jpg, 0.7", "quad.jpg, 0.9"})
    void truncatedDataIsAFailureNotGrey(String name, double kept) {
        byte[] whole = fixture(name);
        byte[] truncated = Arrays.copyOf(whole, (int) (whole.length * kept));
        TurboJpeg.Failure f = failure(truncated);
        assertTrue(f.warning() && f.truncated(), f.getMessage());
        ImageDecodeException e = refused(truncated, Reason.CORRUPT);
        assertTrue(e.getMessage().startsWith("image is a truncated JPEG ("), e.getMessage());
    }

    /** A Huffman table id no JPEG has: an error (not a warning) from the native side. */
    @Test
    void aCorruptHeaderIsAFailure() {
        byte[] jpeg = fixture("quad.jpg");
        jpeg[indexOf(jpeg, "\u00FF\u00C4") + 4] = 0x7F;
        TurboJpeg.Failure f = failure(jpeg);
        assertFalse(f.getMessage().isBlank());
        ImageDecodeException e = refused(jpeg, Reason.CORRUPT);
    }

    /** libjpeg's failure to decode {@code jpeg} at full size. */
    private static TurboJpeg.Failure failure(byte[] jpeg) {
        return assertThrows(
                TurboJpeg.Failure.class,
                () -> TurboJpeg.decode(jpeg, 0, MAX_PIXELS, new int[TurboJpeg.INFO_LENGTH]));
    }

    @Test
    void checksItsArguments() {
        byte[] jpeg = fixture("quad.jpg");
        int[] info = new int[TurboJpeg.INFO_LENGTH];
        assertThrows(NullPointerException.class, () -> TurboJpeg.decode(null, 0, 1, info));
        assertThrows(NullPointerException.class, () -> TurboJpeg.decode(jpeg, 0, 1, null));
        assertThrows(
                IllegalArgumentException.class, () -> TurboJpeg.decode(jpeg, 0, 1, new int[3]));
        assertThrows(IllegalArgumentException.class, () -> TurboJpeg.decode(jpeg, -1, 1, info));
        assertThrows(IllegalArgumentException.class, () -> TurboJpeg.decode(jpeg, 0, 0, info));
        assertThrows(TurboJpeg.Failure.class, () -> TurboJpeg.decode(new byte[1], 0, 1, info));
        assertThrows(
                TurboJpeg.Failure.class,
                () -> TurboJpeg.decode(new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2}, 0, 1, info));
    }

    /** The switch: off, JPEGs take ImageIO (its integer subsampling gives 334x250 here). */
    @Test
    void theSwitchTakesTheImageIoPath() throws Exception {
        byte[] jpeg = fixture("large_2000x1500.jpg");
        assertEquals(334, new ImageDecoder(DecodeLimits.DEFAULTS, false).decode(jpeg).getWidth());
        assertEquals(500, new ImageDecoder(DecodeLimits.DEFAULTS, true).decode(jpeg).getWidth());
    }

    /** Same bytes, same pixels, every time (no state kept between calls). */
    @Test
    void decodingIsRepeatable() throws Exception {
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
        byte[] jpeg = fixture("photo.jpg");
        int[] first = pixels(decoder.decode(jpeg));
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(first, pixels(decoder.decode(jpeg)));
        }
    }
}
