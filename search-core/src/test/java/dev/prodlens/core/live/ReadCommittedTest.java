package dev.prodlens.core.live;

import static dev.prodlens.core.live.UpdateLogContractTest.MAX;
import static dev.prodlens.core.live.UpdateLogContractTest.fill;
import static dev.prodlens.core.live.UpdateLogCrashChild.payload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.config.Config;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link LocalUpdateLog#readCommitted}: reindex's read of a log another process may hold open. */
class ReadCommittedTest {
    @TempDir Path dir;

    /** Reads {@code dir}, checking every record is the payload of its position, in order. */
    private static long readAll(Path dir, List<Long> positions) {
        return LocalUpdateLog.readCommitted(
                dir,
                (position, record) -> {
                    positions.add(position);
                    assertArrayEquals(payload(position), record, "record " + position);
                });
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long p = from; p < to; p++) out.add(p);
        return out;
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void readsEverySegmentWhileTheWriterHoldsTheLogOpenAndAppends() {
        try (LocalUpdateLog log = new LocalUpdateLog(dir, 600, MAX)) {
            fill(log, 30);
            List<Long> positions = new ArrayList<>();
            assertEquals(30, readAll(dir, positions));
            assertEquals(range(0, 30), positions);
            fill(log, 41);
            positions.clear();
            assertEquals(41, readAll(dir, positions));
            assertEquals(range(0, 41), positions);
            // the writer goes on: nothing was locked or changed
            assertEquals(41, log.append(payload(41)));
        }
    }

    @Test
    void aRecordCutShortAtTheEndIsAnAppendUnderWayNotDeliveredAndLeftAsItIs() throws IOException {
        try (LocalUpdateLog log = new LocalUpdateLog(dir, 1 << 20, MAX)) {
            fill(log, 4);
        }
        Path file = segments(dir).get(0);
        long whole = Files.size(file);
        long lastStart = whole - SegmentFormat.recordBytes(payload(3).length);
        for (long cut = lastStart; cut < whole; cut += 7) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(cut);
            }
            List<Long> positions = new ArrayList<>();
            assertEquals(3, readAll(dir, positions), "cut at " + cut);
            assertEquals(range(0, 3), positions);
            assertEquals(cut, Files.size(file), "the reader truncated nothing");
        }
    }

    @Test
    void damageBeforeTheEndIsRefused() throws IOException {
        try (LocalUpdateLog log = new LocalUpdateLog(dir, 600, MAX)) {
            fill(log, 20);
        }
        Path older = segments(dir).get(1);
        try (RandomAccessFile f = new RandomAccessFile(older.toFile(), "rw")) {
            long at = Files.size(older) - 1;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5a);
        }
        UpdateLogException e =
                assertThrows(UpdateLogException.class, () -> readAll(dir, new ArrayList<>()));
        assertTrue(e.getMessage().contains(older + " is damaged"), e.getMessage());
    }

    @Test
    void aMissingDirectoryOrOneWithoutSegmentsHoldsNothing() throws IOException {
        assertEquals(0, readAll(dir.resolve("absent"), new ArrayList<>()));
        Files.createDirectories(dir.resolve("empty"));
        assertEquals(0, readAll(dir.resolve("empty"), new ArrayList<>()));
    }

    @Test
    void updateLogsReadsTheConfiguredLocalLogAndGivesTheLastPosition() {
        Config config = Config.of(Map.of("live.log", "local", "live.dir", dir.toString()));
        assertEquals(-1, UpdateLogs.readCommitted(config, dir, (p, r) -> {}));
        try (LocalUpdateLog log = new LocalUpdateLog(dir, 1 << 20, MAX)) {
            assertEquals(-1, UpdateLogs.readCommitted(config, dir, (p, r) -> {}));
            fill(log, 5);
            List<Long> positions = new ArrayList<>();
            assertEquals(4, UpdateLogs.readCommitted(config, dir, (p, r) -> positions.add(p)));
            assertEquals(range(0, 5), positions);
        }
        Config off = Config.of(Map.of("live.log", "off", "live.dir", dir.toString()));
        assertEquals(-1, UpdateLogs.readCommitted(off, dir, (p, r) -> {}));
    }
}
