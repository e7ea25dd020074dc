package dev.prodlens.core.image;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Names what a byte array is when it is none of the {@link ImageFormat}s, for the error message:
 * "it is a PDF document" or "it is text starting with <!DOCTYPE html>" (an error page saved as a
 * photo) tells the sender what went wrong, where "unsupported format" alone does not.
 */
final class UnknownFormat {
    private static final int TEXT_PROBE = 64;
    private static final int HEX_PREFIX = 8;

    private UnknownFormat() {}

    static String describe(byte[] bytes) {
        if (Magic.startsWith(bytes, 0, "%PDF")) {
            return "it is a PDF document";
        }
        if (Magic.startsWith(bytes, 0, "II*\0") || Magic.startsWith(bytes, 0, "MM\0*")) {
            return "it is a TIFF image";
        }
        if (Magic.startsWith(bytes, 4, "ftyp")) {
            return isoBrand(bytes);
        }
        if (looksLikeText(bytes)) {
            return "it is text starting with \"" + textPrefix(bytes) + "\"";
        }
        return "it starts with bytes " + hexPrefix(bytes);
    }

    /** ISO base media files (HEIF, AVIF, MP4...) carry a brand right after "ftyp". */
    private static String isoBrand(byte[] bytes) {
        if (Magic.startsWith(bytes, 8, "avif") || Magic.startsWith(bytes, 8, "avis")) {
            return "it is an AVIF image";
        }
        if (Magic.startsWith(bytes, 8, "hei")
                || Magic.startsWith(bytes, 8, "mif1")
                || Magic.startsWith(bytes, 8, "msf1")) {
            return "it is a HEIF/HEIC image";
        }
        return "it is an ISO media file (video?)";
    }

    /** Valid UTF-8 without control characters (other than whitespace) over the first bytes. */
    private static boolean looksLikeText(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, Math.min(bytes.length, TEXT_PROBE));
        CharBuffer out = CharBuffer.allocate(TEXT_PROBE);
        // endOfInput false: a character cut by the probe's end is not an error
        CoderResult result =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(in, out, false);
        if (result.isError()) {
            return false;
        }
        out.flip();
        return out.chars().allMatch(c -> !Character.isISOControl(c) || Character.isWhitespace(c));
    }

    private static String textPrefix(byte[] bytes) {
        String text =
                new String(bytes, 0, Math.min(bytes.length, TEXT_PROBE), StandardCharsets.UTF_8)
                        .strip();
        String line = text.lines().findFirst().orElse("");
        return line.length() > 32 ? line.substring(0, 32) + "..." : line;
    }

    private static String hexPrefix(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, HEX_PREFIX); i++) {
            hex.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%02X", bytes[i]));
        }
        return hex.toString();
    }
}
