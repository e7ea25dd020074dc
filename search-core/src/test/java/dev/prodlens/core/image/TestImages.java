package dev.prodlens.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.HostileImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

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

    /** A decoder with {@code limits} refuses {@code image} for {@code reason}: its exception. */
    static ImageDecodeException refused(
            DecodeLimits limits, byte[] image, ImageDecodeException.Reason reason) {
        ImageDecoder decoder = new ImageDecoder(limits);
        ImageDecodeException e =
                assertThrows(ImageDecodeException.class, () -> decoder.decode(image));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }

    /** The decoder with the default limits refuses {@code image} for {@code reason}. */
    static ImageDecodeException refused(byte[] image, ImageDecodeException.Reason reason) {
        return refused(DecodeLimits.DEFAULTS, image, reason);
    }

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

    /**
     * A valid lossy WebP of up to 524,287 macroblocks (11584x11584: the first partition's size has
     * 19 bits), made of zeros: a VP8 key frame whose two partitions (modes, then DCT tokens) hold
     * one zero byte per 16x16 macroblock each. A boolean decoder reading zeros decodes every symbol
     * as 0, whatever its probability: header fields 0 (no loop filter, one token partition, no
     * probability updates, no skip flags), macroblocks predicted 4x4 by their DC, every block
     * ending at its first token (EOB). Each macroblock needs about 4 bits of the first partition
     * and 6 of the second, so the decoder never runs out of data: it decodes every macroblock, to a
     * flat grey (0x848484 with libwebp). 7000x7000 is 384 KB: a lossy decompression bomb without an
     * encoder.
     */
    static byte[] zeroLossyWebp(int width, int height) {
        int macroblocks = ((width + 15) / 16) * ((height + 15) / 16);
        int payload = 10 + 2 * macroblocks; // frame tag, start code, sizes; two partitions
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        littleEndian(out, 4 + 8 + payload + (payload & 1), 4);
        out.writeBytes("WEBPVP8 ".getBytes(StandardCharsets.US_ASCII));
        littleEndian(out, payload, 4);
        // frame tag: bit 0 clear (key frame), version 0, bit 4 shown, then the first
        // partition's size in bits 5-23
        littleEndian(out, 1 << 4 | macroblocks << 5, 3);
        out.writeBytes(new byte[] {(byte) 0x9D, 0x01, 0x2A});
        littleEndian(out, width, 2); // 14 bits of size, 2 of (unused) upscaling
        littleEndian(out, height, 2);
        out.writeBytes(new byte[2 * macroblocks + (payload & 1)]);
        return out.toByteArray();
    }

    private static void littleEndian(ByteArrayOutputStream out, int value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write(value >> 8 * i);
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
            assertTrue(
                    diff <= tolerance,
                    String.format(
                            "pixel (%d, %d): expected %06X, got %06X" + " (tolerance %d)",
                            x, y, expected, actual, tolerance));
        }
    }

    static int gray(int value) {
        return value << 16 | value << 8 | value;
    }

    /** Where an ASCII pattern first occurs in {@code bytes}. */
    static int indexOf(byte[] bytes, String ascii) {
        return HostileImages.indexOf(bytes, ascii.getBytes(StandardCharsets.ISO_8859_1));
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

    /**
     * A fixture decoded at full size with the native codecs (libjpeg-turbo, libwebp) and without
     * (ImageIO): both TYPE_INT_RGB of one size; their {@link #channelDifference}, printed.
     */
    static double[] nativeVsImageIo(String name) throws ImageDecodeException {
        DecodeLimits fullSize = DecodeLimits.DEFAULTS.withTargetMinSide(0);
        byte[] bytes = fixture(name);
        BufferedImage fast = new ImageDecoder(fullSize, true).decode(bytes);
        BufferedImage slow = new ImageDecoder(fullSize, false).decode(bytes);
        assertEquals(BufferedImage.TYPE_INT_RGB, fast.getType());
        assertEquals(
                slow.getWidth() + "x" + slow.getHeight(), fast.getWidth() + "x" + fast.getHeight());
        double[] difference = channelDifference(pixels(slow), pixels(fast));
        System.out.printf(
                Locale.ROOT,
                "native vs ImageIO %s: mean %.3f, max %.0f%n",
                name,
                difference[0],
                difference[1]);
        return difference;
    }

    /** The pixels of a TYPE_INT_RGB image, for exact comparisons. */
    static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
