package dev.prodlens.api.search;

/**
 * Where one image's time went, in milliseconds: decode (and preprocess) on the request thread,
 * queue (waiting for a model instance and for the batch to fill), model (the batch it ran in),
 * index (the Faiss search), total (the whole request as the service saw it).
 */
public record Timing(double decode, double queue, double model, double index, double total) {
    private static final double NANOS_PER_MS = 1e6;

    public static Timing ofNanos(long decode, long queue, long model, long index, long total) {
        return new Timing(ms(decode), ms(queue), ms(model), ms(index), ms(total));
    }

    private static double ms(long nanos) {
        return Math.round(nanos / NANOS_PER_MS * 1000) / 1000.0;
    }
}
