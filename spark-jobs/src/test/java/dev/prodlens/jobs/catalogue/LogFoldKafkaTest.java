package dev.prodlens.jobs.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.live.KafkaBroker;
import dev.prodlens.core.live.KafkaUpdateLog;
import dev.prodlens.core.live.Update;
import dev.prodlens.core.live.UpdateCodec;
import dev.prodlens.core.live.UpdateLogs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * reindex reads a Kafka update log ({@code live.log=kafka}) with the jobs' classpath: kafka-clients
 * beside Spark's own compression jars, on a real KRaft broker.
 */
class LogFoldKafkaTest {
    @Test
    void foldsAKafkaLogWhileItsWriterHoldsItOpen() {
        try (KafkaBroker broker = KafkaBroker.start()) {
            Config config =
                    Config.of(
                            Map.of(
                                    "live.log", "kafka",
                                    "live.kafka.servers", broker.bootstrapServers(),
                                    "live.kafka.topic", "fold"));
            assertEquals(-1, LogFold.read(config, Path.of(".")).position());
            try (KafkaUpdateLog log =
                    new KafkaUpdateLog(
                            broker.bootstrapServers(),
                            "fold",
                            UpdateLogs.MAX_RECORD_BYTES,
                            Duration.ofSeconds(30),
                            1,
                            1)) {
                log.appendAll(
                        List.of(
                                UpdateCodec.encode(new Update.Delete("a")),
                                UpdateCodec.encode(
                                        new Update.MetadataChange("b", Map.of("title", "x"))),
                                UpdateCodec.encode(new Update.Delete("b"))));
                LogFold fold = LogFold.read(config, Path.of("."));
                assertEquals(
                        new BundleManifest.Live("kafka:" + broker.bootstrapServers() + "/fold", 2),
                        fold.manifestEntry());
                assertEquals(2, fold.touched());
            }
        }
    }
}
