package dev.prodlens.bench.embed;

import dev.prodlens.bench.adapt.Catalogues;
import dev.prodlens.bench.adapt.ImageEmbeddings;
import dev.prodlens.bench.adapt.PartScores;
import dev.prodlens.core.embed.DeviceChoice;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.embed.ModelEngine;
import dev.prodlens.core.eval.ImageVectoriser;
import dev.prodlens.core.eval.RetrievalEval;
import dev.prodlens.core.image.DecodeLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Issue 19: FP32 against INT8 per model, through the product's Java path (DJL + ONNX Runtime, one
 * intra-op thread: images per core). Speed: model-only and end-to-end images/s at batch 1 and 32,
 * every model's Embedder open in this one JVM and the models alternated within each round, so a
 * busy spell does not favour one. Quality: recall@1 and mAP@R over the demo catalogue (every
 * labelled item a query, exact search, cached embeddings by model fingerprint) and the quality
 * test's sets (near-duplicate recall@1, Fashion-MNIST precision@10). Prints a table and a last
 * line; appends one JSON line per model to OUT.
 *
 * <pre>
 *   PrecisionBench OUT CATALOGUE_CSV CACHE_DIR IMAGES BASELINE_MODEL_DIR MODEL_DIR...
 * </pre>
 *
 * The default it names: the fastest model (model-only, batch 1) that is at least as good as the
 * baseline (today's default, FP32) on every quality figure, within {@link #TOLERANCE}.
 */
public final class PrecisionBench {
    private static final int ROUNDS = 3;
    private static final int[] BATCHES = {1, 32};

    /**
     * "At least as good": no quality figure more than this below the baseline's. Half a point:
     * below what the demo's 3,000 queries resolve (two runs of one FP32 model agree exactly; two
     * equally good models differ by about that much).
     */
    static final double TOLERANCE = 0.005;

    private PrecisionBench() {}

    /** One model's figures; speeds are medians over the rounds, by batch. */
    private record Row(
            String model,
            String precision,
            double[] modelImgS,
            double[] e2eImgS,
            double demoRecall1,
            double demoMapR,
            double nearDupR1,
            double fashionP10) {
        boolean atLeastAsGoodAs(Row base) {
            return demoRecall1 >= base.demoRecall1 - TOLERANCE
                    && demoMapR >= base.demoMapR - TOLERANCE
                    && nearDupR1 >= base.nearDupR1 - TOLERANCE
                    && fashionP10 >= base.fashionP10 - TOLERANCE;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println(
                    "usage: PrecisionBench OUT CATALOGUE_CSV CACHE_DIR IMAGES BASELINE_MODEL_DIR"
                            + " MODEL_DIR...");
            System.exit(2);
        }
        Path out = Path.of(args[0]);
        Path csv = Path.of(args[1]);
        Path cache = Path.of(args[2]);
        int images = Integer.parseInt(args[3]);
        List<Path> models = Arrays.stream(args).skip(4).map(Path::of).toList();

        List<byte[]> pool = EmbedBench.photoPool();
        List<Embedder> embedders = new ArrayList<>();
        double[][][] modelRates = new double[models.size()][BATCHES.length][ROUNDS];
        double[][][] e2eRates = new double[models.size()][BATCHES.length][ROUNDS];
        try {
            for (Path m : models) embedders.add(Embedder.open(config(m)));
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < models.size(); i++) {
                    for (int b = 0; b < BATCHES.length; b++) {
                        Embedder e = embedders.get(i);
                        modelRates[i][b][round] =
                                onOneCore(BATCHES[b], images, EmbedBench.modelOnly(e, pool));
                        e2eRates[i][b][round] =
                                onOneCore(BATCHES[b], images, EmbedBench.endToEnd(e, pool));
                    }
                }
                System.out.printf("round %d of %d timed%n", round + 1, ROUNDS);
            }
        } finally {
            for (Embedder e : embedders) e.close();
        }

        RetrievalEval eval = RetrievalEval.build(RetrievalEval.Sizes.BENCH);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < models.size(); i++) {
            Path m = models.get(i);
            EmbedderConfig config = config(m);
            PartScores demo =
                    PartScores.of(
                            Catalogues.embedded(new ImageEmbeddings(cache, config), csv), null, 50);
            RetrievalEval.Scores offline;
            try (Embedder embedder = Embedder.open(config)) {
                offline = eval.score(ImageVectoriser.of(embedder, m.getFileName().toString()));
            }
            double[] model = new double[BATCHES.length];
            double[] e2e = new double[BATCHES.length];
            for (int b = 0; b < BATCHES.length; b++) {
                model[b] = EmbedBench.median(modelRates[i][b]);
                e2e[b] = EmbedBench.median(e2eRates[i][b]);
            }
            Row row =
                    new Row(
                            m.getFileName().toString(),
                            precision(ModelCard.read(m)),
                            model,
                            e2e,
                            demo.recall1(),
                            demo.mapR(),
                            offline.nearDupRecallAt1(),
                            offline.fashionPrecisionAt10());
            rows.add(row);
            append(out, row);
        }
        print(rows, csv);
    }

    /** Images/s of one thread running batches of {@code batch} (after a warm-up). */
    private static double onOneCore(int batch, int images, EmbedBench.BatchRun run)
            throws Exception {
        return EmbedBench.median(EmbedBench.throughput(1, batch, images, 1, run));
    }

    /** The card's precision: {@code fp32} unless it says otherwise. */
    private static String precision(ModelCard card) {
        return card.json().has("precision") ? card.json().get("precision").getAsString() : "fp32";
    }

    private static EmbedderConfig config(Path model) {
        return new EmbedderConfig(
                model,
                ModelEngine.ONNX_RUNTIME,
                DeviceChoice.CPU,
                1,
                32,
                DecodeLimits.DEFAULTS.maxBytes(),
                DecodeLimits.DEFAULTS.maxPixels());
    }

    private static void append(Path out, Row r) throws Exception {
        String line =
                String.format(
                        Locale.ROOT,
                        "{\"mode\":\"precision\",\"model\":\"%s\",\"precision\":\"%s\","
                                + "\"model_img_s_b1\":%.1f,\"e2e_img_s_b1\":%.1f,"
                                + "\"model_img_s_b32\":%.1f,\"e2e_img_s_b32\":%.1f,"
                                + "\"demo_recall1\":%.4f,\"demo_mapr\":%.4f,"
                                + "\"near_dup_r1\":%.4f,\"fashion_p10\":%.4f}",
                        r.model(),
                        r.precision(),
                        r.modelImgS()[0],
                        r.e2eImgS()[0],
                        r.modelImgS()[1],
                        r.e2eImgS()[1],
                        r.demoRecall1(),
                        r.demoMapR(),
                        r.nearDupR1(),
                        r.fashionP10());
        EmbedBench.append(out, line);
    }

    private static void print(List<Row> rows, Path csv) {
        Row base = rows.get(0);
        System.out.printf(
                Locale.ROOT,
                "%nFP32 vs INT8: images/s on one core (one intra-op thread), medians of %d"
                        + " alternating rounds; quality: %s (every labelled item a query, exact),"
                        + " the quality test's near-duplicate and Fashion-MNIST sets%n",
                ROUNDS,
                csv);
        System.out.printf(
                Locale.ROOT,
                "%-28s %-9s %9s %9s %9s %9s %8s %8s %8s %8s %8s%n",
                "model",
                "precision",
                "model b1",
                "e2e b1",
                "model b32",
                "e2e b32",
                "speedup",
                "demo r@1",
                "demo mAP",
                "dup r@1",
                "fash p10");
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "%-28s %-9s %9.1f %9.1f %9.1f %9.1f %7.2fx %8.3f %8.3f %8.3f %8.3f%s%n",
                    r.model(),
                    r.precision(),
                    r.modelImgS()[0],
                    r.e2eImgS()[0],
                    r.modelImgS()[1],
                    r.e2eImgS()[1],
                    r.modelImgS()[0] / base.modelImgS()[0],
                    r.demoRecall1(),
                    r.demoMapR(),
                    r.nearDupR1(),
                    r.fashionP10(),
                    r.atLeastAsGoodAs(base) ? "" : "  (worse than " + base.model() + ")");
        }
        Row chosen = base;
        for (Row r : rows) {
            if (r.atLeastAsGoodAs(base) && r.modelImgS()[0] > chosen.modelImgS()[0]) chosen = r;
        }
        System.out.printf(
                Locale.ROOT,
                "%nint8: default=%s/%s model_only_speedup=%.2f e2e_img_s=%.1f demo_recall1=%.3f"
                        + " demo_mapr=%.3f%n",
                chosen.model(),
                chosen.precision(),
                chosen.modelImgS()[0] / base.modelImgS()[0],
                chosen.e2eImgS()[0],
                chosen.demoRecall1(),
                chosen.demoMapR());
    }
}
