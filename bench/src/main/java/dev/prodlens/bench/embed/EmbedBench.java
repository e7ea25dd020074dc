package dev.prodlens.bench.embed;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.prodlens.core.embed.DeviceChoice;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.embed.ModelEngine;
import dev.prodlens.core.eval.ColourHistogram;
import dev.prodlens.core.eval.ImageVectoriser;
import dev.prodlens.core.eval.RetrievalEval;
import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * One measurement of the embedding path, appended as a JSON line to the output file (bench/embed.sh
 * runs it per setting, each in a fresh JVM, and bench/embed_report.py prints the table).
 *
 * <pre>
 *   EmbedBench MODE MODEL_DIR ENGINE THREADS WORKERS BATCH IMAGES OUT
 *   MODE: decode | model | pair | ort-raw | quality
 * </pre>
 *
 * decode: prepare() (decode, orient, resize, crop, normalise) on one thread. model: the engine
 * alone on prepared tensors. pair: model-only and end to end (bytes to vectors through
 * Embedder.embed(list)) measured alternately in one JVM on one Embedder, so that the ratio between
 * them does not depend on how busy the machine was from one run to the next. ort-raw: the same ONNX
 * file through the ONNX Runtime Java API directly (the reference). quality: RetrievalEval scores of
 * the model and of the colour-histogram baseline.
 */
