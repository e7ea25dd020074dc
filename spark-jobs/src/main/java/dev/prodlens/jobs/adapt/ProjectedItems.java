package dev.prodlens.jobs.adapt;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.jobs.index.Vectors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;

/**
 * The items with their {@code embedding} column replaced by its projection, computed by the
 * executors with the one {@link Projection} the service also applies to every query (so an item's
 * indexed vector and a query by the same image are the same vector: a vector projects to the same
 * bits alone or among others).
 */
public final class ProjectedItems {
    /** Rows projected together: the matrix is read once per chunk, not once per row. */
    private static final int CHUNK = 64;

    private ProjectedItems() {}

    /** {@code items} projected (cached; the caller unpersists {@code items} when done). */
    public static Dataset<Row> of(Dataset<Row> items, Projection projection) {
        int embedding = items.schema().fieldIndex("embedding");
        Broadcast<Projection> shared =
                items.sparkSession()
                        .sparkContext()
                        .broadcast(
                                projection,
                                scala.reflect.ClassTag$.MODULE$.apply(Projection.class));
        Dataset<Row> projected =
                items.mapPartitions(
                        (MapPartitionsFunction<Row, Row>)
                                rows -> new Chunks(rows, shared.value(), embedding),
                        Encoders.row(items.schema()));
        projected.persist(StorageLevel.MEMORY_AND_DISK());
        projected.count();
        return projected;
    }

    /** A partition's rows, projected {@link #CHUNK} at a time as they are read. */
    private static final class Chunks implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final Projection projection;
        private final int embedding;
        private final List<Row> chunk = new ArrayList<>(CHUNK);
        private float[] projected;
        private int next;

        Chunks(Iterator<Row> rows, Projection projection, int embedding) {
            this.rows = rows;
            this.projection = projection;
            this.embedding = embedding;
        }

        @Override
        public boolean hasNext() {
            return next < chunk.size() || rows.hasNext();
        }

        @Override
        public Row next() {
            if (next == chunk.size()) fill();
            Row r = chunk.get(next);
            int out = projection.outputDimension();
            Object[] values = new Object[r.size()];
            for (int i = 0; i < values.length; i++) values[i] = r.get(i);
            float[] v = new float[out];
            System.arraycopy(projected, next * out, v, 0, out);
            values[embedding] = v;
            next++;
            return RowFactory.create(values);
        }

        private void fill() {
            if (!rows.hasNext()) throw new NoSuchElementException();
            chunk.clear();
            while (chunk.size() < CHUNK && rows.hasNext()) chunk.add(rows.next());
            int in = projection.inputDimension();
            float[] vectors = new float[chunk.size() * in];
            for (int k = 0; k < chunk.size(); k++) {
                Vectors.copy(chunk.get(k), embedding, in, vectors, k * in);
            }
            projected = projection.applyAll(vectors);
            next = 0;
        }
    }
}
