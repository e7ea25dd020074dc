package dev.prodlens.jobs.embed;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.prodlens.core.embed.ModelException;
import dev.prodlens.jobs.TestSpark;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbedPartitionTest {
    @Test
    void anEmptyPartitionDoesNotOpenTheModel(@TempDir Path tmp) {
        Map<String, String> settings = new HashMap<>(TestSpark.embedderSettings());
        settings.put("model.dir", tmp.resolve("no-model-here").toString());
        EmbedPartition embed = new EmbedPartition(settings, new Configuration());

        assertFalse(embed.call(Collections.<Row>emptyIterator()).hasNext());
        // the same function on a row does open the (missing) model: the empty case above skipped
        // that
        assertThrows(
                ModelException.class,
                () ->
                        embed.call(
                                List.of(RowFactory.create("item", tmp.resolve("a.jpg").toString()))
                                        .iterator()));
    }
}
