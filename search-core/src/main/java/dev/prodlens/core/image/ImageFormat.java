package dev.prodlens.core.image;

import java.util.Optional;

/**
 * The image formats {@link ImageDecoder} reads, recognised by their leading magic bytes only: a
 * file name or a Content-Type header says what the sender believes, the bytes say what the decoder
 * will actually meet.
 */
public enum ImageFormat {
    JPEG("JPEG"),
    PNG("PNG"),
    WEBP("WebP"),
    GIF("GIF"),
    BMP("BMP");

    private static final byte[] JPEG_MAGIC = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF};
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    private static final byte[] GIF87A = {'G', 'I', 'F', '8', '7', 'a'};
    private static final byte[] GIF89A = {'G', 'I', 'F', '8', '9', 'a'};
    private static final byte[] RIFF = {'R', 'I', 'F', 'F'};
    private static final byte[] WEBP_TAG = {'W', 'E', 'B', 'P'};
    private static final byte[] BM = {'B', 'M'};

    private final String displayName;

    ImageFormat(String displayName) {
        this.displayName = displayName;
    }

    /** The name people know the format by ("WebP", not "WEBP"), for messages. */
    public String displayName() {
        return displayName;
    }

    /**
     * The format the bytes are in, from their magic number; empty when none of ours matches (or
     * {@code bytes} is null). JPEG {@code FF D8 FF}; PNG {@code 89 50 4E 47 0D 0A 1A 0A}; GIF
     * {@code GIF87a}/{@code GIF89a}; WebP {@code RIFF....WEBP}; BMP {@code BM} followed, at offset
     * 14, by one of the DIB header sizes that exist (12 to 124): two letters alone would take any
     * text beginning with "BM" for a bitmap.
     */
    public static Optional<ImageFormat> sniff(byte[] bytes) {
        if (bytes == null) {
            return Optional.empty();
        }
        if (Magic.startsWith(bytes, 0, JPEG_MAGIC)) {
            return Optional.of(JPEG);
        }
        if (Magic.startsWith(bytes, 0, PNG_MAGIC)) {
            return Optional.of(PNG);
        }
        if (Magic.startsWith(bytes, 0, GIF87A) || Magic.startsWith(bytes, 0, GIF89A)) {
            return Optional.of(GIF);
        }
        if (Magic.startsWith(bytes, 0, RIFF) && Magic.startsWith(bytes, 8, WEBP_TAG)) {
            return Optional.of(WEBP);
        }
        if (Magic.startsWith(bytes, 0, BM) && isDibHeaderSize(Magic.uint32le(bytes, 14))) {
            return Optional.of(BMP);
        }
        return Optional.empty();
    }

    /** BITMAPCOREHEADER (12), OS/2 v2 (16 or 64), BITMAPINFOHEADER (40) and its v2-v5 (52-124). */
    private static boolean isDibHeaderSize(long size) {
        return size == 12
                || size == 16
                || size == 40
                || size == 52
                || size == 56
                || size == 64
                || size == 108
                || size == 124;
    }
}
