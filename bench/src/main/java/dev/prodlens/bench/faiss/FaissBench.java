package dev.prodlens.bench.faiss;

import dev.prodlens.core.faiss.Faiss;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The Java half of bench/faiss.sh: builds one index through our binding, writes it, reads it back
 * and measures batch QPS and recall@k over a parameter sweep, then single-query latency. Results
 * are JSON lines (one per measurement) that bench/faiss_report.py joins with the Python half.
 *
 * <pre>FaissBench build|search DATA_DIR OUT_DIR NAME FACTORY TRAIN_ROWS AXIS...</pre>
 *
 * "build" builds OUT_DIR/NAME.index first (timed); "search" measures the one already there, so
 * every engine searches the very same index. The engine label is "java" with Debian's generic
 * distance kernels and "java-avx2" with the AVX2 ones ({@code -Dprodlens.faiss.simd}); results go
 * to NAME.ENGINE.jsonl. {@code -Dbench.latencyParams=...} fixes the single-query setting (default:
 * the first setting of the sweep reaching recall 0.95); {@code -Dbench.buildParams=...} is set on
 * the new index before training (e.g. efConstruction=128). AXIS is a ParameterSpace name with
 * '/'-separated values (efSearch=16/32/64); several axes are swept as their cartesian product.
 * Timing: one warm-up run per setting, then the median of BENCH_REPEATS (default 5) runs.
 */
public final class FaissBench {
    private static final double LATENCY_RECALL = 0.95;

    private final Dataset data;
    private final PrintStream out;
    private final String name;
    private final String engine;
    private final int repeats;

