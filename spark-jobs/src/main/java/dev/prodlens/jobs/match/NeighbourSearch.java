package dev.prodlens.jobs.match;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Searches a partition of listing photos through the bundle's index, here in the executor. Input:
 * Spark's internal rows ({@code ordinal}, {@code embedding}: the model's vector of one of the
 * listing's photos; read without boxing a float, as build-index reads its vectors), a listing's
 * photos next to each other (partitioned and sorted by ordinal). Output ({@link #SCHEMA}), one row
 * per listing: its nearest other listings, best first, each at the best score any pair of their
 * photos got, up to {@code neighbours} of them. The index is the one the service searches, at its
 * tuned parameters, one thread per task (the tasks run side by side). Lazy: one batch of queries
 * and its answers in memory at a time.
 */
final class NeighbourSearch implements FlatMapFunction<Iterator<InternalRow>, Row> {
    private static final long serialVersionUID = 1L;

    /** The output: a listing, its nearest other listings and their scores, best first. */
    static final StructType SCHEMA =
            new StructType()
                    .add("ordinal", DataTypes.IntegerType, false)
                    .add(
                            "neighbours",
                            DataTypes.createArrayType(DataTypes.IntegerType, false),
                            false)
                    .add("scores", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    /** Queries per Faiss call: enough for its batched path, little memory. */
    private static final int BATCH = 512;

    private final String indexFile;
    private final String searchParameters;
    private final int imageBits;
    private final int neighbours;
    private final int vectorsPerQuery;
    private final Projection projection; // null: the index holds the model's vectors

    /**
     * @param vectorsPerQuery how many vectors to ask Faiss for, enough for {@code neighbours}
     *     distinct other listings when every listing has its most photos
     */
    NeighbourSearch(
            String indexFile,
            String searchParameters,
            int imageBits,
            int neighbours,
            int vectorsPerQuery,
            Projection projection) {
        this.indexFile = indexFile;
        this.searchParameters = searchParameters;
        this.imageBits = imageBits;
        this.neighbours = neighbours;
        this.vectorsPerQuery = vectorsPerQuery;
        this.projection = projection;
    }

    @Override
    public Iterator<Row> call(Iterator<InternalRow> rows) {
        FaissIndex index = ExecutorIndexes.acquire(indexFile);
        TaskContext task = TaskContext.get();
        if (task != null)
            task.addTaskCompletionListener(
                    (org.apache.spark.util.TaskCompletionListener)
                            t -> ExecutorIndexes.release(indexFile));
        SearchOptions options = SearchOptions.parse(searchParameters).withThreads(1);
        int k = (int) Math.min(vectorsPerQuery, index.size());
        return new Iterator<>() {
            private final Deque<Row> ready = new ArrayDeque<>();
            private int listing = -1; // whose photos' answers are being merged
            private final Map<Integer, Float> best = new HashMap<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && rows.hasNext()) searchBatch();
                if (ready.isEmpty()) flush();
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return ready.poll();
            }

            private void searchBatch() {
                int dim = index.dimension();
                int[] ordinals = new int[BATCH];
                float[] block = new float[BATCH * dim];
                int n = 0;
                while (n < BATCH && rows.hasNext()) {
                    InternalRow row = rows.next(); // reused by the next: copied here
                    ordinals[n] = row.getInt(0);
                    float[] vector = vector(row.getArray(1));
                    if (vector.length != dim)
                        throw new IllegalStateException(
                                "a photo's vector has "
                                        + vector.length
                                        + " dimensions, the index "
                                        + dim
                                        + ": the embeddings table does not belong to this bundle");
                    System.arraycopy(vector, 0, block, n * dim, dim);
                    n++;
                }
                if (n == 0 || k == 0) return;
                SearchResult found =
                        index.search(
                                n == BATCH ? block : Arrays.copyOf(block, n * dim), k, options);
                for (int q = 0; q < n; q++) {
                    if (ordinals[q] != listing) {
                        flush();
                        listing = ordinals[q];
                    }
                    merge(found, q);
                }
            }

            /** A photo's hits into its listing's: each other listing at its best score. */
            private void merge(SearchResult found, int q) {
                for (int r = 0; r < found.count(q); r++) {
                    int neighbour = (int) VectorIds.ordinal(found.id(q, r), imageBits);
                    if (neighbour != listing) best.merge(neighbour, found.score(q, r), Math::max);
                }
            }

            /** The listing done: its nearest neighbours, best first (ties by ordinal). */
            private void flush() {
                if (listing < 0) return;
                List<Map.Entry<Integer, Float>> ranked =
                        best.entrySet().stream()
                                .sorted(
                                        Map.Entry.<Integer, Float>comparingByValue()
                                                .reversed()
                                                .thenComparing(Map.Entry.comparingByKey()))
                                .limit(neighbours)
                                .toList();
                int[] ids = new int[ranked.size()];
                float[] scores = new float[ranked.size()];
                for (int r = 0; r < ids.length; r++) {
                    ids[r] = ranked.get(r).getKey();
                    scores[r] = ranked.get(r).getValue();
                }
                ready.add(RowFactory.create(listing, ids, scores));
                best.clear();
                listing = -1;
            }
        };
    }

    /** Spark's own array, copied out in bulk (no float boxed), in the index's space. */
    private float[] vector(ArrayData embedding) {
        float[] v = embedding.toFloatArray();
        return projection == null ? v : projection.apply(v);
    }
}
