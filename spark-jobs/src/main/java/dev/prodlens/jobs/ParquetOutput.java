package dev.prodlens.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a table to Parquet on any Hadoop file system under a temporary name beside its target,
 * then renames it into place: a failed or killed run leaves the earlier table (or none), never half
 * of a new one.
 */
public final class ParquetOutput {
    private ParquetOutput() {}

    /** Writes {@code table} to {@code output}, replacing what is there. */
    public static void replace(SparkSession spark, Dataset<Row> table, String output) {
        Path target = new Path(output);
        Path staging =
                new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        try {
            FileSystem fs = target.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try {
                table.write().parquet(staging.toString());
            } catch (RuntimeException e) {
                fs.delete(staging, true);
                throw e;
            }
            if (fs.exists(target) && !fs.delete(target, true))
                throw new IOException("cannot replace " + target);
            if (!fs.rename(staging, target))
                throw new IOException("cannot rename " + staging + " to " + target);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + output + ": " + e.getMessage(), e);
        }
    }
}