public final class EmbedBench {
    private static final int REPEATS = 3;

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println(
                    "usage: EmbedBench decode|model|e2e|ort-raw|quality MODEL_DIR ENGINE THREADS WORKERS BATCH IMAGES OUT");
            System.exit(2);
        }
        String mode = args[0];
        Path modelDir = Path.of(args[1]);
        ModelEngine engine = ModelEngine.valueOf(args[2]);
        int threads = Integer.parseInt(args[3]);
        int workers = Integer.parseInt(args[4]);
        int batch = Integer.parseInt(args[5]);
        int images = Integer.parseInt(args[6]);
        Path out = Path.of(args[7]);
        EmbedderConfig config =
                new EmbedderConfig(
                        modelDir,
                        engine,
                        DeviceChoice.CPU,
                        threads,
                        batch,
                        DecodeLimits.DEFAULTS.maxBytes(),
                        DecodeLimits.DEFAULTS.maxPixels());
        List<byte[]> pool = photoPool();
        String row;
        if (mode.equals("quality")) {
            row = quality(config);
        } else if (mode.equals("ort-raw")) {
            row = ortRaw(config, workers, batch, images);
        } else {
            try (Embedder embedder = Embedder.open(config)) {
                row =
                        switch (mode) {
                            case "decode" -> decode(embedder, pool, images);
                            case "model" ->
                                    String.format(
                                            Locale.ROOT,
                                            "\"img_s\":%.1f",
                                            median(
                                                    throughput(
                                                            workers,
                                                            batch,
                                                            images,
                                                            REPEATS,
                                                            modelOnly(embedder, pool))));
                            case "pair" -> pair(embedder, pool, workers, batch, images);
                            default -> throw new IllegalArgumentException("unknown mode " + mode);
                        };
            }
        }
        String line =
                String.format(
                        Locale.ROOT,
                        "{\"mode\":\"%s\",\"model\":\"%s\",\"engine\":\"%s\",\"threads\":%d,\"workers\":%d,\"batch\":%d,%s}",
                        mode,
                        modelDir.getFileName(),
                        engine,
                        threads,
                        workers,
                        batch,
                        row);
        System.out.println(line);
        append(out, line);
    }

    /** Appends one JSON line to the results file. */
    static void append(Path out, String line) throws IOException {
        Files.writeString(
                out,
                line + "\n",
                StandardCharsets.UTF_8,
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    /**
     * Real photos as a shop would get them: the offline photos at their own sizes, JPEG-encoded at
     * quality 90.
     */
    static List<byte[]> photoPool() throws IOException {
        List<byte[]> pool = new ArrayList<>();
        for (Path p : OfflineImages.photos()) {
            BufferedImage image = ImageIO.read(p.toFile());
            pool.add(ImageEdits.encodeJpeg(image, 0.9f));
        }
        return pool;
    }

    private static String decode(Embedder embedder, List<byte[]> pool, int images) {
        for (int i = 0; i < pool.size(); i++) embedder.prepare(pool.get(i)); // warm-up
        double[] msPerImage = new double[REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            long start = System.nanoTime();
            for (int i = 0; i < images; i++) {
                if (!embedder.prepare(pool.get(i % pool.size())).isOk())
                    throw new IllegalStateException("bench image failed");
            }
            msPerImage[r] = (System.nanoTime() - start) / 1e6 / images;
        }
        double ms = median(msPerImage);
        return String.format(Locale.ROOT, "\"decode_ms\":%.3f,\"img_s\":%.1f", ms, 1000 / ms);
    }

    /** Model-only batches: the pool's tensors are prepared up front, so only the model is timed. */
    static BatchRun modelOnly(Embedder embedder, List<byte[]> pool) {
        float[][] tensors = tensorsOf(embedder, pool);
        return b -> {
            float[][] input = new float[b][];
            for (int i = 0; i < b; i++) input[i] = tensors[i % tensors.length];
            embedder.runModel(input);
        };
    }

    /** End-to-end batches: decode, preprocessing and model, cycling through the pool. */
    static BatchRun endToEnd(Embedder embedder, List<byte[]> pool) {
        AtomicInteger cursor = new AtomicInteger();
        return b -> {
            List<byte[]> input = new ArrayList<>(b);
            for (int i = 0; i < b; i++)
                input.add(pool.get(Math.floorMod(cursor.getAndIncrement(), pool.size())));
            embedder.embed(input).forEach(r -> r.vector());
        };
    }

    /**
     * Alternates model-only and end-to-end measurements (3 rounds each) and reports both medians.
     */
    private static String pair(
            Embedder embedder, List<byte[]> pool, int workers, int batch, int images)
            throws Exception {
        int rounds = 3;
        double[] model = new double[rounds];
        double[] e2e = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            model[r] =
                    median(throughput(workers, batch, images, REPEATS, modelOnly(embedder, pool)));
            e2e[r] = median(throughput(workers, batch, images, REPEATS, endToEnd(embedder, pool)));
        }
        return String.format(
                Locale.ROOT, "\"model_img_s\":%.1f,\"e2e_img_s\":%.1f", median(model), median(e2e));
    }

    private static String ortRaw(EmbedderConfig config, int workers, int batch, int images)
            throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        ModelCard card = ModelCard.read(config.modelDir());
        int size = card.input().size();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            if (config.threads() > 0) options.setIntraOpNumThreads(config.threads());
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session =
                    env.createSession(
                            card.modelFile(ModelEngine.ONNX_RUNTIME).toString(), options)) {
                float[] data = new float[batch * 3 * size * size];
                Arrays.fill(data, 0.1f);
                double[] rates =
                        throughput(
                                workers,
                                batch,
                                images,
                                REPEATS,
                                b -> {
                                    try (OnnxTensor input =
                                                    OnnxTensor.createTensor(
                                                            env,
                                                            FloatBuffer.wrap(
                                                                    data, 0, b * 3 * size * size),
                                                            new long[] {b, 3, size, size});
                                            OrtSession.Result result =
                                                    session.run(Map.of("input", input))) {
                                        result.get(0);
                                    }
                                });
                return String.format(Locale.ROOT, "\"img_s\":%.1f", median(rates));
            }
        }
    }

    private static String quality(EmbedderConfig config) throws Exception {
        RetrievalEval eval = RetrievalEval.build(RetrievalEval.Sizes.BENCH);
        RetrievalEval.Scores baseline = eval.score(new ColourHistogram());
        RetrievalEval.Scores model;
        try (Embedder embedder = Embedder.open(config)) {
            model =
                    eval.score(
                            ImageVectoriser.of(
                                    embedder, config.modelDir().getFileName().toString()));
        }
        return String.format(
                Locale.ROOT,
                "\"near_dup_r1\":%.4f,\"fashion_p10\":%.4f,\"baseline_near_dup_r1\":%.4f,\"baseline_fashion_p10\":%.4f,"
                        + "\"near_dup_by_edit\":%s,\"baseline_by_edit\":%s,\"catalogue\":%d,\"queries\":%d",
                model.nearDupRecallAt1(),
                model.fashionPrecisionAt10(),
                baseline.nearDupRecallAt1(),
                baseline.fashionPrecisionAt10(),
                json(model.recallByEdit()),
                json(baseline.recallByEdit()),
                model.catalogueSize(),
                model.queries());
    }

    private static String json(Map<String, Double> m) {
        StringBuilder sb = new StringBuilder("{");
        m.forEach(
                (k, v) ->
                        sb.append(sb.length() > 1 ? "," : "")
                                .append('"')
                                .append(k)
                                .append("\":")
                                .append(String.format(Locale.ROOT, "%.4f", v)));
        return sb.append('}').toString();
    }

    /** The pool's model inputs, prepared by the Embedder's own preprocessing. */
    private static float[][] tensorsOf(Embedder embedder, List<byte[]> pool) {
        return pool.stream().map(embedder::prepare).map(Embedder::tensorOf).toArray(float[][]::new);
    }

    interface BatchRun {
        void run(int batchSize) throws Exception;
    }

    /**
     * Images/s of WORKERS threads running batches of BATCH until IMAGES are done, {@code repeats}
     * times after a warm-up.
     */
    static double[] throughput(int workers, int batch, int images, int repeats, BatchRun run)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            runAll(pool, workers, batch, Math.max(workers * batch, images / 5), run); // warm-up
            double[] rates = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long start = System.nanoTime();
                int done = runAll(pool, workers, batch, images, run);
                rates[r] = done / ((System.nanoTime() - start) / 1e9);
            }
            return rates;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int runAll(
            ExecutorService pool, int workers, int batch, int images, BatchRun run)
            throws Exception {
        AtomicInteger remaining = new AtomicInteger(images);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            futures.add(
                    pool.submit(
                            () -> {
                                int done = 0;
                                while (true) {
                                    int left = remaining.getAndAdd(-batch);
                                    if (left <= 0) return done;
                                    int b = Math.min(batch, left);
                                    run.run(b);
                                    done += b;
                                }
                            }));
        }
        int total = 0;
        for (Future<Integer> f : futures) total += f.get();
        return total;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
