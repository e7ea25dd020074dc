package dev.prodlens.jobs.embed;

import java.util.Iterator;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The cheap first pass of an incremental embed: {@link EmbedPartition#INPUT} rows, each with {@code
 * image_sha256} added, hashing each image file in the executor without decoding it. Rows whose hash
 * an earlier table already embedded skip the model; an unreadable or oversized file gets a null
 * hash and goes to the embed pass, which records why it fails.
 */
final class HashPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 2L;

    static final StructType SCHEMA =
            new StructType()
                    .add("item_id", DataTypes.StringType, false)
                    .add("path", DataTypes.StringType, true)
                    .add("warning_code", DataTypes.StringType, true)
                    .add("warning", DataTypes.StringType, true)
                    .add("image_index", DataTypes.IntegerType, false)
                    .add("image_sha256", DataTypes.StringType, true);

    private final long maxBytes;
    private final SerializableConfiguration hadoop;

    HashPartition(long maxBytes, Configuration hadoop) {
        this.maxBytes = maxBytes;
        this.hadoop = new SerializableConfiguration(hadoop);
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row row = rows.next();
                String path = row.isNullAt(1) ? null : row.getString(1);
                String sha =
                        path == null
                                ? null
                                : ImageFiles.sha256(path, maxBytes, hadoop.value()).orElse(null);
                return RowFactory.create(
                        row.getString(0),
                        path,
                        row.getString(2),
                        row.getString(3),
                        row.getInt(4),
                        sha);
            }
        };
    }
}
