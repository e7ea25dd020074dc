package dev.prodlens.core.image;

import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadProgressListener;

/**
 * Stops an ImageIO reader when its decode's deadline passes or it is cancelled. The readers report
 * progress as they go (the JDK's JPEG, PNG and GIF readers row by row) and check for an abort
 * request at the same points, so aborting from the progress callback stops the work itself; it must
 * happen there, on the decoding thread: the JDK's JPEG reader refuses {@code abort()} from any
 * other thread.
 */
final class DeadlineWatch implements IIOReadProgressListener {
    private final DecodeDeadline deadline;
    private volatile boolean aborted;

    DeadlineWatch(DecodeDeadline deadline) {
        this.deadline = deadline;
    }

    @Override
    public void imageProgress(ImageReader source, float percentageDone) {
        if (!aborted && (deadline.isCancelled() || deadline.isExpired())) {
            aborted = true;
            source.abort();
        }
    }

    /** After the read: the refusal, when the reader was stopped (its image is incomplete). */
    void check() throws ImageDecodeException {
        if (aborted) {
            throw deadline.isCancelled()
                    ? ImageDecodeException.cancelled()
                    : ImageDecodeException.timedOut(deadline);
        }
    }

    @Override
    public void sequenceStarted(ImageReader source, int minIndex) {}

    @Override
    public void sequenceComplete(ImageReader source) {}

    @Override
    public void imageStarted(ImageReader source, int imageIndex) {}

    @Override
    public void imageComplete(ImageReader source) {}

    @Override
    public void thumbnailStarted(ImageReader source, int imageIndex, int thumbnailIndex) {}

    @Override
    public void thumbnailProgress(ImageReader source, float percentageDone) {}

    @Override
    public void thumbnailComplete(ImageReader source) {}

    @Override
    public void readAborted(ImageReader source) {}
}
