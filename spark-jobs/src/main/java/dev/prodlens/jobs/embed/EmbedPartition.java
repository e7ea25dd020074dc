package dev.prodlens.jobs.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.EmbedError;
import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.jobs.JobSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;

/**
 * Embeds a partition of {@link #INPUT} rows: reads each image from its Hadoop file system path
 * (local, HDFS, S3A) here in the executor, then embeds batches of {@code model.max-batch} with the
 * executor's shared {@link Embedder}. Emits {@link #SCHEMA}: a null embedding with an error code
 * and message for an image that could not be read or embedded; the row's warning passes through.
 * Lazy: rows stream through, one batch in memory.
 */
public final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 3L;

    /**
     * Error code of an image file that is absent or unreadable (the Embedder's codes cover the
     * rest).
     */
    public static final String MISSING_FILE = "MISSING_FILE";

    /**
     * The input columns, in this order (those after {@code path} may be left out: then there is no
     * warning, and the image is its item's first).
     */
    public static final List<String> INPUT =
            List.of("item_id", "path", "warning_code", "warning", "image_index");

    /** The output schema. */
    public static final StructType SCHEMA =
            new StructType()
                    .add("item_id", DataTypes.StringType, false)
                    .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)
                    .add("image_sha256", DataTypes.StringType, true)
                    .add("error_code", DataTypes.StringType, true)
                    .add("error", DataTypes.StringType, true)
                    .add("warning_code", DataTypes.StringType, true)
                    .add("warning", DataTypes.StringType, true)
                    .add("image_index", DataTypes.IntegerType, false);

    /** The model.* / decode.* configuration, as plain strings so the function serialises. */
    private final HashMap<String, String> settings;

    private final SerializableConfiguration hadoop;
    private final LongAccumulator modelImages;

    /**
     * The embedder configuration in this executor. {@code model.dir} is the driver's absolute path,
     * unless the configuration gave a relative one and this JVM's working directory holds the model
     * under it: then that copy (what {@code --archives models.tgz#models} unpacks into every YARN
     * or Kubernetes container, where the driver's path does not exist).
     */
    static EmbedderConfig executorConfig(Map<String, String> settings) {
        Config config = Config.of(settings);
        String relative = settings.get(JobSettings.MODEL_DIR_AS_CONFIGURED);
        if (relative != null) {
            EmbedderConfig here =
                    EmbedderConfig.from(
                            config.with(Map.of(ConfigKeys.MODEL_DIR.name(), relative)),
                            java.nio.file.Path.of("").toAbsolutePath());
            if (Files.isDirectory(here.modelDir())) return here;
        }
        return EmbedderConfig.fromResolved(settings);
    }

    /**
     * {@code settings}: the job's configuration; {@code model.dir} must be absolute (executors have
     * no working directory of ours).
     */
    public EmbedPartition(Map<String, String> settings, Configuration hadoop) {
        this(settings, hadoop, null);
    }

    /** {@code modelImages}: counts the images handed to the model (null: not counted). */
    public EmbedPartition(
            Map<String, String> settings, Configuration hadoop, LongAccumulator modelImages) {
        this.settings = new HashMap<>(settings);
        this.hadoop = new SerializableConfiguration(hadoop);
        this.modelImages = modelImages;
        EmbedderConfig.fromResolved(this.settings); // fail on the driver, not in every task
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        // an incremental run over unchanged images leaves every embed partition empty: no model to
        // load then
        if (!rows.hasNext()) return Collections.emptyIterator();
        EmbedderConfig config = executorConfig(settings);
        Embedder embedder = ExecutorEmbedders.get(config);
        return new Iterator<>() {
            private Iterator<Row> batch = List.<Row>of().iterator();

            @Override
            public boolean hasNext() {
                if (!batch.hasNext() && rows.hasNext()) batch = nextBatch(rows, embedder, config);
                return batch.hasNext();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return batch.next();
            }
        };
    }

    private Iterator<Row> nextBatch(Iterator<Row> rows, Embedder embedder, EmbedderConfig config) {
        List<Row> read = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        List<Row> out = new ArrayList<>();
        while (rows.hasNext() && read.size() < embedder.engineBatch()) {
            Row row = rows.next();
            String path = string(row, 1);
            try {
                images.add(ImageFiles.read(path, config.maxBytes(), hadoop.value()));
                read.add(row);
            } catch (IOException | IllegalArgumentException e) {
                out.add(output(row, null, null, MISSING_FILE, ImageFiles.unreadable(path, e)));
            }
        }
        List<EmbedResult> results = embedder.embed(images);
        if (modelImages != null) modelImages.add(images.size());
        for (int i = 0; i < read.size(); i++) {
            EmbedResult r = results.get(i);
            String sha =
                    ImageFiles.complete(images.get(i), config.maxBytes())
                            ? ImageFiles.sha256(images.get(i))
                            : null;
            out.add(
                    r.isOk()
                            ? output(read.get(i), boxed(r.vector()), sha, null, null)
                            : output(
                                    read.get(i),
                                    null,
                                    sha,
                                    r.error().code().name(),
                                    message(r.error(), string(read.get(i), 1))));
        }
        return out.iterator();
    }

    /**
     * The decoder's message, except for an unrecognised file, which it would quote ({@link
     * ImageFiles#unrecognised}).
     */
    private static String message(EmbedError error, String path) {
        return error.code() == EmbedError.Code.UNSUPPORTED_FORMAT
                ? ImageFiles.unrecognised(path)
                : error.message();
    }

    /** The {@link #SCHEMA} row of {@code input}: its id, warning and image index, the outcome. */
    private static Row output(
            Row input, Float[] embedding, String sha, String errorCode, String error) {
        return RowFactory.create(
                input.getString(0),
                embedding,
                sha,
                errorCode,
                error,
                string(input, 2),
                string(input, 3),
                imageIndex(input));
    }

    /** Column 4 of {@link #INPUT}; 0 when absent. */
    private static int imageIndex(Row row) {
        return 4 < row.length() && !row.isNullAt(4) ? row.getInt(4) : 0;
    }

    /** Column {@code i} of {@link #INPUT}; null when null or absent. */
    private static String string(Row row, int i) {
        return i < row.length() && !row.isNullAt(i) ? row.getString(i) : null;
    }

    private static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
