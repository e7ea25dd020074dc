package dev.prodlens.core.image;

import java.util.Locale;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;

/**
 * Listens to a reader's warnings and fails the decode when one says the data ended early.
 *
 * <p>The JDK's JPEG decoder (libjpeg, under TwelveMonkeys' reader) does not throw on a truncated
 * file: it warns "Corrupt JPEG data: premature end of data segment" and fills the missing rows with
 * grey (baseline) or leaves them blurred (progressive), which would give a half-grey picture a
 * confident embedding. A file that lacks only its final EOI marker warns "Missing EOI marker"
 * alone: its picture is complete, and it is accepted. The other readers throw on truncation.
 */
final class TruncationWatch implements IIOReadWarningListener {
    private volatile String truncation;

    @Override
    public void warningOccurred(ImageReader source, String warning) {
        if (truncation == null
                && warning != null
                && warning.toLowerCase(Locale.ROOT).contains("premature end")) {
            truncation = warning;
        }
    }

    void check(ImageFormat format) throws ImageDecodeException {
        if (truncation != null) {
            throw ImageDecodeException.truncated(format, truncation);
        }
    }
}
