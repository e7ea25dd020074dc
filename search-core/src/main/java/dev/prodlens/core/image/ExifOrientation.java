package dev.prodlens.core.image;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import com.twelvemonkeys.imageio.stream.ByteArrayImageInputStream;
import java.io.IOException;
import java.io.InputStream;
import javax.imageio.stream.ImageInputStream;

/**
 * Reads the EXIF orientation of a JPEG from its APP1 "Exif" segment (a small TIFF structure) with
 * TwelveMonkeys' metadata readers, which stop at the first scan: the pixel data is not read.
 *
 * <p>Damaged EXIF counts as no orientation (1): the picture itself may be fine, and a browser would
 * show it the same way.
 */
final class ExifOrientation {
    /** "Exif\0" and one pad byte precede the TIFF header. */
    private static final int EXIF_HEADER = 6;

    private ExifOrientation() {}

    static int of(ImageFormat format, byte[] bytes) {
        return format == ImageFormat.JPEG ? ofJpeg(bytes) : 1;
    }

    private static int ofJpeg(byte[] jpeg) {
        try (ImageInputStream in = new ByteArrayImageInputStream(jpeg)) {
            for (JPEGSegment app1 : JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif")) {
                int orientation = fromExifSegment(app1);
                if (orientation != 0) {
                    return orientation;
                }
            }
        } catch (IOException | RuntimeException damagedMetadata) {
            // fall through: upright
        }
        return 1;
    }

    /** The orientation in one Exif segment, or 0 when it has none (or not a valid one). */
    private static int fromExifSegment(JPEGSegment app1) throws IOException {
        byte[] data;
        try (InputStream in = app1.segmentData()) {
            data = in.readAllBytes();
        }
        if (data.length <= EXIF_HEADER) {
            return 0;
        }
        Directory tiff =
                new TIFFReader()
                        .read(
                                new ByteArrayImageInputStream(
                                        data, EXIF_HEADER, data.length - EXIF_HEADER));
        Entry entry = tiff.getEntryById(TIFF.TAG_ORIENTATION);
        if (entry != null && entry.getValue() instanceof Number value) {
            int orientation = value.intValue();
            return orientation >= 1 && orientation <= 8 ? orientation : 0;
        }
        return 0;
    }
}
