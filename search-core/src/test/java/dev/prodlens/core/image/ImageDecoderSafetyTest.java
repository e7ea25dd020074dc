package dev.prodlens.core.image;

import static dev.prodlens.core.image.TestImages.fixture;
import static dev.prodlens.core.image.TestImages.indexOf;
import static dev.prodlens.core.image.TestImages.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.image.ImageDecodeException.Reason;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What is refused, and that damaged input gives CORRUPT (or decodes), never another failure. */
class ImageDecoderSafetyTest {
    /** The small fixtures, one or more per format. */
    static final List<String> SMALL =
            List.of(
                    "quad.jpg",
                    "quad_progressive.jpg",
                    "quad_cmyk.jpg",
                    "quad_gray.jpg",
                    "orientation_6.jpg",
                    "photo.jpg",
                    "quad.png",
                    "quad_palette.png",
                    "quad_gray16.png",
                    "alpha.png",
                    "alpha_palette.png",
                    "quad_lossy.webp",
                    "quad_lossless.webp",
                    "alpha.webp",
                    "animated.webp",
                    "photo.webp",
                    "photo_lossless.webp",
                    "quad.gif",
                    "animated.gif",
                    "quad.bmp");

    private final ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);

    @ParameterizedTest
    @CsvSource({
        "quad.jpg, JPEG",
        "quad_cmyk.jpg, JPEG",
        "quad.png, PNG",
        "quad_lossy.webp, WEBP",
        "quad_lossless.webp, WEBP",
        "animated.webp, WEBP",
        "quad.gif, GIF",
        "quad.bmp, BMP"
    })
    void sniffsTheFormatFromMagicBytes(String name, ImageFormat expected) {
        assertEquals(Optional.of(expected), ImageFormat.sniff(fixture(name)));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "\u00FF\u00D8",
                "GIF88a;",
                "RIFF\0\0\0\0WAVEfmt ",
                "BMW is a car maker, says the text",
                "\u0089PNG\r\n\u001A",
                "%PDF-1.4"
            })
    void sniffRefusesLookalikes(String latin1) {
        byte[] bytes = latin1.getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(Optional.empty(), ImageFormat.sniff(bytes));
        assertEquals(Optional.empty(), ImageFormat.sniff(null));
    }

    @Test
    void limitsAreValidated() {
        assertEquals(new DecodeLimits(32 * 1024 * 1024, 50_000_000, 224), DecodeLimits.DEFAULTS);
        assertMessage("decode.max-bytes", () -> new DecodeLimits(0, 1, 1));
        assertMessage("decode.max-pixels", () -> new DecodeLimits(1, 0, 1));
        assertMessage("decode.max-pixels", () -> new DecodeLimits(1, 1L << 31, 1));
        // no configuration key sets the target side (the model card does): the message names none
        assertMessage("target shorter side", () -> new DecodeLimits(1, 1, -1));
        assertMessage("input.resize_shorter_side", () -> new DecodeLimits(1, 1, -1));
        assertFalse(
                assertThrows(IllegalArgumentException.class, () -> new DecodeLimits(1, 1, -1))
                        .getMessage()
                        .contains("decode."));
    }

    private static void assertMessage(String fragment, Runnable construction) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, construction::run);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void refusesEmptyInput() {
        assertRefused(Reason.EMPTY, "empty", null);
        assertRefused(Reason.EMPTY, "empty", new byte[0]);
    }

    @Test
    void refusesMoreBytesThanTheLimit() throws Exception {
        byte[] png = fixture("quad.png");
        DecodeLimits tight = DecodeLimits.DEFAULTS.withMaxBytes(png.length - 1);
        ImageDecodeException e = refused(tight, png, Reason.TOO_MANY_BYTES);
        assertTrue(e.getMessage().contains("(decode.max-bytes)"), e.getMessage());
        assertThrows(ImageDecodeException.class, () -> new ImageDecoder(tight).probe(png));
        new ImageDecoder(DecodeLimits.DEFAULTS.withMaxBytes(png.length)).decode(png);
    }

    static Stream<Arguments> otherFormats() {
        return Stream.of(
                Arguments.of("hello world", "it is text starting with \"hello world\""),
                Arguments.of(
                        "<!DOCTYPE html><html><body>404 Not Found",
                        "it is text starting with \"<!DOCTYPE html><html><body>404 N...\""),
                Arguments.of("%PDF-1.7 (binary follows)", "it is a PDF document"),
                Arguments.of("II*\0 then a TIFF directory", "it is a TIFF image"),
                Arguments.of("MM\0* then a TIFF directory", "it is a TIFF image"),
                Arguments.of("\0\0\0\u0018ftypheic\0\0\0\0", "it is a HEIF/HEIC image"),
                Arguments.of("\0\0\0\u001Cftypavif\0\0\0\0", "it is an AVIF image"),
                Arguments.of(
                        "\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009",
                        "it starts with bytes 01 02 03 04 05 06 07 08"));
    }

    @ParameterizedTest
    @MethodSource("otherFormats")
    void refusesOtherFormatsAndSaysWhatTheyAre(String latin1, String description) {
        ImageDecodeException e =
                assertRefused(
                        Reason.UNSUPPORTED_FORMAT,
                        description,
                        latin1.getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(e.getMessage().contains("send JPEG, PNG, WebP, GIF or BMP"), e.getMessage());
    }

    @Test
    void refusesRandomBytesAsUnsupported() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 50; i++) {
            byte[] garbage = new byte[1 + random.nextInt(2000)];
            random.nextBytes(garbage);
            if (ImageFormat.sniff(garbage).isEmpty()) {
                assertRefused(Reason.UNSUPPORTED_FORMAT, "not recognised", garbage);
            }
        }
    }

    /** A 12000x12000 1-bit PNG of 18 KB; probe still describes it (without decoding). */
    @Test
    void refusesADecompressionBombFromItsHeader() throws Exception {
        byte[] bomb = fixture("bomb_12000x12000.png");
        assertRefused(
                Reason.TOO_MANY_PIXELS,
                "image is 12000x12000 = 144 MP, over the 50 MP limit (decode.max-pixels)",
                bomb);
        assertEquals(new ImageInfo(ImageFormat.PNG, 12000, 12000, 1), decoder.probe(bomb));
        assertRefused(
                Reason.TOO_MANY_PIXELS, "40000x40000", fixture("bomb_header_40000x40000.png"));
    }

    /** Huge sizes patched into the headers of JPEG (SOF), lossless WebP (VP8L) and BMP. */
    @Test
    void refusesHugeDeclaredSizesInEveryFormat() {
        byte[] jpeg = fixture("quad.jpg");
        int sof = indexOf(jpeg, "\u00FF\u00C0");
        putBigEndian16(jpeg, sof + 5, 30000);
        putBigEndian16(jpeg, sof + 7, 30000);
        assertRefused(Reason.TOO_MANY_PIXELS, "30000x30000", jpeg);

        byte[] webp = fixture("quad_lossless.webp");
        int vp8l = indexOf(webp, "VP8L") + 9; // after the chunk size and the 0x2F signature
        webp[vp8l] = (byte) 0xFF; // 14 bits width - 1, 14 bits height - 1: 16384x16384
        webp[vp8l + 1] = (byte) 0xFF;
        webp[vp8l + 2] = (byte) 0xFF;
        webp[vp8l + 3] |= 0x0F;
        assertRefused(Reason.TOO_MANY_PIXELS, "16384x16384", webp);

        byte[] bmp = fixture("quad.bmp");
        putLittleEndian32(bmp, 18, 30000);
        putLittleEndian32(bmp, 22, 30000);
        assertRefused(Reason.TOO_MANY_PIXELS, "30000x30000", bmp);
    }

    /** Each reader's header size is what the limit sees: 64x48 = 3072 pixels. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "quad.jpg",
                "quad.png",
                "quad_lossy.webp",
                "quad_lossless.webp",
                "quad.gif",
                "quad.bmp"
            })
    void thePixelLimitIsExact(String name) throws Exception {
        byte[] image = fixture(name);
        ImageDecoder atLimit = new ImageDecoder(DecodeLimits.DEFAULTS.withMaxPixels(3072));
        assertEquals(64, atLimit.decode(image).getWidth());
        ImageDecodeException e =
                refused(DecodeLimits.DEFAULTS.withMaxPixels(3071), image, Reason.TOO_MANY_PIXELS);
        assertTrue(
                e.getMessage().contains("64x48 = 3,072 pixels, over the 3,071 pixels limit"),
                e.getMessage());
    }

    /** 150 copies of a progressive scan; libjpeg would redo each over the whole image. */
    @Test
    void refusesJpegsWithAbsurdlyManyScans() throws Exception {
        byte[] bomb = fixture("scans_bomb.jpg");
        assertTrue(JpegScans.inspect(bomb, JpegScans.MAX_SCANS).scans() > JpegScans.MAX_SCANS);
        assertRefused(Reason.CORRUPT, "more than 100 progressive scans", bomb);
        assertEquals(1, JpegScans.inspect(fixture("quad.jpg"), JpegScans.MAX_SCANS).scans());
        int progressive =
                JpegScans.inspect(fixture("quad_progressive.jpg"), JpegScans.MAX_SCANS).scans();
        assertTrue(progressive > 1 && progressive <= 12, progressive + " scans");
        // an Exif thumbnail has its own scan, inside APP1: not counted
        assertEquals(
                1, JpegScans.inspect(fixture("orientation_6.jpg"), JpegScans.MAX_SCANS).scans());
    }

    @Test
    void refusesAJpegWithACorruptedHeader() {
        byte[] jpeg = fixture("quad.jpg");
        jpeg[indexOf(jpeg, "\u00FF\u00C4") + 4] = 0x7F; // a Huffman table id no JPEG has
        ImageDecodeException e = assertRefused(Reason.CORRUPT, "image is not a valid JPEG (", jpeg);
        assertTrue(e.getMessage().endsWith("; re-export or re-upload it"), e.getMessage());
        assertNotNull(e.getCause(), "the reader's exception stays attached");
    }

    /** Magic bytes followed by garbage: recognised, then CORRUPT with the reader's exception. */
    @ParameterizedTest
    @CsvSource({"quad.jpg, 3", "quad.png, 8", "quad.gif, 6", "quad_lossy.webp, 16", "quad.bmp, 18"})
    void refusesGarbageBehindMagicBytes(String name, int keep) {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20; i++) {
            byte[] image = Arrays.copyOf(fixture(name), 64 + random.nextInt(4000));
            byte[] tail = new byte[image.length - keep];
            random.nextBytes(tail);
            System.arraycopy(tail, 0, image, keep, tail.length);
            try {
                decoder.decode(image);
                // a tolerant reader may make a picture of noise; that is allowed
            } catch (ImageDecodeException e) {
                // garbage may declare a huge size: refused from the header, as pixels or memory
                assertTrue(
                        e.reason() == Reason.CORRUPT
                                || e.reason() == Reason.TOO_MANY_PIXELS
                                || e.reason() == Reason.OVER_BUDGET,
                        e.reason() + ": " + e.getMessage());
            }
        }
    }

    /**
     * Cut inside the pixel data, libjpeg only warns and greys (or, progressive, blurs) the rest:
     * refused as truncated. Cut inside a header, it fails outright: refused as invalid.
     */
    @ParameterizedTest
    @CsvSource({
        "large_2000x1500.jpg, 0.5, image is a truncated JPEG (Corrupt JPEG data: premature end",
        "photo.jpg, 0.7, image is a truncated JPEG (",
        "quad.jpg, 0.9, image is a truncated JPEG (",
        "quad_progressive.jpg, 0.8, image is not a valid JPEG (",
    })
    void refusesATruncatedJpegInsteadOfFillingItWithGrey(String name, double kept, String message) {
        byte[] whole = fixture(name);
        byte[] truncated = Arrays.copyOf(whole, (int) (whole.length * kept));
        assertRefused(Reason.CORRUPT, message, truncated);
    }

    /** Every small fixture cut at many lengths: an image or ImageDecodeException, nothing else. */
    @Test
    void truncatedFilesDecodeOrAreRefused() throws Exception {
        for (String name : SMALL) {
            byte[] whole = fixture(name);
            for (int length = 1; length < whole.length; length += Math.max(1, whole.length / 40)) {
                assertDecodesOrIsRefused(
                        name + " cut to " + length + " bytes", Arrays.copyOf(whole, length));
            }
        }
    }

    /** Random byte changes: decode or refusal, never another exception (a small fuzz). */
    @Test
    void damagedFilesDecodeOrAreRefused() throws Exception {
        SplittableRandom random = new SplittableRandom(2024);
        for (String name : SMALL) {
            for (int trial = 0; trial < 40; trial++) {
                byte[] image = fixture(name);
                int changes = 1 + random.nextInt(8);
                for (int c = 0; c < changes; c++) {
                    image[random.nextInt(image.length)] = (byte) random.nextInt(256);
                }
                assertDecodesOrIsRefused(name + " trial " + trial, image);
            }
        }
    }

    private void assertDecodesOrIsRefused(String what, byte[] image) {
        ImageDecoder bounded = new ImageDecoder(DecodeLimits.DEFAULTS.withMaxPixels(4_000_000));
        try {
            BufferedImage decoded = bounded.decode(image);
            assertEquals(BufferedImage.TYPE_INT_RGB, decoded.getType(), what);
        } catch (ImageDecodeException e) {
            assertFalse(e.getMessage().contains("\n"), what + ": one line: " + e.getMessage());
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": escaped as " + e, e);
        }
    }

    private ImageDecodeException assertRefused(
            Reason reason, String messageFragment, byte[] image) {
        ImageDecodeException e = refused(image, reason);
        assertTrue(
                e.getMessage().contains(messageFragment),
                "\"" + e.getMessage() + "\" should contain \"" + messageFragment + "\"");
        assertFalse(e.getMessage().contains("\n"), "one line");
        return e;
    }

    private static void putBigEndian16(byte[] bytes, int offset, int value) {
        bytes[offset] = (byte) (value >> 8);
        bytes[offset + 1] = (byte) value;
    }

    private static void putLittleEndian32(byte[] bytes, int offset, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[offset + i] = (byte) (value >> 8 * i);
        }
    }
}
