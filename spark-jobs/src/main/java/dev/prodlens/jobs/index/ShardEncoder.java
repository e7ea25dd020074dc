package dev.prodlens.jobs.index;

import dev.prodlens.core.faiss.FaissIndex;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * The executors' half of a parallel IVF build: each partition of internal {@code (ordinal,
 * embedding)} rows ({@link Vectors#internalRows}) is added to its own copy of the trained (empty)
 * index — coarse assignment and encoding happen here — and the filled shard comes back serialised
 * for the driver to merge. The shard holds codes only, much smaller than the vectors.
 */
final class ShardEncoder implements FlatMapFunction<Iterator<InternalRow>, byte[]> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<byte[]> trained;
    private final int dim;

    ShardEncoder(Broadcast<byte[]> trained, int dim) {
        this.trained = trained;
        this.dim = dim;
    }

    @Override
    public Iterator<byte[]> call(Iterator<InternalRow> rows) {
        if (!rows.hasNext()) return List.<byte[]>of().iterator();
        try (FaissIndex shard = FaissIndex.fromBytes(trained.value())) {
            Vectors.addAll(shard, rows, dim);
            return List.of(shard.toBytes()).iterator();
        }
    }
}