    private FaissBench(Dataset data, PrintStream out, String name, String engine, int repeats) {
        this.data = data;
        this.out = out;
        this.name = name;
        this.engine = engine;
        this.repeats = repeats;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 7 || !(args[0].equals("build") || args[0].equals("search"))) {
            System.err.println(
                    "usage: FaissBench build|search DATA_DIR OUT_DIR NAME FACTORY "
                            + "TRAIN_ROWS AXIS...");
            System.exit(2);
        }
        Dataset data = Dataset.load(Path.of(args[1]));
        Path outDir = Files.createDirectories(Path.of(args[2]));
        String name = args[3];
        int repeats = Integer.parseInt(System.getenv().getOrDefault("BENCH_REPEATS", "5"));
        List<String> settings = Sweep.settings(Arrays.copyOfRange(args, 6, args.length));
        String level = Faiss.simdLevel();
        String engine = level.equals("generic") ? "java" : "java-" + level;
        Path indexFile = outDir.resolve(name + ".index");
        Path results = outDir.resolve(name + "." + engine + ".jsonl");
        try (PrintStream out = new PrintStream(Files.newOutputStream(results), true)) {
            FaissBench bench = new FaissBench(data, out, name, engine, repeats);
            if (args[0].equals("build")) {
                bench.build(args[4], Integer.parseInt(args[5]), indexFile);
            }
            try (FaissIndex index = FaissIndex.read(indexFile)) {
                String latencySetting = bench.sweep(index, settings);
                bench.singleQueryLatency(
                        index, System.getProperty("bench.latencyParams", latencySetting));
            }
            bench.bindingOverhead();
        }
    }

    private void build(String factory, int trainRows, Path indexFile) {
        long t0 = System.nanoTime();
        String buildParams = System.getProperty("bench.buildParams", "");
        try (FaissIndex index = FaissIndex.create(data.d(), factory, Metric.INNER_PRODUCT)) {
            if (!buildParams.isEmpty()) {
                index.setSearchParameters(buildParams);
            }
            if (!index.isTrained()) {
                index.train(data.baseRows(Math.min(trainRows, data.n())));
            }
            long t1 = System.nanoTime();
            LongBuffer ids =
                    ByteBuffer.allocateDirect(data.n() * Long.BYTES)
                            .order(ByteOrder.nativeOrder())
                            .asLongBuffer();
            for (long i = 0; i < data.n(); i++) {
                ids.put(i);
            }
            index.add(data.base(), ids.flip());
            long t2 = System.nanoTime();
            index.write(indexFile);
            emit(
                    "build",
                    "factory",
                    factory + (buildParams.isEmpty() ? "" : " " + buildParams),
                    "train_s",
                    sec(t1 - t0),
                    "add_s",
                    sec(t2 - t1),
                    "build_s",
                    sec(t2 - t0),
                    "memory_bytes",
                    index.memoryUsageBytes(),
                    "file_bytes",
                    indexFile.toFile().length(),
                    "n",
                    data.n(),
                    "d",
                    data.d());
        }
    }

    /** Batch QPS and recall for each setting; returns the setting used for the latency test. */
    private String sweep(FaissIndex index, List<String> settings) {
        String latencySetting = null;
        double bestRecall = -1;
        String bestSetting = null;
        for (String setting : settings) {
            SearchOptions options = SearchOptions.parse(setting);
            SearchResult result = index.search(data.queries(), data.k(), options); // warm-up
            long[] times = new long[repeats];
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                result = index.search(data.queries(), data.k(), options);
                times[r] = System.nanoTime() - t0;
            }
            double recall = data.recall(result.rawIds());
            emit(
                    "batch",
                    "params",
                    setting,
                    "recall",
                    recall,
                    "qps",
                    data.nq() / (median(times) / 1e9),
                    "nq",
                    data.nq());
            if (latencySetting == null && recall >= LATENCY_RECALL) {
                latencySetting = setting;
            }
            if (recall > bestRecall) {
                bestRecall = recall;
                bestSetting = setting;
            }
        }
        return latencySetting != null ? latencySetting : bestSetting;
    }

    /** One query per call on one thread, as the search service's batcher at low load sends them. */
    private void singleQueryLatency(FaissIndex index, String setting) {
        SearchOptions options = SearchOptions.parse(setting).withThreads(1);
        float[][] queries = new float[data.nq()][];
        for (int i = 0; i < data.nq(); i++) {
            queries[i] = data.query(i);
        }
        long[] times = timeEach(queries, q -> index.search(q, data.k(), options));
        emit(
                "single",
                "params",
                setting,
                "p50_us",
                percentile(times, 50) / 1e3,
                "p99_us",
                percentile(times, 99) / 1e3);
    }

    /**
     * The fixed cost of one call: a 16-vector flat index makes Faiss's own work negligible, so Java
     * minus Python here is what the binding adds per call.
     */
    private void bindingOverhead() {
        try (FaissIndex tiny = FaissIndex.create(data.d(), "Flat", Metric.INNER_PRODUCT)) {
            float[] vectors = data.baseRows(16);
            long[] ids = new long[16];
            Arrays.setAll(ids, i -> i);
            tiny.add(vectors, ids);
            SearchOptions options = SearchOptions.DEFAULT.withThreads(1);
            float[][] queries = new float[20_000][];
            for (int i = 0; i < queries.length; i++) {
                queries[i] = data.query(i % data.nq());
            }
            long[] times = timeEach(queries, q -> tiny.search(q, data.k(), options));
            emit(
                    "overhead",
                    "p50_us",
                    percentile(times, 50) / 1e3,
                    "p99_us",
                    percentile(times, 99) / 1e3);
        }
    }

    private interface Call {
        void run(float[] query);
    }

    /** Times each call after a warm-up pass over a fifth of the queries (JIT, caches). */
    private static long[] timeEach(float[][] queries, Call call) {
        for (int i = 0; i < queries.length / 5; i++) {
            call.run(queries[i]);
        }
        long[] times = new long[queries.length];
        for (int i = 0; i < queries.length; i++) {
            long t0 = System.nanoTime();
            call.run(queries[i]);
            times[i] = System.nanoTime() - t0;
        }
        return times;
    }

    private void emit(String kind, Object... fields) {
        List<String> parts = new ArrayList<>();
        parts.add("\"engine\": \"" + engine + "\"");
        parts.add("\"index\": \"" + name + "\"");
        parts.add("\"kind\": \"" + kind + "\"");
        for (int i = 0; i < fields.length; i += 2) {
            Object v = fields[i + 1];
            String value =
                    v instanceof String s
                            ? "\"" + s + "\""
                            : v instanceof Double x
                                    ? String.format(Locale.ROOT, "%.6g", x)
                                    : v.toString();
            parts.add("\"" + fields[i] + "\": " + value);
        }
        out.println("{" + String.join(", ", parts) + "}");
    }

    private static double sec(long nanos) {
        return nanos / 1e9;
    }

    private static double median(long[] values) {
        return percentile(values, 50);
    }

    private static double percentile(long[] values, int p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }
}
