package dev.prodlens.bench.sizing;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.index.IndexPlan;
import dev.prodlens.jobs.index.IndexPlanner;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/**
 * bench/sizing.sh's driver: memory per vector of each index type the product builds, measured.
 *
 * <p>The index types are the ones build-index's {@code auto} plan picks ({@link IndexPlanner}, its
 * own constants: lists, training sample, PQ size), obtained by giving the planner the thresholds or
 * the memory budget per vector that select each tier at the sample's N; they are created by {@link
 * FaissIndex#create} (which wraps types without ids in an IndexIDMap2, as the job does) with the
 * job's metric. Each index is built in a fresh JVM ({@code build}) and read back from its file in
 * another fresh JVM ({@code load}: what the search service holds), so that one type's freed native
 * memory cannot hide in the next one's RSS. The child JVMs have a fixed, pre-touched heap (-Xms =
 * -Xmx, AlwaysPreTouch, Serial GC) so RSS growth is native memory, not the Java heap moving.
 *
 * <p>Modes: {@code run OUT_DIR N HNSW_N DIM|auto TYPES EMBEDDER(0|1)} (the parent: forks the
 * others, prints the table, writes OUT_DIR/report.txt); {@code build NAME FACTORY N DIM TRAIN
 * FILE}; {@code load FILE DIM}; {@code embedder}.
 */
public final class SizingBench {
    private static final Path CONF = Path.of("conf/prodlens.properties");
    private static final int DEFAULT_DIM = 1280;
    private static final long SEED = 20240611L;
    private static final int CENTRES = 1_000;
    private static final double SPREAD = 0.5;
    private static final double MIB = 1024.0 * 1024.0;
    private static final double GIB = MIB * 1024.0;

    /** Index types in table order: name → how the planner is steered to it. */
    static final List<String> TYPES =
            List.of("flat", "hnsw32", "ivf-flat", "ivf-sqfp16", "ivf-sq8", "ivf-pq");

