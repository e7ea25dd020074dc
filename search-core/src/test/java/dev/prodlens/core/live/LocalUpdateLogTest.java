package dev.prodlens.core.live;

import static dev.prodlens.core.live.UpdateLogCrashChild.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.ChildJvm;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LocalUpdateLogTest extends UpdateLogContractTest {
    private static final long SEGMENT = 1 << 20;

    @TempDir Path dir;

    /** Segments of a few records each. */
    private static final long SMALL_SEGMENT = 600;

    /** The contract's log: segments of 16 KiB, so that the concurrent appends roll a few. */
    @Override
    UpdateLog open(int maxRecordBytes) {
        return new LocalUpdateLog(dir, 16 * 1024, maxRecordBytes);
    }

    private static LocalUpdateLog open(Path dir) {
        return new LocalUpdateLog(dir, SEGMENT, MAX);
    }

    private static LocalUpdateLog small(Path dir) {
        return new LocalUpdateLog(dir, SMALL_SEGMENT, MAX);
    }

    private static List<Path> segmentFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void rollsSegmentsNamedByTheirFirstPositionAndReadsAcrossThem() throws IOException {
        try (LocalUpdateLog log = small(dir)) {
            fill(log, 40);
            List<Path> files = segmentFiles(dir);
            assertTrue(files.size() > 5, files::toString);
            long expected = 0;
            for (Path file : files) {
                assertEquals(SegmentFormat.fileName(expected), file.getFileName().toString());
                long size = Files.size(file);
                long records = countRecords(file, expected);
                assertTrue(size <= SMALL_SEGMENT || records == 1, file + ": " + size + " bytes");
                expected += records;
            }
            assertEquals(40, expected);
            assertHolds(log, 0);
            assertHolds(log, 23);
        }
        try (LocalUpdateLog log = small(dir)) {
            assertHolds(log, 17);
            fill(log, 45);
            assertHolds(log, 0);
        }
    }

    private static long countRecords(Path file, long first) throws IOException {
        long records = 0;
        try (SegmentReader in = SegmentReader.open(file)) {
            assertEquals(null, in.headerProblem(first));
            for (SegmentReader.Slot s = in.at(SegmentFormat.HEADER_BYTES);
                    s.kind() == SegmentReader.Kind.RECORD;
                    s = in.at(s.next())) {
                records++;
            }
        }
        return records;
    }

    @Test
    void dropBeforeDeletesOnlyWholeSegmentsBelowThePosition() throws IOException {
        try (LocalUpdateLog log = small(dir)) {
            fill(log, 40);
            List<Path> before = segmentFiles(dir);
            log.dropBefore(17);
            long start = log.start();
            assertTrue(start > 0 && start <= 17, "start " + start);
            for (Path file : before) {
                long first = SegmentFormat.firstPosition(file);
                assertEquals(first >= start, Files.exists(file), file.toString());
            }
            // the segment after the start's begins past 17: nothing deletable was kept
            assertTrue(SegmentFormat.firstPosition(segmentFiles(dir).get(1)) > 17);
            assertHolds(log, start);
            UpdateLogException e =
                    assertThrows(UpdateLogException.class, () -> log.read(start - 1, (p, r) -> {}));
            assertTrue(e.getMessage().contains("dropped"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> log.dropBefore(41));
            log.dropBefore(40); // everything but the segment being written
            assertEquals(1, segmentFiles(dir).size());
            fill(log, 42);
            assertHolds(log, log.start());
        }
        try (LocalUpdateLog log = small(dir)) {
            assertEquals(42, log.end());
            assertHolds(log, log.start());
        }
    }

    /** A log of four records in one segment, and the offset where its last record begins. */
    private long fourRecords(Path dir) throws IOException {
        try (LocalUpdateLog log = open(dir)) {
            fill(log, 4);
        }
        return Files.size(segmentFiles(dir).get(0)) - SegmentFormat.recordBytes(payload(3).length);
    }

    private static Path copyOf(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (Path file : segmentFiles(from)) {
            Files.copy(file, to.resolve(file.getFileName()));
        }
        return to.resolve(segmentFiles(from).get(0).getFileName());
    }

    private static void flip(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x5a);
        }
    }

    /** Opening drops the last record and then holds 0..2; the next append gets 3. */
    private static void assertLastRecordDropped(Path dir) {
        try (LocalUpdateLog log = open(dir)) {
            assertEquals(3, log.end());
            assertHolds(log, 0);
            assertEquals(3, log.append(payload(3)));
        }
        try (LocalUpdateLog log = open(dir)) {
            assertHolds(log, 0);
        }
    }

    /** What a test does to a copy of a segment file at one offset. */
    private interface Damage {
        void at(Path file, long offset) throws IOException;
    }

    /**
     * For every byte offset of the last of four records: damages a copy of the log there, then
     * checks that opening it drops that record and nothing else.
     */
    private void assertEveryDamageOfTheLastRecordDropsIt(Damage damage) throws IOException {
        Path pristine = dir.resolve("pristine");
        long last = fourRecords(pristine);
        long size = Files.size(segmentFiles(pristine).get(0));
        for (long at = last; at < size; at++) {
            Path copy = dir.resolve("damaged-" + at);
            damage.at(copyOf(pristine, copy), at);
            assertLastRecordDropped(copy);
        }
    }

    @Test
    void aTornTailIsDroppedAtEveryOffsetOfTheLastRecord() throws IOException {
        assertEveryDamageOfTheLastRecordDropsIt(
                (file, cut) -> {
                    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                        f.setLength(cut);
                    }
                });
    }

    @Test
    void aFlippedByteInTheLastRecordDropsIt() throws IOException {
        assertEveryDamageOfTheLastRecordDropsIt(LocalUpdateLogTest::flip);
    }

    @Test
    void aFlippedByteInAnOlderRecordRefusesToOpen() throws IOException {
        Path pristine = dir.resolve("pristine");
        fourRecords(pristine);
        long second = SegmentFormat.HEADER_BYTES + SegmentFormat.recordBytes(payload(0).length);
        long third = second + SegmentFormat.recordBytes(payload(1).length);
        for (long at = second; at < third; at++) {
            Path copy = dir.resolve("flip-" + at);
            Path file = copyOf(pristine, copy);
            flip(file, at);
            UpdateLogException e = assertThrows(UpdateLogException.class, () -> open(copy));
            assertTrue(
                    e.getMessage().contains(file + " is damaged at byte offset " + second + " "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("restore"), e.getMessage());
        }
    }

    @Test
    void aFlippedByteInAnOlderSegmentRefusesToOpen() throws IOException {
        try (LocalUpdateLog log = small(dir)) {
            fill(log, 20);
        }
        Path older = segmentFiles(dir).get(1);
        flip(older, Files.size(older) - 1); // its last record's last byte
        UpdateLogException e = assertThrows(UpdateLogException.class, () -> small(dir));
        assertTrue(e.getMessage().contains(older + " is damaged"), e.getMessage());
        // the refusal released the lock: once the segment is restored, it opens
        flip(older, Files.size(older) - 1);
        try (LocalUpdateLog log = small(dir)) {
            assertHolds(log, 0);
        }
    }

    @Test
    void aHeaderCutShortInTheLastSegmentIsWrittenAgain() throws IOException {
        try (LocalUpdateLog log = open(dir)) {
            fill(log, 3);
        }
        Files.write(dir.resolve(SegmentFormat.fileName(3)), new byte[] {0x50, 0x4c, 0x55});
        try (LocalUpdateLog log = open(dir)) {
            assertEquals(3, log.end());
            fill(log, 5);
            assertHolds(log, 0);
        }
    }

    @Test
    void aSecondOpenerIsRefused() {
        try (LocalUpdateLog log = open(dir)) {
            fill(log, 2);
            UpdateLogException e = assertThrows(UpdateLogException.class, () -> open(dir));
            assertTrue(e.getMessage().contains("already open"), e.getMessage());
            assertEquals(2, log.append(payload(2)));
        }
        try (LocalUpdateLog log = open(dir)) {
            assertHolds(log, 0);
        }
    }

    /**
     * A child JVM appends and prints each acknowledged position; after a few hundred, SIGKILL.
     * Every acknowledged record must be there, whole, when the log is opened again.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyAcknowledgedRecordSurvivesAKill() throws Exception {
        Path logDir = dir.resolve("log");
        Process child =
                ChildJvm.onThisClasspath(List.of(), UpdateLogCrashChild.class, logDir.toString())
                        .redirectError(dir.resolve("child.err").toFile())
                        .start();
        Set<Long> acknowledged = new HashSet<>();
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; acknowledged.size() < 400 && (line = out.readLine()) != null; ) {
                acknowledged.add(Long.parseLong(line.substring("ack ".length())));
                if (acknowledged.size() == 1) {
                    // the lock holds across processes too
                    assertThrows(UpdateLogException.class, () -> open(logDir));
                }
            }
        } finally {
            // SIGKILL; what it acknowledged after the last line read here is not checked
            child.destroyForcibly();
            child.waitFor();
        }
        assertTrue(acknowledged.size() >= 400, () -> "the child stopped early: " + childErr());
        long highest = acknowledged.stream().mapToLong(Long::longValue).max().orElseThrow();
        try (LocalUpdateLog log =
                new LocalUpdateLog(
                        logDir,
                        UpdateLogCrashChild.SEGMENT_BYTES,
                        UpdateLogCrashChild.MAX_RECORD_BYTES)) {
            assertTrue(log.end() > highest, "end " + log.end() + ", acknowledged " + highest);
            assertHolds(log, 0); // every acknowledged position, and whatever else was whole
            long next = log.end();
            assertEquals(next, log.append(payload(next)));
        }
    }

    private String childErr() {
        try {
            return Files.readString(dir.resolve("child.err"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
