package dev.prodlens.jobs.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.live.LocalUpdateLog;
import dev.prodlens.core.live.Update;
import dev.prodlens.core.live.UpdateCodec;
import dev.prodlens.core.live.UpdateLogs;
import dev.prodlens.jobs.JobException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the update log for reindex, without Spark (the fold itself: LiveFoldReindexTest). */
class LogFoldTest {
    @TempDir Path dir;

    private Config config(String log) {
        return Config.of(Map.of("live.log", log, "live.dir", dir.resolve("updates").toString()));
    }

    private static LocalUpdateLog open(Path dir) {
        return new LocalUpdateLog(dir, 1 << 20, UpdateLogs.MAX_RECORD_BYTES);
    }

    @Test
    void offReadsNothingAndTheManifestRecordsNoLog() {
        LogFold fold = LogFold.read(config("off"), dir);
        assertFalse(fold.enabled());
        assertNull(fold.manifestEntry());
    }

    @Test
    void aLogNotCreatedYetIsEmpty() {
        LogFold fold = LogFold.read(config("local"), dir);
        assertEquals(
                new BundleManifest.Live("local:" + dir.resolve("updates"), -1),
                fold.manifestEntry());
        assertEquals(0, fold.touched());
    }

    @Test
    void keepsTheLatestStateOfEachTouchedItem() {
        try (LocalUpdateLog log = open(dir.resolve("updates"))) {
            log.append(UpdateCodec.encode(new Update.Delete("a")));
            log.append(UpdateCodec.encode(new Update.MetadataChange("b", Map.of("title", "x"))));
            log.append(UpdateCodec.encode(new Update.Delete("a")));
            LogFold fold = LogFold.read(config("local"), dir);
            assertEquals(2, fold.touched());
            assertEquals(2, fold.position());
        }
    }

    @Test
    void aRecordThatIsNotAnUpdateFailsTheReindexInOneLine() {
        try (LocalUpdateLog log = open(dir.resolve("updates"))) {
            log.append(UpdateCodec.encode(new Update.Delete("a")));
            log.append(new byte[] {9, 9, 9});
        }
        JobException e = assertThrows(JobException.class, () -> LogFold.read(config("local"), dir));
        assertTrue(e.getMessage().contains("position 1"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
