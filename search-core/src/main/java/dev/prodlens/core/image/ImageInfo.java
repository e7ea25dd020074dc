package dev.prodlens.core.image;

/**
 * What {@link ImageDecoder#probe} learns from an image's header, without decoding pixels.
 *
 * @param format the format sniffed from the magic bytes
 * @param width width as stored, before the orientation is applied
 * @param height height as stored, before the orientation is applied
 * @param orientation EXIF orientation, 1 (upright, also when there is none) to 8; only JPEG's is
 *     read
 */
public record ImageInfo(ImageFormat format, int width, int height, int orientation) {
    public ImageInfo {
        if (format == null || width < 1 || height < 1 || orientation < 1 || orientation > 8) {
            throw new IllegalArgumentException(
                    "bad image info: "
                            + format
                            + " "
                            + width
                            + "x"
                            + height
                            + " orientation "
                            + orientation);
        }
    }

    public long pixels() {
        return (long) width * height;
    }

    /** Width once upright: orientations 5 to 8 turn the picture a quarter. */
    public int uprightWidth() {
        return Orientation.swapsSides(orientation) ? height : width;
    }

    /** Height once upright. */
    public int uprightHeight() {
        return Orientation.swapsSides(orientation) ? width : height;
    }
}
