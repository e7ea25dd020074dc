package dev.prodlens.bench.spark;

import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.eval.SampleCatalogue;
import dev.prodlens.jobs.FileTrees;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.adapt.AdaptJob;
import dev.prodlens.jobs.adapt.AdaptStage;
import dev.prodlens.jobs.embed.EmbedJob;
import dev.prodlens.jobs.embed.EmbeddingsTable;
import dev.prodlens.jobs.evaluate.EvalResult;
import dev.prodlens.jobs.evaluate.EvaluateJob;
import dev.prodlens.jobs.index.BuildIndexJob;
import dev.prodlens.jobs.index.IndexedItems;
import dev.prodlens.jobs.match.MatchJob;
import dev.prodlens.jobs.match.MatchResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * bench/spark.sh's driver. Modes:
 *
 * <ul>
 *   <li>{@code embed DIR ITEMS ROUNDS}: the sample catalogue of ITEMS real images; the embed job in
 *       local[cores] vs the same Embedder in a plain Java loop on as many threads, alternating,
 *       ROUNDS each (medians); then build-index + evaluate of that catalogue (every item a query).
 *   <li>{@code build DIR N}: N synthetic clustered unit vectors of the model's dimension →
 *       build-index (auto plan), with time, recall@10 vs exact reached, index memory and the JVM's
 *       peak RSS.
 *   <li>{@code adapt DIR N}: the same N synthetic vectors (their label groups: 20,000 products) →
 *       the adapt stage ({@code adapt.method = auto}, as {@code prodlens-jobs adapt} runs it), then
 *       build-index on the model's vectors, both timed in the same JVM (issue 18: adapt within the
 *       time of build-index).
 *   <li>{@code match DIR N}: the same N synthetic vectors → build-index, then the match job on its
 *       bundle (issue 21: duplicate listings through the index in the executors), timed apart, with
 *       its threshold and Shopee F1 (its label groups: 20,000 products of N / 20,000 listings
 *       each).
 * </ul>
 *
 * One JSON object per measurement is appended to the results file (last argument).
 */
public final class SparkBench {
    private static final Path REPO = Path.of("").toAbsolutePath();

