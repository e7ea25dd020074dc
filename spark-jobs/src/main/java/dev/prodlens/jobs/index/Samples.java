package dev.prodlens.jobs.index;

import static org.apache.spark.sql.functions.col;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * The index's training sample and the held-out queries that tune it. Each pass over the vectors
 * reads the embeddings table (5 GB at 1M items), so the samples ride on passes build-index makes
 * anyway: an index that trains draws both in one pass before training ({@link #drawBoth}); one that
 * does not picks its queries out of the add pass ({@link #offerQuery}).
 *
 * <p>Both come from ranges of the vectors' uniform hash ({@link IndexedItems#uniform()}): the
 * training sample from the bottom, the queries from the top, never the same vector; the same input
 * draws the same samples. The queries are chosen on the cached vector ids ({@link
 * IndexedItems#vectorIds()}), so a pass knows them by id. A query is one image: the tuning measures
 * the index against exact search vector by vector.
 */
final class Samples {
    private final int dim;
    private final double trainFraction;
    private final List<Long> queryIds;
    private final Set<Long> isQuery;
    private final Gathered train;
    private final Gathered queries;

    private Samples(double trainFraction, List<Long> queryIds, int dim, int trainLimit) {
        this.dim = dim;
        this.trainFraction = trainFraction;
        this.queryIds = queryIds;
        this.isQuery = new HashSet<>(queryIds);
        this.train = new Gathered(dim, trainLimit);
        this.queries = new Gathered(dim, queryIds.size());
    }

    /**
     * Chooses up to {@code trainLimit} training vectors and {@code queryLimit} queries among the
     * {@code n} vectors of {@code vectorIds} (vector_id, …; cached). No vector is read yet.
     */
    static Samples choose(Dataset<Row> vectorIds, long n, int dim, int trainLimit, int queryLimit) {
        // 20% over the limits, so that the hash's unevenness rarely leaves a sample short
        double trainFraction = trainLimit == 0 ? 0 : Math.min(0.5, 1.2 * trainLimit / n);
        double queryFraction = Math.min(1 - trainFraction, 1.2 * queryLimit / n);
        List<Long> queryIds =
                vectorIds
                        .filter(IndexedItems.uniform().geq(1 - queryFraction))
                        .select("vector_id")
                        .limit(queryLimit)
                        .as(Encoders.LONG())
                        .collectAsList();
        return new Samples(trainFraction, queryIds, dim, trainLimit);
    }

    /**
     * Gathers the training sample and the queries in one pass over {@code vectors} (vector_id,
     * embedding) that reads only theirs.
     */
    void drawBoth(Dataset<Row> vectors) {
        Column wanted = col("vector_id").isin(queryIds.toArray());
        if (trainFraction > 0) wanted = wanted.or(IndexedItems.uniform().lt(trainFraction));
        VectorChunks.forEach(
                VectorChunks.of(vectors.filter(wanted), dim).toLocalIterator(),
                dim,
                (id, vector) -> (isQuery.contains(id) ? queries : train).add(vector));
    }

    /** Keeps {@code vector} if it is a query's (a pass over every vector offers each one). */
    void offerQuery(long id, FloatBuffer vector) {
        if (isQuery.contains(id)) queries.add(vector);
    }

    /** Whether every chosen query's vector is here. */
    boolean queriesDrawn() {
        return queries.rows == queryIds.size();
    }

    /** The training sample, row-major (empty before {@link #drawBoth}). */
    float[] train() {
        return train.vectors();
    }

    /** The queries' vectors, row-major. */
    float[] queries() {
        return queries.vectors();
    }

    /** Vectors gathered on the driver, up to a limit (the rest are dropped). */
    private static final class Gathered {
        private final int dim;
        private final int limit;
        private float[] data = new float[0];
        private int rows;

        Gathered(int dim, int limit) {
            this.dim = dim;
            this.limit = limit;
        }

        void add(FloatBuffer vector) {
            if (rows == limit) return;
            if ((rows + 1) * dim > data.length) {
                data = Arrays.copyOf(data, Math.min(limit, Math.max(16, rows * 2)) * dim);
            }
            vector.get(data, rows * dim, dim);
            rows++;
        }

        float[] vectors() {
            return Arrays.copyOf(data, rows * dim);
        }
    }
}
