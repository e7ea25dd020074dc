package dev.prodlens.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The committed fixtures (src/test/resources/images, made by make_fixtures.py) and colour
 * assertions. Most fixtures show the "quadrant" picture: red, green / blue, yellow.
 */
final class TestImages {
    static final int RED = 0xDC1E1E;
    static final int GREEN = 0x1EC81E;
    static final int BLUE = 0x1E1EDC;
    static final int YELLOW = 0xE6DC1E;
    static final int WHITE = 0xFFFFFF;

    /** Per-channel tolerance for lossy formats; quadrant centres are far from any edge. */
    static final int LOSSY = 12;

    private TestImages() {}

    static byte[] fixture(String name) {
        try (InputStream in = TestImages.class.getResourceAsStream("/images/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test fixture images/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Size, type, and the colour at the centre of each quadrant. */
    static void assertQuadrants(BufferedImage image, int width, int height, int tolerance) {
        assertEquals(BufferedImage.TYPE_INT_RGB, image.getType(), "image type");
        assertEquals(width + "x" + height, image.getWidth() + "x" + image.getHeight(), "size");
        assertColour(RED, image, width / 4, height / 4, tolerance);
        assertColour(GREEN, image, width * 3 / 4, height / 4, tolerance);
        assertColour(BLUE, image, width / 4, height * 3 / 4, tolerance);
        assertColour(YELLOW, image, width * 3 / 4, height * 3 / 4, tolerance);
    }

    static void assertColour(int expected, BufferedImage image, int x, int y, int tolerance) {
        int actual = image.getRGB(x, y) & 0xFFFFFF;
        for (int shift = 0; shift <= 16; shift += 8) {
            int diff = Math.abs((expected >> shift & 0xFF) - (actual >> shift & 0xFF));
            assertTrue(diff <= tolerance, String.format("pixel (%d, %d): expected %06X, got %06X"
                    + " (tolerance %d)", x, y, expected, actual, tolerance));
        }
    }

    static int gray(int value) {
        return value << 16 | value << 8 | value;
    }

    /** Where an ASCII pattern first occurs in {@code bytes}. */
    static int indexOf(byte[] bytes, String ascii) {
        byte[] pattern = ascii.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = 0; i + pattern.length <= bytes.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("\"" + ascii + "\" not found");
    }

    /** Mean and max absolute difference per channel of two same-size RGB pixel arrays. */
    static double[] channelDifference(int[] expected, int[] actual) {
        assertEquals(expected.length, actual.length, "pixel count");
        long sum = 0;
        int max = 0;
        for (int i = 0; i < expected.length; i++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                int diff = Math.abs((expected[i] >> shift & 0xFF) - (actual[i] >> shift & 0xFF));
                sum += diff;
                max = Math.max(max, diff);
            }
        }
        return new double[] {sum / (3.0 * expected.length), max};
    }

    /** The pixels of a TYPE_INT_RGB image, for exact comparisons. */
    static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