    private SparkBench() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]).toAbsolutePath();
        Path results = Path.of(args[args.length - 1]);
        SparkSession spark =
                SparkSession.builder()
                        .master("local[" + Runtime.getRuntime().availableProcessors() + "]")
                        .appName("bench " + args[0])
                        .config("spark.ui.enabled", "false")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        try {
            String line =
                    switch (args[0]) {
                        case "embed" ->
                                embed(
                                        spark,
                                        dir,
                                        Integer.parseInt(args[2]),
                                        Integer.parseInt(args[3]));
                        case "build" -> build(spark, dir, Integer.parseInt(args[2]));
                        case "adapt" -> adapt(spark, dir, Integer.parseInt(args[2]));
                        case "match" -> match(spark, dir, Integer.parseInt(args[2]));
                        default -> throw new IllegalArgumentException("mode " + args[0]);
                    };
            Files.writeString(
                    results,
                    line + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            System.out.println(line);
        } finally {
            spark.stop();
        }
    }

    /**
     * The bench's settings under {@code dir}; the work directory (the embeddings table) is the
     * model's own, so a run with another {@code model.id} embeds afresh instead of meeting the
     * jobs' refusal to mix two models' vectors.
     */
    private static JobSettings settings(Path dir, Path catalogue, Map<String, String> extra) {
        Config conf = Config.load(REPO.resolve("conf/prodlens.properties")).with(extra);
        Map<String, String> overrides =
                new HashMap<>(
                        Map.of(
                                "catalogue.path",
                                catalogue.toString(),
                                "catalogue.name",
                                "bench",
                                "jobs.work-dir",
                                dir.resolve("work-" + conf.get(ConfigKeys.MODEL_ID)).toString(),
                                "bundles.dir",
                                dir.resolve("bundles").toString()));
        overrides.putAll(extra);
        return JobSettings.from(conf.with(overrides), REPO);
    }

    private static String embed(SparkSession spark, Path dir, int items, int rounds)
            throws Exception {
        Path csv = dir.resolve("catalogue/catalogue.csv");
        if (!Files.exists(csv) || Files.readAllLines(csv).size() != items + 1) {
            long t = System.nanoTime();
            SampleCatalogue.write(dir.resolve("catalogue"), items);
            System.out.printf(
                    Locale.ROOT,
                    "sample catalogue: %,d images written in %.0f s%n",
                    items,
                    (System.nanoTime() - t) / 1e9);
        }
        JobSettings settings = settings(dir, csv, Map.of());
        List<Path> files = new ArrayList<>();
        for (String row : Files.readAllLines(csv).subList(1, items + 1))
            files.add(csv.getParent().resolve(row.split(",")[1]));
        int threads = Runtime.getRuntime().availableProcessors();
        EmbedderConfig config = EmbedderConfig.fromResolved(settings.embedderSettings());
        double[] spark2 = new double[rounds];
        double[] plain = new double[rounds];
        try (Embedder embedder = Embedder.open(config)) {
            // both sides warm up on the first rows, untimed: the plain loop's JIT and model,
            // Spark's job
            // machinery and its executors' embedder (kept per executor JVM, as in a long job)
            plainLoop(
                    embedder,
                    files.subList(0, Math.min(WARM_UP_ROWS, files.size())),
                    threads,
                    embedder.engineBatch());
            EmbedJob.run(
                    spark,
                    EmbedJob.Spec.of(
                            settings(dir.resolve("warm-up"), warmUpCatalogue(csv), Map.of())));
            for (int r = 0; r < rounds; r++) {
                FileTrees.delete(Path.of(settings.embeddingsPath()));
                long t = System.nanoTime();
                EmbeddingsTable.Summary s = EmbedJob.run(spark, EmbedJob.Spec.of(settings));
                spark2[r] = s.modelImages() / ((System.nanoTime() - t) / 1e9);
                plain[r] = plainLoop(embedder, files, threads, embedder.engineBatch());
                System.out.printf(
                        Locale.ROOT,
                        "round %d: spark %.1f img/s, plain loop %.1f img/s%n",
                        r + 1,
                        spark2[r],
                        plain[r]);
            }
        }
        // build-index + evaluate on the embedded catalogue
        IndexBuild build = buildIndex(spark, settings);
        long t = System.nanoTime();
        EvalResult eval = EvaluateJob.run(spark, settings, build.staging()).orElseThrow();
        double evalSeconds = (System.nanoTime() - t) / 1e9;
        double s = median(spark2);
        double p = median(plain);
        return String.format(
                Locale.ROOT,
                "{\"mode\":\"embed\",\"images\":%d,\"threads\":%d,\"spark_img_s\":%s,\"plain_img_s\":%s,"
                        + "\"spark_median\":%.2f,\"plain_median\":%.2f,\"overhead_pct\":%.2f,\"build_s\":%.2f,\"factory\":\"%s\","
                        + "\"eval_queries\":%d,\"eval_s\":%.2f,\"exact_recall10\":%.4f,\"ann_recall10\":%.4f,\"exact_map_r\":%.4f,"
                        + "\"shopee_f1\":%.4f}",
                items,
                threads,
                Arrays.toString(spark2),
                Arrays.toString(plain),
                s,
                p,
                100 * (p - s) / p,
                build.seconds(),
                build.built().manifest().index().factory(),
                eval.queries(),
                evalSeconds,
                eval.exact().headline().get("recall@10"),
                eval.ann().headline().get("recall@10"),
                eval.exact().headline().get("map@r"),
                eval.exact().headline().getOrDefault("shopee_f1", Double.NaN));
    }

    /** A build-index run into a new staging bundle, and how long it took. */
    private record IndexBuild(Path staging, BuildIndexJob.Built built, double seconds) {}

    /** Runs build-index into a new staging bundle, timed; its items are unpersisted. */
    private static IndexBuild buildIndex(SparkSession spark, JobSettings settings)
            throws Exception {
        Path staging =
                Bundles.createStaging(Path.of(settings.catalogueBundles()), Bundles.newVersion());
        long t = System.nanoTime();
        BuildIndexJob.Built built =
                BuildIndexJob.run(spark, settings, staging, staging.getFileName().toString());
        double seconds = (System.nanoTime() - t) / 1e9;
        return new IndexBuild(staging, built, seconds);
    }

    private static final int WARM_UP_ROWS = 200;

    /**
     * The first rows of the catalogue, beside it (so its relative image paths resolve the same).
     */
    private static Path warmUpCatalogue(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        return Files.write(
                csv.resolveSibling("warm-up.csv"),
                lines.subList(0, Math.min(lines.size(), WARM_UP_ROWS + 1)));
    }

    /**
     * Reads and embeds every file on {@code threads} threads sharing one Embedder; returns
     * images/s.
     */
    private static double plainLoop(Embedder embedder, List<Path> files, int threads, int batch)
            throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t = System.nanoTime();
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int w = 0; w < threads; w++) {
                done.add(
                        pool.submit(
                                () -> {
                                    int ok = 0;
                                    for (int start;
                                            (start = next.getAndAdd(batch)) < files.size(); ) {
                                        List<byte[]> images = new ArrayList<>();
                                        for (Path f :
                                                files.subList(
                                                        start,
                                                        Math.min(files.size(), start + batch)))
                                            images.add(Files.readAllBytes(f));
                                        for (EmbedResult r : embedder.embed(images))
                                            if (r.isOk()) ok++;
                                    }
                                    return ok;
                                }));
            }
            for (Future<Integer> f : done) f.get();
        } finally {
            pool.shutdown();
        }
        return files.size() / ((System.nanoTime() - t) / 1e9);
    }

    /**
     * Two levels of structure, like a catalogue's embeddings (departments of products, products
     * with their variants): TOPICS random topic centres, CLUSTERS product centres scattered around
     * them, the vectors scattered around their product. With one level only, everything past an
     * item's few cluster mates is equidistant noise, and "recall@10" would measure ties, not the
     * index.
     */
    private static final int TOPICS = 1_000;

    private static final int CLUSTERS = 20_000;
    private static final double PRODUCT_SPREAD = 0.6;
    private static final double NOISE = 0.35;

    /** The settings of the N-vector synthetic table under {@code dir}, made first if missing. */
    private static JobSettings synthetic(
            SparkSession spark, Path dir, int n, Map<String, String> extra) {
        Path base = dir.resolve("synthetic-topics-" + n);
        JobSettings settings = settings(base, base.resolve("catalogue.parquet"), extra);
        if (!Files.exists(Path.of(settings.embeddingsPath()))) {
            synthesise(spark, settings, card(settings), n);
        }
        return settings;
    }

    private static ModelCard card(JobSettings settings) {
        return ModelCard.read(EmbedderConfig.fromResolved(settings.embedderSettings()).modelDir());
    }

    private static String build(SparkSession spark, Path dir, int n) throws Exception {
        JobSettings settings = synthetic(spark, dir, n, Map.of());
        ModelCard card = card(settings);
        IndexBuild build = buildIndex(spark, settings);
        BundleManifest.Index index = build.built().manifest().index();
        FileTrees.delete(build.staging());
        return String.format(
                Locale.ROOT,
                "{\"mode\":\"build\",\"vectors\":%d,\"dim\":%d,\"factory\":\"%s\",\"build_s\":%.2f,"
                        + "\"recall10\":%.4f,\"search\":\"%s\",\"index_mb\":%.1f,\"peak_rss_mb\":%.0f,"
                        + "\"heap_max_mb\":%d}",
                n,
                card.dim(),
                index.factory(),
                build.seconds(),
                index.recall(),
                index.searchParameters(),
                index.memoryBytes() / 1048576.0,
                peakRssMb(),
                Runtime.getRuntime().maxMemory() >> 20);
    }

    private static String match(SparkSession spark, Path dir, int n) throws Exception {
        JobSettings settings = synthetic(spark, dir, n, Map.of());
        IndexBuild build = buildIndex(spark, settings);
        try {
            long t = System.nanoTime();
            MatchResult matched =
                    MatchJob.run(spark, settings, build.staging(), null).orElseThrow();
            double seconds = (System.nanoTime() - t) / 1e9;
            FileTrees.delete(Path.of(matched.output())); // a million listings' Parquet, each run
            return String.format(
                    Locale.ROOT,
                    "{\"mode\":\"match\",\"vectors\":%d,\"factory\":\"%s\",\"build_s\":%.2f,"
                            + "\"match_s\":%.2f,\"threshold\":%.2f,\"f1_held_out\":%.4f,"
                            + "\"groups\":%d,\"duplicate_listings\":%d,\"peak_rss_mb\":%.0f}",
                    n,
                    build.built().manifest().index().factory(),
                    build.seconds(),
                    seconds,
                    matched.threshold(),
                    matched.f1HeldOut(),
                    matched.groups(),
                    matched.duplicateListings(),
                    peakRssMb());
        } finally {
            FileTrees.delete(build.staging());
        }
    }

    private static String adapt(SparkSession spark, Path dir, int n) throws Exception {
        JobSettings settings = synthetic(spark, dir, n, Map.of("adapt.method", "auto"));
        ModelCard card = card(settings);
        // untimed: the first load of the items pays the JVM's and Spark's first-run costs (class
        // loading, compiling), which would fall on whichever timed part came first
        IndexedItems.load(spark, EmbedJob.Spec.of(settings), card).close();
        long t = System.nanoTime();
        AdaptStage.Outcome adapted = AdaptJob.run(spark, settings);
        double adaptSeconds = (System.nanoTime() - t) / 1e9;
        IndexBuild build =
                buildIndex(spark, synthetic(spark, dir, n, Map.of("adapt.method", "off")));
        FileTrees.delete(build.staging());
        return String.format(
                Locale.ROOT,
                "{\"mode\":\"adapt\",\"vectors\":%d,\"dim\":%d,\"adapt_s\":%.2f,\"build_s\":%.2f,"
                        + "\"chosen\":\"%s/%d\",\"factory\":\"%s\",\"peak_rss_mb\":%.0f}",
                n,
                card.dim(),
                adaptSeconds,
                build.seconds(),
                adapted.entry().method(),
                adapted.entry().dim(),
                build.built().manifest().index().factory(),
                peakRssMb());
    }

    /**
     * N unit vectors around CLUSTERS random centres (so neighbours are structured, like real
     * embeddings).
     */
    private static void synthesise(
            SparkSession spark, JobSettings settings, ModelCard card, int n) {
        int dim = card.dim();
        StructType schema =
                new StructType()
                        .add("item_id", DataTypes.StringType)
                        .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false))
                        .add("model_id", DataTypes.StringType)
                        .add("model_fingerprint", DataTypes.StringType)
                        .add("image_sha256", DataTypes.StringType)
                        .add("error_code", DataTypes.StringType)
                        .add("error", DataTypes.StringType);
        String id = card.id();
        String fingerprint = card.fingerprint();
        Dataset<Row> table =
                spark.createDataFrame(
                        spark.range(0, n, 1, Math.max(8, n / 50_000))
                                .javaRDD()
                                .map(
                                        i -> {
                                            long cluster = i % CLUSTERS;
                                            float[] topic =
                                                    gaussian(
                                                            new SplittableRandom(cluster % TOPICS),
                                                            dim,
                                                            1.0);
                                            float[] product =
                                                    gaussian(
                                                            new SplittableRandom(
                                                                    1_000_003L * cluster + 3),
                                                            dim,
                                                            PRODUCT_SPREAD);
                                            float[] noise =
                                                    gaussian(
                                                            new SplittableRandom(
                                                                    1_000_003L * i + 7),
                                                            dim,
                                                            NOISE);
                                            double[] x = new double[dim];
                                            double norm = 0;
                                            for (int d = 0; d < dim; d++) {
                                                x[d] = (double) topic[d] + product[d] + noise[d];
                                                norm += x[d] * x[d];
                                            }
                                            Float[] v = new Float[dim];
                                            for (int d = 0; d < dim; d++)
                                                v[d] = (float) (x[d] / Math.sqrt(norm));
                                            return RowFactory.create(
                                                    String.format("v%09d", i),
                                                    v,
                                                    id,
                                                    fingerprint,
                                                    null,
                                                    null,
                                                    null);
                                        }),
                        schema);
        table.write().mode("overwrite").parquet(settings.embeddingsPath());
        spark.range(0, n)
                .selectExpr(
                        "format_string('v%09d', id) as posting_id",
                        "'none.jpg' as image",
                        "cast(id % " + CLUSTERS + " as string) as label_group")
                .write()
                .mode("overwrite")
                .parquet(settings.cataloguePath());
    }

    private static float[] gaussian(SplittableRandom random, int dim, double scale) {
        float[] v = new float[dim];
        for (int d = 0; d < dim; d++) {
            double u = random.nextDouble(), w = random.nextDouble();
            v[d] = (float) (scale * Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w));
        }
        return v;
    }

    private static double peakRssMb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:"))
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
        }
        return Double.NaN;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
