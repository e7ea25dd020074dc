package dev.prodlens.core.live;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The child JVM of {@link LocalUpdateLogTest}'s crash test: appends records to the log in the
 * directory given, forever, one at a time and in batches, and prints {@code ack <position>} for
 * each position once its append returned, until it is killed.
 */
public final class UpdateLogCrashChild {
    static final long SEGMENT_BYTES = 4096;
    static final int MAX_RECORD_BYTES = 1024;

    private UpdateLogCrashChild() {}

    /** The payload of the record at a position: what the tests append and check. */
    static byte[] payload(long position) {
        byte[] bytes = new byte[(int) (position * 37 % 301)];
        new Random(position).nextBytes(bytes);
        return bytes;
    }

    public static void main(String[] args) {
        try (LocalUpdateLog log =
                new LocalUpdateLog(Path.of(args[0]), SEGMENT_BYTES, MAX_RECORD_BYTES)) {
            for (int round = 0; ; round++) {
                long first = log.end(); // the only writer: the next positions are known
                int count = round % 4 + 1;
                List<byte[]> records = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    records.add(payload(first + i));
                }
                List<Long> positions =
                        count == 1 ? List.of(log.append(records.get(0))) : log.appendAll(records);
                for (int i = 0; i < count; i++) {
                    if (positions.get(i) != first + i) {
                        throw new AssertionError(
                                "got position " + positions.get(i) + ", not " + (first + i));
                    }
                    System.out.println("ack " + positions.get(i));
                }
                System.out.flush();
            }
        }
    }
}
