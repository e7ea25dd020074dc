package dev.prodlens.core.faiss;

/**
 * Similarity metric of an index. Scores follow Faiss: for {@link #INNER_PRODUCT} larger is more
 * similar (cosine similarity on L2-normalised vectors); for {@link #L2} the squared Euclidean
 * distance, smaller is more similar.
 */
public enum Metric {
    INNER_PRODUCT(0),
    L2(1);

    /** faiss::MetricType value. */
    final int code;

    Metric(int code) {
        this.code = code;
    }

    static Metric fromCode(int code) {
        for (Metric m : values()) {
            if (m.code == code) {
                return m;
            }
        }
        throw new FaissException("unsupported Faiss metric type " + code);
    }
}
