package dev.prodlens.jobs.index;

import dev.prodlens.core.faiss.FaissIndex;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The executors' half of a parallel IVF build: each partition of internal {@code (vector_id,
 * embedding)} rows ({@link Vectors#internalRows}) is added to its own copy of the trained (empty)
 * index — coarse assignment and encoding happen here — and the filled shard comes back serialised
 * for the driver to merge. The shard holds codes only, much smaller than the vectors.
 *
 * <p>In the same pass, the partition's exact top k of the tuning queries (broadcast): the ground
 * truth the tuner needs, without reading every vector a second time.
 */
final class ShardEncoder implements FlatMapFunction<Iterator<InternalRow>, ShardEncoder.Encoded> {
    private static final long serialVersionUID = 1L;

    /** A partition's shard and its exact neighbours of the queries. */
    record Encoded(byte[] shard, ExactNeighbours.Result exact) implements Serializable {}

    private final Broadcast<byte[]> trained;
    private final Broadcast<float[]> queries;
    private final int dim;
    private final int k;

    ShardEncoder(Broadcast<byte[]> trained, Broadcast<float[]> queries, int dim, int k) {
        this.trained = trained;
        this.queries = queries;
        this.dim = dim;
        this.k = k;
    }

    @Override
    public Iterator<Encoded> call(Iterator<InternalRow> rows) {
        if (!rows.hasNext()) return List.<Encoded>of().iterator();
        float[] q = queries.value();
        ExactNeighbours.TopK best = new ExactNeighbours.TopK(q.length / dim, k);
        try (FaissIndex shard = FaissIndex.fromBytes(trained.value())) {
            Vectors.forEachBatch(
                    rows,
                    dim,
                    (vectors, ids, n) -> {
                        Vectors.add(shard, vectors, ids, n);
                        best.offer(q, vectors, ids, n);
                    });
            return List.of(new Encoded(shard.toBytes(), best.result())).iterator();
        }
    }
}
