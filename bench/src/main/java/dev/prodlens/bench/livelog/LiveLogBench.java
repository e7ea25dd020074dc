package dev.prodlens.bench.livelog;

import dev.prodlens.core.live.KafkaBroker;
import dev.prodlens.core.live.KafkaUpdateLog;
import dev.prodlens.core.live.LocalUpdateLog;
import dev.prodlens.core.live.Update;
import dev.prodlens.core.live.UpdateCodec;
import dev.prodlens.core.live.UpdateLog;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The update log's own numbers (issue 17, the log layer only: no embedding, no HTTP): the two
 * {@link UpdateLog} backends side by side in one JVM, on encoded upserts of a realistic size (a
 * 1,280-d vector and ten fields, about 5.3 KB). {@link LocalUpdateLog} writes into a directory on
 * the disk the script names; {@link KafkaUpdateLog} talks to one KRaft broker ({@link KafkaBroker})
 * started in this process. Each round opens a fresh log per backend (local, then Kafka) and
 * measures: one writer appending, each append timed; eight writers appending at once (the local
 * log's group commit); {@code appendAll} of 64 records; reading everything back from position 0.
 * Rates, p50 and p99 are medians over the rounds. A table, then one summary line.
 */
public final class LiveLogBench {
    private static final int MAX_RECORD_BYTES = 1 << 20;
    private static final int WRITERS = 8;
    private static final int BATCH = 64;
    private static final String[] CASES = {
        "append, 1 writer",
        "append, " + WRITERS + " writers",
        "appendAll of " + BATCH,
        "read from 0"
    };

    private LiveLogBench() {}

    /** One case of one round: a rate, and ack latencies where each call was timed (else NaN). */
    private record Result(double rate, double p50Ms, double p99Ms) {}

    /** A backend: its name and how a round opens a fresh log on it. */
    private record Backend(String name, Function<String, UpdateLog> open) {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        Path dir = Path.of(args[1]);
        int single = Integer.parseInt(args[2]);
        int perWriter = Integer.parseInt(args[3]);
        int batches = Integer.parseInt(args[4]);
        List<byte[]> records = records(256);
        System.out.printf(
                Locale.ROOT,
                "record: an encoded Upsert of %d bytes (1280-d vector, 10 fields); %d rounds of:"
                        + " %d appends by 1 writer, %d x %d by %d writers, %d x appendAll of %d,"
                        + " reading all back%n",
                records.get(0).length,
                rounds,
                single,
                WRITERS,
                perWriter,
                WRITERS,
                batches,
                BATCH);
        try (KafkaBroker broker = KafkaBroker.start()) {
            List<Backend> backends =
                    List.of(
                            new Backend(
                                    "local",
                                    tag ->
                                            new LocalUpdateLog(
                                                    dir.resolve("local-" + tag),
                                                    64L << 20,
                                                    MAX_RECORD_BYTES)),
                            new Backend(
                                    "kafka",
                                    tag ->
                                            new KafkaUpdateLog(
                                                    broker.bootstrapServers(),
                                                    "live-log-bench-" + tag,
                                                    MAX_RECORD_BYTES,
                                                    Duration.ofSeconds(30),
                                                    1,
                                                    1)));
            Map<String, List<Result[]>> results = new LinkedHashMap<>();
            for (Backend backend : backends) {
                // warm up: classes, JIT, the producer's connection and the broker's first segment
                try (UpdateLog log = backend.open().apply("warmup")) {
                    runRound(log, records, single / 4, perWriter / 4, batches / 4);
                }
                results.put(backend.name(), new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                for (Backend backend : backends) {
                    try (UpdateLog log = backend.open().apply("round" + round)) {
                        results.get(backend.name())
                                .add(runRound(log, records, single, perWriter, batches));
                    }
                }
            }
            print(results);
        }
    }

    /** The four cases on one fresh log. */
    private static Result[] runRound(
            UpdateLog log, List<byte[]> records, int single, int perWriter, int batches)
            throws Exception {
        Result one = appends(log, records, 1, single);
        Result many = appends(log, records, WRITERS, perWriter);
        long start = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            int from = (b * BATCH) % (records.size() - BATCH);
            log.appendAll(records.subList(from, from + BATCH));
        }
        Result all = new Result(batches * BATCH / seconds(start), Double.NaN, Double.NaN);
        long[] count = {0};
        long expected = log.end();
        start = System.nanoTime();
        log.read(0, (position, record) -> count[0]++);
        double readSeconds = seconds(start);
        if (count[0] != expected) {
            throw new IllegalStateException("read " + count[0] + " records of " + expected);
        }
        return new Result[] {
            one, many, all, new Result(count[0] / readSeconds, Double.NaN, Double.NaN)
        };
    }

    /** {@code writers} threads each append {@code each} records, every append timed. */
    private static Result appends(UpdateLog log, List<byte[]> records, int writers, int each)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            long start = System.nanoTime();
            List<Future<long[]>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int offset = w * 31;
                futures.add(
                        pool.submit(
                                () -> {
                                    long[] latencies = new long[each];
                                    for (int i = 0; i < each; i++) {
                                        byte[] record = records.get((offset + i) % records.size());
                                        long t = System.nanoTime();
                                        log.append(record);
                                        latencies[i] = System.nanoTime() - t;
                                    }
                                    return latencies;
                                }));
            }
            long[] all = new long[writers * each];
            for (int w = 0; w < writers; w++) {
                System.arraycopy(futures.get(w).get(), 0, all, w * each, each);
            }
            double elapsed = seconds(start);
            Arrays.sort(all);
            return new Result(all.length / elapsed, ms(all, 50), ms(all, 99));
        } finally {
            pool.shutdown();
        }
    }

    private static void print(Map<String, List<Result[]>> results) {
        System.out.printf(
                Locale.ROOT,
                "%n%-7s  %-18s  %12s  %9s  %9s%n",
                "backend",
                "case",
                "records/s",
                "p50 ms",
                "p99 ms");
        Map<String, Result> medians = new HashMap<>();
        for (Map.Entry<String, List<Result[]>> backend : results.entrySet()) {
            for (int c = 0; c < CASES.length; c++) {
                int index = c;
                List<Result> runs = backend.getValue().stream().map(r -> r[index]).toList();
                Result median =
                        new Result(
                                median(runs.stream().mapToDouble(Result::rate).toArray()),
                                median(runs.stream().mapToDouble(Result::p50Ms).toArray()),
                                median(runs.stream().mapToDouble(Result::p99Ms).toArray()));
                medians.put(backend.getKey() + c, median);
                System.out.printf(
                        Locale.ROOT,
                        "%-7s  %-18s  %12.0f  %9s  %9s%n",
                        backend.getKey(),
                        CASES[c],
                        median.rate(),
                        format(median.p50Ms()),
                        format(median.p99Ms()));
            }
        }
        System.out.printf(
                Locale.ROOT,
                "%nlive-log: local_append_s=%.0f local_ack_p99_ms=%.2f local_8w_append_s=%.0f"
                        + " kafka_append_s=%.0f kafka_ack_p99_ms=%.2f kafka_8w_append_s=%.0f%n",
                medians.get("local0").rate(),
                medians.get("local0").p99Ms(),
                medians.get("local1").rate(),
                medians.get("kafka0").rate(),
                medians.get("kafka0").p99Ms(),
                medians.get("kafka1").rate());
    }

    /** Encoded upserts of distinct items: a random unit 1,280-d vector and ten catalogue fields. */
    private static List<byte[]> records(int count) {
        Random random = new Random(17);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[] vector = new float[1280];
            double norm = 0;
            for (int d = 0; d < vector.length; d++) {
                vector[d] = (float) random.nextGaussian();
                norm += vector[d] * vector[d];
            }
            for (int d = 0; d < vector.length; d++) vector[d] /= (float) Math.sqrt(norm);
            Map<String, String> fields = new HashMap<>();
            fields.put("title", "Cotton crew-neck T-shirt, regular fit, item " + i);
            fields.put("category", "apparel/tops/t-shirts");
            fields.put("brand", "Northwind Basics");
            fields.put(
                    "price", String.format(Locale.ROOT, "%.2f", 5 + random.nextInt(9500) / 100.0));
            fields.put("currency", "EUR");
            fields.put("colour", "navy");
            fields.put("size", "M");
            fields.put("label_group", Integer.toString(random.nextInt(1_000_000)));
            fields.put("stock", Integer.toString(random.nextInt(500)));
            fields.put("updated_at", "2025-06-0" + (1 + i % 9) + "T12:00:00Z");
            String sha = String.format(Locale.ROOT, "%064x", new BigInteger(256, random));
            records.add(
                    UpdateCodec.encode(
                            new Update.Upsert(
                                    String.format(Locale.ROOT, "item-%08d", i),
                                    fields,
                                    "live/images/" + sha.substring(0, 2) + "/" + sha + ".jpg",
                                    sha,
                                    "mobilenetv3-large-100:sha256:" + sha.substring(0, 16),
                                    vector)));
        }
        return records;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** The p-th percentile of sorted nanoseconds, in milliseconds. */
    private static double ms(long[] sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String format(double ms) {
        return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.2f", ms);
    }
}
