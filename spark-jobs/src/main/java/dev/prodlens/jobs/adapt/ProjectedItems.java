package dev.prodlens.jobs.adapt;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.jobs.index.Vectors;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.storage.StorageLevel;

/**
 * The items with their {@code embedding} column replaced by its projection, computed by the
 * executors with the one {@link Projection#apply} the service also runs on every query (so an
 * item's indexed vector and a query by the same image are the same vector).
 */
public final class ProjectedItems {
    private ProjectedItems() {}

    /** {@code items} projected (cached; the caller unpersists {@code items} when done). */
    public static Dataset<Row> of(Dataset<Row> items, Projection projection) {
        int embedding = items.schema().fieldIndex("embedding");
        int in = projection.inputDimension();
        Broadcast<Projection> shared =
                items.sparkSession()
                        .sparkContext()
                        .broadcast(
                                projection,
                                scala.reflect.ClassTag$.MODULE$.apply(Projection.class));
        Dataset<Row> projected =
                items.map(
                        (MapFunction<Row, Row>)
                                r -> {
                                    float[] v = new float[in];
                                    Vectors.copy(r, embedding, in, v, 0);
                                    Object[] values = new Object[r.size()];
                                    for (int i = 0; i < values.length; i++) values[i] = r.get(i);
                                    values[embedding] = shared.value().apply(v);
                                    return RowFactory.create(values);
                                },
                        Encoders.row(items.schema()));
        projected.persist(StorageLevel.MEMORY_AND_DISK());
        projected.count();
        return projected;
    }
}
