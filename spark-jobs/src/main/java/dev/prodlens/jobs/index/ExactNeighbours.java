package dev.prodlens.jobs.index;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchResult;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Exact top-k inner-product neighbours of a set of query vectors over all items, computed where the
 * items are: each partition brute-forces its vectors (Faiss Flat, BLAS) and the driver keeps the
 * best k of the partitions' candidates. The driver never holds the whole catalogue.
 */
public final class ExactNeighbours {
    /** Per query, the k best vector ids and scores, best first (-1 / -inf where fewer exist). */
    public record Result(long[] ids, float[] scores, int k) implements Serializable {
        public long id(int query, int rank) {
            return ids[query * k + rank];
        }

        public float score(int query, int rank) {
            return scores[query * k + rank];
        }
    }

    private ExactNeighbours() {}

    /** {@code items}: rows of (vector_id, embedding); {@code queries}: row-major, q × dim. */
    public static Result search(
            SparkSession spark, Dataset<Row> items, float[] queries, int dim, int k) {
        int q = queries.length / dim;
        Broadcast<float[]> shared =
                org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext())
                        .broadcast(queries);
        List<Result> partials =
                Vectors.internalRows(items)
                        .mapPartitions(new PartitionTopK(shared, dim, k))
                        .collect();
        shared.destroy();
        TopK all = new TopK(q, k);
        for (Result p : partials) all.merge(p);
        return all.result();
    }

    /**
     * The running k best per query of the vectors seen so far (an executor's share, batch by batch:
     * one batch of the partition in memory at a time).
     */
    static final class TopK {
        private final int q;
        private final int k;
        private final long[] ids;
        private final float[] scores;

        TopK(int q, int k) {
            this.q = q;
            this.k = k;
            ids = new long[q * k];
            scores = new float[q * k];
            Arrays.fill(ids, -1);
            Arrays.fill(scores, Float.NEGATIVE_INFINITY);
        }

        /** Brute-forces the queries over a batch's first n rows (Faiss Flat: BLAS). */
        void offer(float[] queries, float[] vectors, long[] batchIds, int n) {
            int dim = queries.length / q;
            try (FaissIndex flat = FaissIndex.create(dim, "Flat", Metric.INNER_PRODUCT)) {
                Vectors.add(flat, vectors, batchIds, n);
                SearchResult found = flat.search(queries, k);
                merge(new Result(found.rawIds(), found.rawScores(), k));
            }
        }

        void merge(Result part) {
            ExactNeighbours.merge(ids, scores, part, q, k);
        }

        Result result() {
            return new Result(ids.clone(), scores.clone(), k);
        }
    }

    /**
     * Keeps, per query, the k best of the running result and a partition's result (both sorted best
     * first).
     */
    private static void merge(long[] ids, float[] scores, Result part, int q, int k) {
        long[] mergedIds = new long[k];
        float[] mergedScores = new float[k];
        for (int query = 0; query < q; query++) {
            int a = query * k;
            int b = query * k;
            for (int r = 0; r < k; r++) {
                if (score(ids, scores, a) >= score(part.ids, part.scores, b)) {
                    mergedIds[r] = ids[a];
                    mergedScores[r] = scores[a++];
                } else {
                    mergedIds[r] = part.ids[b];
                    mergedScores[r] = part.scores[b++];
                }
            }
            System.arraycopy(mergedIds, 0, ids, query * k, k);
            System.arraycopy(mergedScores, 0, scores, query * k, k);
        }
    }

    /** A missing result (id -1) ranks below every real one. */
    private static float score(long[] ids, float[] scores, int at) {
        return ids[at] < 0 ? Float.NEGATIVE_INFINITY : scores[at];
    }

    private static final class PartitionTopK
            implements FlatMapFunction<Iterator<InternalRow>, Result> {
        private static final long serialVersionUID = 1L;
        private final Broadcast<float[]> queries;
        private final int dim;
        private final int k;

        PartitionTopK(Broadcast<float[]> queries, int dim, int k) {
            this.queries = queries;
            this.dim = dim;
            this.k = k;
        }

        @Override
        public Iterator<Result> call(Iterator<InternalRow> rows) {
            if (!rows.hasNext()) return List.<Result>of().iterator();
            float[] q = queries.value();
            TopK best = new TopK(q.length / dim, k);
            Vectors.forEachBatch(rows, dim, (vectors, ids, n) -> best.offer(q, vectors, ids, n));
            return List.of(best.result()).iterator();
        }
    }
}
