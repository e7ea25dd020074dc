package dev.prodlens.core.image;

import static dev.prodlens.core.image.TestImages.BLUE;
import static dev.prodlens.core.image.TestImages.LOSSY;
import static dev.prodlens.core.image.TestImages.RED;
import static dev.prodlens.core.image.TestImages.WHITE;
import static dev.prodlens.core.image.TestImages.assertColour;
import static dev.prodlens.core.image.TestImages.assertQuadrants;
import static dev.prodlens.core.image.TestImages.channelDifference;
import static dev.prodlens.core.image.TestImages.fixture;
import static dev.prodlens.core.image.TestImages.gray;
import static dev.prodlens.core.image.TestImages.indexOf;
import static dev.prodlens.core.image.TestImages.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What a good image decodes to: size, colours, orientation, scale, first frame. */
class ImageDecoderTest {
    private final ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);

    @ParameterizedTest
    @CsvSource({
        "quad.jpg, " + LOSSY,
        "quad_progressive.jpg, " + LOSSY,
        "quad.png, 1",
        "quad_palette.png, 2",
        "quad_lossy.webp, " + LOSSY,
        "quad_lossless.webp, 1",
        "quad.gif, 2",
        "quad.bmp, 1",
        // CMYK written the Adobe way (APP14, inverted): TwelveMonkeys converts it to RGB
        "quad_cmyk.jpg, " + LOSSY,
        // Adobe RGB pixels with their ICC profile: brought to sRGB (raw, red would be 189, 35, 35)
        "quad_adobe_rgb.jpg, " + LOSSY,
    })
    void decodesEachFormatToItsSizeAndColours(String name, int tolerance) throws Exception {
        assertQuadrants(decoder.decode(fixture(name)), 64, 48, tolerance);
    }

    /**
     * Grey stays as stored (gamma-encoded), not lightened as a linear grey would be: the values are
     * Pillow's luma of the quadrant colours, 8-bit and 16-bit alike.
     */
    @ParameterizedTest
    @CsvSource({"quad_gray.jpg, 6", "quad_gray16.png, 1"})
    void decodesGreyAsStored(String name, int tolerance) throws Exception {
        BufferedImage image = decoder.decode(fixture(name));
        assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
        assertEquals(64, image.getWidth());
        assertEquals(48, image.getHeight());
        assertColour(gray(87), image, 16, 12, tolerance);
        assertColour(gray(130), image, 48, 12, tolerance);
        assertColour(gray(52), image, 16, 36, tolerance);
        assertColour(gray(201), image, 48, 36, tolerance);
    }

    /**
     * A colour space other than sRGB (here linear RGB, as a BMP or WebP with an ICC profile may
     * give) is converted, and its transparency still composited onto white: linear 0.5 is sRGB 188.
     */
    @Test
    void convertsOtherColourSpacesToSrgb() {
        ColorModel linearWithAlpha =
                new ComponentColorModel(
                        ColorSpace.getInstance(ColorSpace.CS_LINEAR_RGB),
                        true,
                        false,
                        Transparency.TRANSLUCENT,
                        DataBuffer.TYPE_BYTE);
        BufferedImage linear =
                new BufferedImage(
                        linearWithAlpha,
                        linearWithAlpha.createCompatibleWritableRaster(2, 1),
                        false,
                        null);
        linear.getRaster().setPixel(0, 0, new int[] {128, 128, 128, 255});
        linear.getRaster().setPixel(1, 0, new int[] {0, 0, 0, 0});
        BufferedImage srgb = SrgbConverter.toIntRgb(linear);
        assertEquals(BufferedImage.TYPE_INT_RGB, srgb.getType());
        assertColour(gray(188), srgb, 0, 0, 2);
        assertColour(WHITE, srgb, 1, 0, 0);
    }

    /** Left half transparent, top right opaque red, bottom right black at alpha 128. */
    @ParameterizedTest
    @CsvSource({"alpha.png, 2", "alpha.webp, " + LOSSY})
    void compositesAlphaOntoWhite(String name, int tolerance) throws Exception {
        BufferedImage image = decoder.decode(fixture(name));
        assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
        assertColour(WHITE, image, 16, 12, tolerance);
        assertColour(WHITE, image, 16, 36, tolerance);
        assertColour(RED, image, 48, 12, tolerance);
        assertColour(gray(127), image, 48, 36, tolerance);
    }

    @Test
    void compositesPaletteTransparencyOntoWhite() throws Exception {
        BufferedImage image = decoder.decode(fixture("alpha_palette.png"));
        assertColour(WHITE, image, 16, 24, 0);
        assertColour(BLUE, image, 48, 24, 0);
    }

    /** Frame 0 is red, frame 1 blue. */
    @ParameterizedTest
    @ValueSource(strings = {"animated.gif", "animated.webp"})
    void decodesTheFirstFrameOfAnAnimation(String name) throws Exception {
        BufferedImage image = decoder.decode(fixture(name));
        assertEquals(40, image.getWidth());
        assertEquals(30, image.getHeight());
        for (int[] xy : new int[][] {{0, 0}, {39, 0}, {20, 15}, {0, 29}, {39, 29}}) {
            assertColour(RED, image, xy[0], xy[1], 2);
        }
    }

    /**
     * Every orientation file stores the 48x32 quadrant picture transformed so that applying its
     * orientation gives it back upright (checked by make_fixtures.py with Pillow's exif_transpose).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void appliesExifOrientation(int orientation) throws Exception {
        BufferedImage image = decoder.decode(fixture("orientation_" + orientation + ".jpg"));
        assertQuadrants(image, 48, 32, LOSSY);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
    void probeReadsSizeAndOrientationAsStored(int orientation) throws Exception {
        ImageInfo info = decoder.probe(fixture("orientation_" + orientation + ".jpg"));
        boolean quarterTurn = orientation >= 5;
        assertEquals(
                new ImageInfo(
                        ImageFormat.JPEG,
                        quarterTurn ? 32 : 48,
                        quarterTurn ? 48 : 32,
                        orientation),
                info);
        assertEquals(48, info.uprightWidth());
        assertEquals(32, info.uprightHeight());
    }

    @Test
    void probeDescribesEachFormat() throws Exception {
        assertEquals(new ImageInfo(ImageFormat.PNG, 64, 48, 1), decoder.probe(fixture("quad.png")));
        assertEquals(
                new ImageInfo(ImageFormat.WEBP, 64, 48, 1),
                decoder.probe(fixture("quad_lossy.webp")));
        assertEquals(
                new ImageInfo(ImageFormat.GIF, 40, 30, 1), decoder.probe(fixture("animated.gif")));
        assertEquals(new ImageInfo(ImageFormat.BMP, 64, 48, 1), decoder.probe(fixture("quad.bmp")));
    }

    /** Damaged EXIF is ignored: the picture decodes as stored, not refused. */
    @Test
    void ignoresUnreadableExif() throws Exception {
        byte[] jpeg = fixture("orientation_6.jpg");
        int tiffHeader = indexOf(jpeg, "Exif\0\0") + 6;
        jpeg[tiffHeader] = 'X'; // byte order mark "MM"/"II" becomes "XM"
        jpeg[tiffHeader + 1] = 'X';
        BufferedImage image = decoder.decode(jpeg);
        assertEquals(32, image.getWidth());
        assertEquals(48, image.getHeight());
        assertEquals(1, decoder.probe(jpeg).orientation());
    }

    /**
     * 2000x1500 with targetMinSide 224. ImageIO: step 6 (1500 / 6 = 250 >= 224, 1500 / 7 < 224), so
     * 334x250. TurboJPEG: scale 1/4 (375 >= 224, 1/8 gives 188 < 224), so 500x375. Either way at
     * least 224 on the short side, under twice it, same aspect ratio.
     */
    @ParameterizedTest
    @CsvSource({"true, 500, 375", "false, 334, 250"})
    void decodesLargeImagesAtAReducedScale(boolean turbo, int width, int height) throws Exception {
        BufferedImage image =
                new ImageDecoder(DecodeLimits.DEFAULTS, turbo)
                        .decode(fixture("large_2000x1500.jpg"));
        int shortSide = Math.min(image.getWidth(), image.getHeight());
        assertTrue(shortSide >= 224 && shortSide < 448, "short side " + shortSide);
        assertEquals(2000.0 / 1500, (double) image.getWidth() / image.getHeight(), 0.01);
        boolean fast = turbo && TurboJpeg.isAvailable();
        assertQuadrants(image, fast ? width : 334, fast ? height : 250, LOSSY);
    }

    @Test
    void decodesAtFullSizeWhenTheTargetIsZero() throws Exception {
        ImageDecoder full = new ImageDecoder(DecodeLimits.DEFAULTS.withTargetMinSide(0));
        assertQuadrants(full.decode(fixture("large_2000x1500.jpg")), 2000, 1500, LOSSY);
    }

    @Test
    void subsamplingKeepsTheShortSideBetweenTargetAndTwiceIt() {
        assertEquals(6, ImageDecoder.subsampling(2000, 1500, 224));
        assertEquals(1, ImageDecoder.subsampling(447, 1000, 224));
        assertEquals(2, ImageDecoder.subsampling(1000, 448, 224));
        assertEquals(1, ImageDecoder.subsampling(100, 100, 224));
        assertEquals(1, ImageDecoder.subsampling(5000, 5000, 0));
        for (int target : new int[] {1, 7, 224, 256}) {
            for (int side = target; side < 20 * target; side += 3) {
                int step = ImageDecoder.subsampling(side, side + 17, target);
                int decoded = (side + step - 1) / step; // what a reader returns: ceil(side / step)
                assertTrue(
                        decoded >= target && decoded < 2 * target,
                        side + " / " + step + " -> " + decoded + " for target " + target);
            }
        }
    }

    /** A real photo (4:2:0 chroma, texture) against Pillow's (libjpeg-turbo's) decoding of it. */
    @Test
    void decodesARealPhotoLikePillow() throws Exception {
        BufferedImage photo = decoder.decode(fixture("photo.jpg"));
        int[] expected = pixels(decoder.decode(fixture("photo_reference.png")));
        int[] actual = pixels(photo);
        assertEquals(160, photo.getWidth());
        assertEquals(120, photo.getHeight());
        double[] difference = channelDifference(expected, actual);
        double mean = difference[0];
        double max = difference[1];
        assertTrue(mean < 1.5 && max < 32, "mean difference " + mean + ", max " + max);
    }

    @Test
    void aJpegMissingOnlyItsEndMarkerDecodesCompletely() throws Exception {
        byte[] whole = fixture("photo.jpg");
        byte[] noEoi = Arrays.copyOf(whole, whole.length - 2);
        assertEquals(
                0xFFD9,
                (whole[whole.length - 2] & 0xFF) << 8 | whole[whole.length - 1] & 0xFF,
                "the fixture ends with EOI");
        assertArrayEqualsPixels(decoder.decode(whole), decoder.decode(noEoi));
    }

    @ParameterizedTest
    @CsvSource({
        "JPEG, com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi",
        "WEBP, com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi",
        "BMP, com.twelvemonkeys.imageio.plugins.bmp.BMPImageReaderSpi",
        "PNG, com.sun.imageio.plugins.png.PNGImageReaderSpi",
        "GIF, com.sun.imageio.plugins.gif.GIFImageReaderSpi"
    })
    void readersComeFromFixedProviders(ImageFormat format, String provider) {
        assertEquals(provider, ReaderProviders.get().providerName(format));
    }

    private static void assertArrayEqualsPixels(BufferedImage expected, BufferedImage actual) {
        assertEquals(expected.getWidth(), actual.getWidth());
        assertEquals(expected.getHeight(), actual.getHeight());
        assertArrayEquals(pixels(expected), pixels(actual));
    }
}