    private SizingBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "run" ->
                    run(
                            Path.of(args[1]),
                            Integer.parseInt(args[2]),
                            Integer.parseInt(args[3]),
                            args[4],
                            List.of(args[5].trim().split("[\\s,]+")),
                            args[6].equals("1"));
            case "build" ->
                    build(
                            args[1],
                            args[2],
                            Integer.parseInt(args[3]),
                            Integer.parseInt(args[4]),
                            Integer.parseInt(args[5]),
                            Path.of(args[6]));
            case "load" -> load(Path.of(args[1]), Integer.parseInt(args[2]));
            case "embedder" -> embedder();
            default -> throw new IllegalArgumentException("mode " + args[0]);
        }
    }

    // ------------------------------------------------------------------------------------------
    // parent

    private record Row(
            String name,
            IndexPlan plan,
            int n,
            Map<String, String> built,
            Map<String, String> loaded) {
        double v(Map<String, String> m, String key) {
            return Double.parseDouble(m.get(key));
        }
    }

    private static void run(
            Path out, int n, int hnswN, String dimArg, List<String> types, boolean withEmbedder)
            throws Exception {
        Config config = Config.load(CONF);
        IndexPlanner configured = IndexPlanner.from(config);
        int trainMax = config.get(ConfigKeys.INDEX_TRAIN_MAX);
        int dim = dimArg.equals("auto") ? modelDim(config) : Integer.parseInt(dimArg);
        Files.createDirectories(out);
        System.err.printf(
                Locale.ROOT, "sizing: d=%d, N=%,d (HNSW %,d), types %s%n", dim, n, hnswN, types);

        List<Row> rows = new ArrayList<>();
        for (String type : types) {
            int rowsN = type.equals("hnsw32") ? hnswN : n;
            IndexPlan plan = steer(type, rowsN, dim, trainMax).plan(rowsN, dim);
            Path file = out.resolve(type + ".index");
            System.err.printf(
                    Locale.ROOT,
                    "== %s: %s on %,d x %d, train %,d%n",
                    type,
                    plan.factory(),
                    rowsN,
                    dim,
                    plan.trainVectors());
            long data =
                    (long) rowsN * dim * Float.BYTES
                            + (long) plan.trainVectors() * dim * Float.BYTES;
            long heap = data * 3 / 2 + (256L << 20);
            Map<String, String> built =
                    child(
                            heap,
                            "build",
                            type,
                            buildFactory(plan),
                            Integer.toString(rowsN),
                            Integer.toString(dim),
                            Integer.toString(plan.trainVectors()),
                            file.toString());
            Map<String, String> loaded =
                    child(256L << 20, "load", file.toString(), Integer.toString(dim));
            Files.deleteIfExists(file);
            rows.add(new Row(type, plan, rowsN, built, loaded));
        }
        Map<String, String> emb = null;
        if (withEmbedder) {
            System.err.println(
                    "== embedder: "
                            + config.get(ConfigKeys.MODEL_ID)
                            + " on "
                            + config.get(ConfigKeys.MODEL_ENGINE));
            try {
                emb = child(512L << 20, "embedder");
            } catch (RuntimeException e) {
                System.err.println("embedder measurement failed: " + e.getMessage());
            }
        }
        String report = report(rows, emb, configured, dim, config);
        System.out.print(report);
        Files.writeString(out.resolve("report.txt"), report, StandardCharsets.UTF_8);
    }

    /**
     * A planner whose {@code auto} choice at N vectors is the given tier: Flat and HNSW by their
     * thresholds, the IVF encodings by the memory budget per vector at which the planner switches
     * to them (the PQ size is then the planner's own choice just below the SQ8 tier: the first PQ
     * the job builds as a catalogue outgrows index.memory-budget-mb).
     */
    static IndexPlanner steer(String type, long n, int dim, int trainMax) {
        long big = Long.MAX_VALUE / 4;
        return switch (type) {
            case "flat" -> new IndexPlanner("auto", big, big, big, trainMax);
            case "hnsw32" -> new IndexPlanner("auto", 0, big, big, trainMax);
            case "ivf-flat" -> new IndexPlanner("auto", 0, 0, n * (4L * dim + 8), trainMax);
            case "ivf-sqfp16" -> new IndexPlanner("auto", 0, 0, n * (2L * dim + 8), trainMax);
            case "ivf-sq8" -> new IndexPlanner("auto", 0, 0, n * (dim + 8L), trainMax);
            case "ivf-pq" -> new IndexPlanner("auto", 0, 0, n * (dim + 7L), trainMax);
            default ->
                    throw new IllegalArgumentException("index type " + type + "; one of " + TYPES);
        };
    }

    /**
     * The factory as built here: the planner's, with "np" added to a plain IVF-PQ. Faiss's
     * index_factory trains polysemous codes for "PQ&lt;m&gt;" without "np" (a permutation of every
     * sub-quantiser's centroids, for Hamming pre-filtering, which the product's searches never
     * use): for PQ320 that ran past 11 CPU-minutes on a 2,560-vector sample before it was stopped.
     * The codes, and so the memory, are the same size either way.
     */
    static String buildFactory(IndexPlan plan) {
        return plan.factory().matches(".*,PQ\\d+(x\\d+)?") ? plan.factory() + "np" : plan.factory();
    }

    private static int modelDim(Config config) {
        try {
            return ModelCard.read(
                            EmbedderConfig.from(config, Path.of("").toAbsolutePath()).modelDir())
                    .dim();
        } catch (RuntimeException e) {
            System.err.println("no model card (" + e.getMessage() + "): d = " + DEFAULT_DIM);
            return DEFAULT_DIM;
        }
    }

    /**
     * Runs a mode in a fresh JVM with a fixed pre-touched heap; its "RESULT k=v ..." line as a map.
     */
    private static Map<String, String> child(long heapBytes, String... args)
            throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        long heapMb = (heapBytes >> 20) + 1;
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                java,
                                "-Xms" + heapMb + "m",
                                "-Xmx" + heapMb + "m",
                                "-XX:+AlwaysPreTouch",
                                "-XX:+UseSerialGC",
                                "-Djava.awt.headless=true",
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                                "-cp",
                                System.getProperty("java.class.path"),
                                SizingBench.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Map<String, String> result = null;
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) result = parse(line.substring(7));
                else System.err.println(line);
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || result == null)
            throw new IllegalStateException(args[0] + " child failed (exit " + rc + ")");
        return result;
    }

    private static Map<String, String> parse(String line) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : line.trim().split(" ")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    private static String report(
            List<Row> rows,
            Map<String, String> emb,
            IndexPlanner configured,
            int dim,
            Config config) {
        StringBuilder s = new StringBuilder();
        s.append(
                String.format(
                        Locale.ROOT,
                        "%nmemory per vector, d=%d, inner product, as build-index makes them "
                                + "(FaissIndex.create wrapping, IndexPlanner's lists / training sample / PQ size)%n",
                        dim));
        String head = "%-11s %-15s %-26s %8s %8s %8s %9s %9s %8s %9s %9s %9s %10s  %s%n";
        s.append(
                String.format(
                        Locale.ROOT,
                        head,
                        "index",
                        "factory",
                        "faiss structure",
                        "N",
                        "train s",
                        "build s",
                        "mem B/v",
                        "file B/v",
                        "fixed MB",
                        "GiB/M",
                        "RSS blt",
                        "RSS svc",
                        "+lookup",
                        "auto picks it for N in"));
        s.append(
                String.format(
                        Locale.ROOT,
                        head,
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "",
                        "(marg.)",
                        "B/v",
                        "B/v",
                        "B/v",
                        "(" + CONF + ")"));
        Map<String, String> ranges = autoRanges(configured, dim);
        Map<String, Double> summary = new LinkedHashMap<>();
        for (Row r : rows) {
            Map<String, String> b = r.built();
            Map<String, String> l = r.loaded();
            double n = r.n();
            double mem = r.v(b, "mem_bytes");
            double fixed = r.v(b, "fixed_bytes");
            double marginal = (mem - fixed) / n;
            double svc = r.v(l, "rss_load_bytes") / n;
            summary.put(r.name().replace('-', '_'), svc * 1e6 / GIB);
            String category = category(r.plan().factory());
            s.append(
                    String.format(
                            Locale.ROOT,
                            "%-11s %-15s %-26s %,8d %8.1f %8.1f %9.1f %9.1f %8.2f %9.3f %9.1f %9.1f %10.1f  %s%n",
                            r.name(),
                            r.plan().factory(),
                            b.get("structure"),
                            r.n(),
                            r.v(b, "train_s"),
                            r.v(b, "build_s"),
                            mem / n,
                            r.v(b, "file_bytes") / n,
                            fixed / MIB,
                            marginal * 1e6 / GIB,
                            r.v(b, "rss_built_bytes") / n,
                            svc,
                            r.v(l, "rss_lookup_bytes") / n,
                            ranges.getOrDefault(category, "-")));
        }
        s.append(
                String.format(
                        Locale.ROOT,
                        """
                mem B/v: FaissIndex.memoryUsageBytes() / N (= the serialised size; it does not count an IndexIDMap2's \
                reverse hash map); file B/v: written file / N
                fixed MB: memoryUsageBytes of the trained, empty index (IVF centroids, SQ ranges, PQ codebooks), \
                included in the B/v columns at this N
                GiB/M: (mem - fixed) / N x 10^6, in GiB per million vectors (the fixed part grows only with the \
                number of lists: about sqrt(N) x d x 4 bytes)
                RSS blt: VmRSS growth of the building JVM while it holds the built index, after GC (includes \
                allocator slack from building); RSS svc: VmRSS growth of a fresh JVM reading the index file \
                (FaissIndex.read, as the search service loads it), / N; +lookup: further growth after the first \
                reconstruct (more-like-this builds IVF's id lookup table; IDMap2 types already have one)
                vectors: %,d clustered random unit vectors (seed %d; memory does not depend on the values); \
                build s = train + add on %d cores (other processes on the machine make times noisy)
                """,
                        rows.isEmpty() ? 0 : rows.get(0).n(),
                        SEED,
                        Runtime.getRuntime().availableProcessors()));
        for (Row r : rows) {
            if (!buildFactory(r.plan()).equals(r.plan().factory())) {
                s.append(
                        String.format(
                                Locale.ROOT,
                                "note: %s built as %s: the planner's %s without np trains polysemous "
                                        + "codes (minutes for m=%s, unused by searches; same memory)%n",
                                r.name(),
                                buildFactory(r.plan()),
                                r.plan().factory(),
                                r.plan().factory().replaceAll(".*PQ", "")));
            }
            if (r.n() != rows.get(0).n()) {
                s.append(
                        String.format(
                                Locale.ROOT,
                                "note: %s measured on N=%,d (BENCH_SIZING_HNSW_N)%n",
                                r.name(),
                                r.n()));
            }
        }
        String embPart = "";
        if (emb != null) {
            double open = Double.parseDouble(emb.get("rss_open_bytes")) / MIB;
            double used = Double.parseDouble(emb.get("rss_used_bytes")) / MIB;
            s.append(
                    String.format(
                            Locale.ROOT,
                            "%nsearch service fixed memory: Embedder %s (%s, %s), VmRSS growth: %.0f MiB "
                                    + "opened (model loaded, self-check run, %.1f s), %.0f MiB after %s instances x %s-image batches "
                                    + "(api.batching.*)%n",
                            emb.get("model"),
                            emb.get("engine"),
                            emb.get("device"),
                            open,
                            Double.parseDouble(emb.get("open_s")),
                            used,
                            emb.get("instances"),
                            emb.get("batch")));
            embPart = String.format(Locale.ROOT, " embedder_mib=%.0f", used);
        }
        s.append("\nsizing: d=").append(dim);
        summary.forEach((k, v) -> s.append(String.format(Locale.ROOT, " %s_gib_per_m=%.3f", k, v)));
        s.append(embPart).append('\n');
        return s.toString();
    }

    /** The factory with its list count abstracted: "IVF256,SQ8" → "IVF*,SQ8". */
    static String category(String factory) {
        return factory.replaceAll("IVF\\d+", "IVF*");
    }

    /**
     * For each factory category, the N range in which the configured planner picks it (by
     * bisection).
     */
    static Map<String, String> autoRanges(IndexPlanner planner, int dim) {
        Map<String, String> ranges = new LinkedHashMap<>();
        long limit = 1L << 40;
        long lo = 1;
        while (lo < limit) {
            String cat = categoryAt(planner, lo, dim);
            long good = lo;
            long step = 1;
            long bad = -1;
            while (good + step < limit) {
                if (!categoryAt(planner, good + step, dim).equals(cat)) {
                    bad = good + step;
                    break;
                }
                good += step;
                step *= 2;
            }
            if (bad < 0) {
                ranges.put(cat, String.format(Locale.ROOT, "%s and more", count(lo)));
                break;
            }
            while (bad - good > 1) {
                long mid = good + (bad - good) / 2;
                if (categoryAt(planner, mid, dim).equals(cat)) good = mid;
                else bad = mid;
            }
            ranges.put(cat, String.format(Locale.ROOT, "%s - %s", count(lo), count(good)));
            lo = bad;
        }
        return ranges;
    }

    private static String categoryAt(IndexPlanner planner, long n, int dim) {
        try {
            return category(planner.plan(n, dim).factory());
        } catch (JobException e) {
            return "none";
        }
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    // ------------------------------------------------------------------------------------------
    // children

    private static void build(String name, String factory, int n, int dim, int train, Path file)
            throws Exception {
        warmUp(dim);
        float[] vectors = clustered(n, dim);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        float[] sample = train > 0 ? Arrays.copyOf(vectors, train * dim) : null;
        long before = settledRss();
        long t0 = System.nanoTime();
        try (FaissIndex index = FaissIndex.create(dim, factory, Metric.INNER_PRODUCT)) {
            if (sample != null) index.train(sample);
            long t1 = System.nanoTime();
            long fixed = index.memoryUsageBytes();
            long t2 = System.nanoTime();
            index.add(vectors, ids);
            long t3 = System.nanoTime();
            long held = settledRss() - before;
            long mem = index.memoryUsageBytes();
            index.write(file);
            result(
                    "name",
                    name,
                    "structure",
                    index.description(),
                    "n",
                    index.size(),
                    "train_s",
                    secs(t1 - t0),
                    "build_s",
                    secs(t1 - t0 + t3 - t2),
                    "fixed_bytes",
                    fixed,
                    "mem_bytes",
                    mem,
                    "file_bytes",
                    Files.size(file),
                    "rss_built_bytes",
                    held);
        }
    }

    private static void load(Path file, int dim) throws Exception {
        warmUp(dim);
        long before = settledRss();
        long t = System.nanoTime();
        try (FaissIndex index = FaissIndex.read(file)) {
            double seconds = secs(System.nanoTime() - t);
            long loaded = settledRss() - before;
            index.reconstruct(0);
            long lookup = settledRss() - before - loaded;
            result("load_s", seconds, "rss_load_bytes", loaded, "rss_lookup_bytes", lookup);
        }
    }

    private static void embedder() throws Exception {
        Config config = Config.load(CONF);
        EmbedderConfig ec = EmbedderConfig.from(config, Path.of("").toAbsolutePath());
        int instances = config.get(ConfigKeys.API_BATCHING_INSTANCES);
        int batch = Math.min(config.get(ConfigKeys.API_BATCHING_MAX_BATCH), ec.maxBatch());
        long before = settledRss();
        long t = System.nanoTime();
        try (Embedder embedder = Embedder.open(ec)) {
            double openS = secs(System.nanoTime() - t);
            long opened = settledRss() - before;
            int size = embedder.card().input().size();
            float[][] tensors = new float[batch][3 * size * size];
            ExecutorService pool = Executors.newFixedThreadPool(instances);
            try {
                for (int round = 0; round < 3; round++) {
                    List<Future<float[][]>> runs = new ArrayList<>();
                    for (int i = 0; i < instances; i++)
                        runs.add(pool.submit(() -> embedder.runModel(tensors)));
                    for (Future<float[][]> f : runs) f.get();
                }
            } finally {
                pool.shutdown();
            }
            long used = settledRss() - before;
            result(
                    "model",
                    embedder.card().id(),
                    "engine",
                    ec.engine().djlName(),
                    "device",
                    "model.device=" + ec.device().name().toLowerCase(Locale.ROOT),
                    "open_s",
                    openS,
                    "rss_open_bytes",
                    opened,
                    "rss_used_bytes",
                    used,
                    "instances",
                    instances,
                    "batch",
                    batch);
        }
    }

    /**
     * Loads the native library and starts Faiss's OpenMP and BLAS threads before the baseline is
     * taken.
     */
    private static void warmUp(int dim) {
        int n = 1000;
        float[] x = clustered(n, dim);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = i;
        try (FaissIndex index = FaissIndex.create(dim, "Flat", Metric.INNER_PRODUCT)) {
            index.add(x, ids);
            index.search(Arrays.copyOf(x, 64 * dim), 10);
        }
    }

    /** N unit vectors around CENTRES random centres, deterministic. */
    static float[] clustered(int n, int dim) {
        if ((long) n * dim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    n + " x " + dim + " floats do not fit one Java array: lower BENCH_SIZING_N");
        }
        float[][] centres = new float[CENTRES][dim];
        SplittableRandom root = new SplittableRandom(SEED);
        for (float[] c : centres) {
            for (int j = 0; j < dim; j++) c[j] = (float) root.nextGaussian();
        }
        float[] out = new float[n * dim];
        double noise = SPREAD;
        IntStream.range(0, n)
                .parallel()
                .forEach(
                        i -> {
                            SplittableRandom r =
                                    new SplittableRandom(SEED * 31 + i * 0x9E3779B97F4A7C15L);
                            float[] c = centres[i % CENTRES];
                            double norm = 0;
                            int base = i * dim;
                            for (int j = 0; j < dim; j++) {
                                float v = (float) (c[j] + noise * r.nextGaussian());
                                out[base + j] = v;
                                norm += (double) v * v;
                            }
                            float inv = (float) (1 / Math.sqrt(norm));
                            for (int j = 0; j < dim; j++) out[base + j] *= inv;
                        });
        return out;
    }

    /**
     * VmRSS in bytes after a full GC (the heap is fixed and pre-touched, so this settles native
     * memory).
     */
    private static long settledRss() throws IOException, InterruptedException {
        System.gc();
        Thread.sleep(200);
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    private static double secs(long nanos) {
        return nanos / 1e9;
    }

    private static void result(Object... kv) {
        StringBuilder s = new StringBuilder("RESULT");
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            String text =
                    v instanceof Double d
                            ? String.format(Locale.ROOT, "%.3f", d)
                            : String.valueOf(v);
            s.append(' ').append(kv[i]).append('=').append(text.replace(' ', '_'));
        }
        System.out.println(s);
    }
}
