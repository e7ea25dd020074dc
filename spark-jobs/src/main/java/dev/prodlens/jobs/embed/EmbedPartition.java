package dev.prodlens.jobs.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Embeds a partition of {@code (item_id string, path string)} rows: reads each image from its
 * Hadoop file system path (local, HDFS, S3A) here in the executor, then embeds batches of
 * {@code model.max-batch} with the executor's shared {@link Embedder}. Emits {@link #SCHEMA}:
 * a null embedding with an error code and message for an image that could not be read or embedded.
 * Lazy: rows stream through, one batch in memory.
 */
public final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 2L;
    /** Error code of an image file that is absent or unreadable (the Embedder's codes cover the rest). */
    public static final String MISSING_FILE = "MISSING_FILE";

    /** The output schema. */
    public static final StructType SCHEMA = new StructType()
            .add("item_id", DataTypes.StringType, false)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("image_sha256", DataTypes.StringType, true)
            .add("error_code", DataTypes.StringType, true)
            .add("error", DataTypes.StringType, true);

    /** The model.* / decode.* configuration, as plain strings so the function serialises. */
    private final HashMap<String, String> settings;
    private final SerializableConfiguration hadoop;

    /** {@code settings}: the job's configuration; {@code model.dir} must be absolute (executors have no working directory of ours). */
    public EmbedPartition(Map<String, String> settings, Configuration hadoop) {
        this.settings = new HashMap<>(settings);
        this.hadoop = new SerializableConfiguration(hadoop);
        EmbedderConfig.from(Config.of(this.settings), java.nio.file.Path.of("/")); // fail on the driver, not in every task
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        EmbedderConfig config = EmbedderConfig.from(Config.of(settings), java.nio.file.Path.of("/"));
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
        List<String> ids = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        List<Row> out = new ArrayList<>();
        while (rows.hasNext() && ids.size() < config.maxBatch()) {
            Row row = rows.next();
            String id = row.getString(0);
            String path = row.isNullAt(1) ? null : row.getString(1);
            try {
                images.add(read(path, config.maxBytes()));
                ids.add(id);
            } catch (IOException | IllegalArgumentException e) {
                out.add(RowFactory.create(id, null, null, MISSING_FILE, "cannot read image " + path + " (" + e.getMessage()
                        + "); check the catalogue's image column and catalogue.images-root"));
            }
        }
        List<EmbedResult> results = embedder.embed(images);
        for (int i = 0; i < ids.size(); i++) {
            EmbedResult r = results.get(i);
            // a file over decode.max-bytes was read only in part: its prefix's hash would mislead
            boolean partial = !r.isOk() && r.error().code() == dev.prodlens.core.embed.EmbedError.Code.TOO_MANY_BYTES;
            String sha = partial ? null : sha256(images.get(i));
            out.add(r.isOk()
                    ? RowFactory.create(ids.get(i), boxed(r.vector()), sha, null, null)
                    : RowFactory.create(ids.get(i), null, sha, r.error().code().name(), r.error().message()));
        }
        return out.iterator();
    }

    /** The file's bytes; a file over the byte cap is read only up to one byte past it (the Embedder then refuses it). */
    private byte[] read(String path, long maxBytes) throws IOException {
        if (path == null || path.isBlank()) throw new FileNotFoundException("no image path");
        Path file = new Path(path);
        FileSystem fs = file.getFileSystem(hadoop.value());
        FileStatus status = fs.getFileStatus(file);
        if (status.isDirectory()) throw new IOException("it is a directory");
        int length = (int) Math.min(status.getLen(), maxBytes + 1);
        byte[] bytes = new byte[length];
        try (FSDataInputStream in = fs.open(file)) {
            in.readFully(0, bytes);
        }
        return bytes;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Float[] boxed(float[] v) {
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
