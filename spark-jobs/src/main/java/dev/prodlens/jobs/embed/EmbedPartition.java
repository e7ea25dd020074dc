package dev.prodlens.jobs.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Embeds a partition of {@code (id string, image binary)} rows in batches of
 * {@code model.max-batch} with the executor's shared {@link Embedder}; emits
 * {@code (id, embedding array<float>, error_code, error)}, with a null embedding and the error
 * for an image that could not be embedded. Lazy: rows stream through, one batch in memory.
 */
public final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /** The output schema. */
    public static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.StringType, false)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("error_code", DataTypes.StringType, true)
            .add("error", DataTypes.StringType, true);

    /** The model.* / decode.* configuration, as plain strings so the function serialises. */
    private final HashMap<String, String> settings;

    /** {@code settings}: the job's configuration; {@code model.dir} must be absolute (executors have no working directory of ours). */
    public EmbedPartition(Map<String, String> settings) {
        this.settings = new HashMap<>(settings);
        EmbedderConfig.from(Config.of(this.settings), Path.of("/")); // fail on the driver, not in every task
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        EmbedderConfig config = EmbedderConfig.from(Config.of(settings), Path.of("/"));
        Embedder embedder = ExecutorEmbedders.get(config);
        return new Iterator<>() {
            private Iterator<Row> batch = List.<Row>of().iterator();

            @Override
            public boolean hasNext() {
                if (!batch.hasNext() && rows.hasNext()) batch = nextBatch(rows, embedder, config.maxBatch());
                return batch.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return batch.next();
            }
        };
    }

    private static Iterator<Row> nextBatch(Iterator<Row> rows, Embedder embedder, int size) {
        List<String> ids = new ArrayList<>(size);
        List<byte[]> images = new ArrayList<>(size);
        while (rows.hasNext() && ids.size() < size) {
            Row row = rows.next();
            ids.add(row.getString(0));
            byte[] bytes = row.isNullAt(1) ? new byte[0] : (byte[]) row.get(1);
            images.add(bytes);
        }
        List<EmbedResult> results = embedder.embed(images);
        List<Row> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            EmbedResult r = results.get(i);
            out.add(r.isOk()
                    ? RowFactory.create(ids.get(i), boxed(r.vector()), null, null)
                    : RowFactory.create(ids.get(i), null, r.error().code().name(), r.error().message()));
        }
        return out.iterator();
    }

    private static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
