package dev.prodlens.bench.adapt;

import dev.prodlens.bench.adapt.ImageEmbeddings.LabelledImage;
import dev.prodlens.bench.adapt.LabelledSet.Item;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.adapt.Whitening;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.eval.ImageVectoriser;
import dev.prodlens.core.eval.RetrievalEval;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Issue 18's feature variants of one set of weights (scripts/export_model.py: {@code -gem}, {@code
 * -ms}, {@code -gem-ms}) under AdaptBench's protocol: each model embeds a labelled catalogue
 * through the {@link Embedder} ({@link ImageEmbeddings}, cached by model fingerprint), split by
 * {@code GroupSplit.DEFAULT}, and is scored on the test part raw and adapted: learned whitening as
 * the adapt stage learns it (its {@code adapt.shrinkage}) at {@code adapt.dims}, the dimension
 * chosen on the validation part, kept only when it gains {@code adapt.min-gain} there over raw (as
 * {@code adapt.method = auto} does). Plus the near-duplicate recall@1 and Fashion-MNIST
 * precision@10 of {@link RetrievalEval} (EmbeddingQualityTest's sets), and the model's own time per
 * image (ONNX Runtime or the configured engine, one thread, batch 1 as the service runs on a CPU;
 * decoding is the same for every variant and left out). Prints a table and a last summary line.
 *
 * <pre>
 *   FeaturesBench CATALOGUE_CSV CACHE_DIR MODEL_DIR...   (the first model is the baseline)
 * </pre>
 *
 * The choice: the highest validation mAP@R adapted (the figure that ships), unless a model clearly
 * faster than it is nearly as good; test figures are never used to choose.
 */
public final class FeaturesBench {
    private static final Path CONF = Path.of("conf/prodlens.properties");

    /** Model-only timing: rounds (models interleaved) and images per model per round. */
    private static final int TIMING_ROUNDS = 7;

    private static final int TIMED_IMAGES = 100;
    private static final int WARM_UP_IMAGES = 20;

    /** Resamples of the test groups for the interval of a difference in mAP@R. */
    private static final int BOOTSTRAP = 2000;

    /**
     * A model at most this share of the best one's time per image is preferred when its validation
     * mAP@R is within {@link #MAPR_TOLERANCE} of the best: a slower graph must buy more than the
     * noise of a few hundred queries (on the demo's 577 test items the 95% intervals of a
     * difference are about ±0.015) on the groups it is chosen on.
     */
    private static final double FASTER = 0.8;

    private static final double MAPR_TOLERANCE = 0.01;

    private FeaturesBench() {}

    /**
     * One model's figures.
     *
     * @param adaptedDim the chosen whitening's dimension; the raw dimension when none was kept
     * @param msPerImage the model alone, per timing round
     */
    private record Row(
            String model,
            LabelledSet set,
            double rawValidationMapR,
            PartScores raw,
            int adaptedDim,
            double adaptedValidationMapR,
            PartScores adapted,
            RetrievalEval.Scores offline,
            double[] msPerImage) {
        double ms() {
            return median(msPerImage);
        }
    }

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: FeaturesBench CATALOGUE_CSV CACHE_DIR MODEL_DIR...");
            System.exit(2);
        }
        Path csv = Path.of(args[0]);
        Path cache = Path.of(args[1]);
        Config config = Config.load(CONF);
        EmbedderConfig embedding = EmbedderConfig.from(config, Path.of("").toAbsolutePath());
        RetrievalEval offline = RetrievalEval.build(RetrievalEval.Sizes.TEST);

        List<Row> rows = new ArrayList<>();
        List<Embedder> embedders = new ArrayList<>();
        try {
            for (String dir : Arrays.asList(args).subList(2, args.length)) {
                EmbedderConfig model = embedding.withModelDir(Path.of(dir));
                LabelledSet set = Catalogues.csv(new ImageEmbeddings(cache, model), csv);
                Embedder embedder = Embedder.open(model);
                embedders.add(embedder);
                rows.add(quality(embedder.card().id(), set, config, embedder, offline));
            }
            time(embedders, Catalogues.catalogueImages(csv).subList(0, TIMED_IMAGES), rows);
        } finally {
            embedders.forEach(Embedder::close);
        }
        print(csv, config, rows);
    }

    /** Everything but the timing: the protocol's figures raw and adapted, and the offline sets. */
    private static Row quality(
            String model,
            LabelledSet set,
            Config config,
            Embedder embedder,
            RetrievalEval offline) {
        System.out.println(model + ", " + set.describe());
        int neighbours = config.get(ConfigKeys.EVALUATE_SHOPEE_NEIGHBOURS);
        PartScores rawValidation = PartScores.of(set.validation(), null, neighbours);
        Training training = Training.of(set.train());
        List<Integer> dims =
                config.get(ConfigKeys.ADAPT_DIMS).stream()
                        .filter(d -> d <= training.maxDim())
                        .sorted()
                        .toList();
        // learned once at the largest and cut to the others, as the adapt stage does
        Projection largest =
                Whitening.learned(
                        training.all(),
                        training.pairs(),
                        dims.get(dims.size() - 1),
                        config.get(ConfigKeys.ADAPT_SHRINKAGE));
        Projection chosen = null;
        double chosenValidation = rawValidation.mapR() + config.get(ConfigKeys.ADAPT_MIN_GAIN);
        for (int d : dims) {
            Projection p = d == largest.outputDimension() ? largest : largest.leading(d);
            double validation = PartScores.of(set.validation(), p, neighbours).mapR();
            if (validation >= chosenValidation) {
                chosen = p;
                chosenValidation = validation;
            }
        }
        PartScores raw = PartScores.of(set.test(), null, neighbours);
        return new Row(
                model,
                set,
                rawValidation.mapR(),
                raw,
                chosen == null ? set.dim() : chosen.outputDimension(),
                chosen == null ? rawValidation.mapR() : chosenValidation,
                chosen == null ? raw : PartScores.of(set.test(), chosen, neighbours),
                offline.score(ImageVectoriser.of(embedder, model)),
                new double[TIMING_ROUNDS]);
    }

    /**
     * The model alone on prepared catalogue images, one per call: ms per image per round, the
     * models interleaved (in reverse every other round) so that a busy spell of this shared machine
     * does not favour one.
     */
    private static void time(List<Embedder> embedders, List<LabelledImage> images, List<Row> rows) {
        List<float[][]> tensors = new ArrayList<>();
        for (Embedder embedder : embedders) {
            tensors.add(
                    images.stream()
                            .map(image -> Embedder.tensorOf(embedder.prepare(image.encoded())))
                            .toArray(float[][]::new));
        }
        for (int round = 0; round < TIMING_ROUNDS; round++) {
            for (int k = 0; k < embedders.size(); k++) {
                int m = round % 2 == 0 ? k : embedders.size() - 1 - k;
                Embedder embedder = embedders.get(m);
                float[][] prepared = tensors.get(m);
                for (int i = 0; i < WARM_UP_IMAGES; i++) {
                    embedder.runModel(new float[][] {prepared[i]});
                }
                long start = System.nanoTime();
                for (float[] tensor : prepared) embedder.runModel(new float[][] {tensor});
                rows.get(m).msPerImage()[round] =
                        (System.nanoTime() - start) / 1e6 / prepared.length;
            }
        }
    }

    private static void print(Path csv, Config config, List<Row> rows) {
        System.out.printf(
                Locale.ROOT,
                "%n%s: test-part figures (groups never learned or chosen on); adapted: learned"
                        + " whitening (shrinkage %s) at %s, chosen on validation, kept if it gains"
                        + " %s there; near-dup: recall@1 of RetrievalEval's %d edited photos among %d"
                        + " images; fashion: its Fashion-MNIST precision@10; ms: the model alone, %s,"
                        + " %d thread(s), one image per call, median of %d rounds of %d images%n%n",
                csv,
                config.get(ConfigKeys.ADAPT_SHRINKAGE),
                config.get(ConfigKeys.ADAPT_DIMS),
                config.get(ConfigKeys.ADAPT_MIN_GAIN),
                rows.get(0).offline().queries(),
                rows.get(0).offline().catalogueSize(),
                config.get(ConfigKeys.MODEL_ENGINE),
                config.get(ConfigKeys.MODEL_THREADS),
                TIMING_ROUNDS,
                TIMED_IMAGES);
        System.out.printf(
                Locale.ROOT,
                "%-28s | %8s %8s %8s | %4s %8s %8s %8s %8s | %8s %8s | %7s %6s%n",
                "model",
                "raw r@1",
                "r@10",
                "mAP@R",
                "dim",
                "val mAPR",
                "ad. r@1",
                "r@10",
                "mAP@R",
                "near-dup",
                "fashion",
                "ms/img",
                "x base");
        Row base = rows.get(0);
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "%-28s | %8.3f %8.3f %8.3f | %4d %8.3f %8.3f %8.3f %8.3f | %8.3f %8.3f | %7.2f"
                            + " %6.2f%n",
                    r.model(),
                    r.raw().recall1(),
                    r.raw().recall10(),
                    r.raw().mapR(),
                    r.adaptedDim(),
                    r.adaptedValidationMapR(),
                    r.adapted().recall1(),
                    r.adapted().recall10(),
                    r.adapted().mapR(),
                    r.offline().nearDupRecallAt1(),
                    r.offline().fashionPrecisionAt10(),
                    r.ms(),
                    r.ms() / base.ms());
        }
        System.out.println();
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "%-28s raw validation mAP@R %.3f; test mAP@R minus the baseline's, 95%%"
                            + " interval: raw %s, adapted %s; ms per round %s%n",
                    r.model(),
                    r.rawValidationMapR(),
                    difference(base.set(), base.raw(), r.set(), r.raw()),
                    difference(base.set(), base.adapted(), r.set(), r.adapted()),
                    Arrays.toString(
                            Arrays.stream(r.msPerImage())
                                    .map(ms -> Math.round(ms * 100) / 100.0)
                                    .toArray()));
        }
        Row best = choose(rows);
        System.out.printf(
                Locale.ROOT,
                "%nfeatures: best=%s val_mapr_adapted=%.3f test_mapr_raw=%.3f"
                        + " test_mapr_adapted=%.3f near_dup_r1=%.3f ms_per_img=%.2f baseline=%s"
                        + " baseline_test_mapr_raw=%.3f baseline_test_mapr_adapted=%.3f"
                        + " baseline_ms_per_img=%.2f%n",
                best.model(),
                best.adaptedValidationMapR(),
                best.raw().mapR(),
                best.adapted().mapR(),
                best.offline().nearDupRecallAt1(),
                best.ms(),
                base.model(),
                base.raw().mapR(),
                base.adapted().mapR(),
                base.ms());
    }

    /** The class comment's rule, on validation figures and time only. */
    private static Row choose(List<Row> rows) {
        Row best = rows.get(0);
        for (Row r : rows) {
            if (r.adaptedValidationMapR() > best.adaptedValidationMapR()) best = r;
        }
        Row chosen = best;
        for (Row r : rows) {
            boolean nearlyAsGood =
                    r.adaptedValidationMapR() >= best.adaptedValidationMapR() - MAPR_TOLERANCE;
            if (nearlyAsGood && r.ms() <= FASTER * best.ms() && r.ms() < chosen.ms()) chosen = r;
        }
        return chosen;
    }

    /**
     * Test mAP@R of {@code b} minus that of {@code a}, two embeddings of the same items, with a 95%
     * interval from a paired bootstrap that resamples whole groups (the photos of one product are
     * not independent queries).
     */
    private static String difference(
            LabelledSet setA, PartScores a, LabelledSet setB, PartScores b) {
        List<String> groups = setA.test().stream().map(Item::group).toList();
        if (!groups.equals(setB.test().stream().map(Item::group).toList())) {
            throw new IllegalStateException("two models' test parts hold different items");
        }
        List<List<Integer>> byGroup =
                new ArrayList<>(
                        IntStream.range(0, groups.size())
                                .filter(q -> !Double.isNaN(a.averagePrecision()[q]))
                                .boxed()
                                .collect(
                                        Collectors.groupingBy(
                                                groups::get, TreeMap::new, Collectors.toList()))
                                .values());
        Random random = new Random(0);
        double[] differences = new double[BOOTSTRAP];
        for (int s = 0; s < BOOTSTRAP; s++) {
            double sum = 0;
            int queries = 0;
            for (int g = 0; g < byGroup.size(); g++) {
                for (int q : byGroup.get(random.nextInt(byGroup.size()))) {
                    sum += b.averagePrecision()[q] - a.averagePrecision()[q];
                    queries++;
                }
            }
            differences[s] = sum / queries;
        }
        Arrays.sort(differences);
        return String.format(
                Locale.ROOT,
                "%+.3f [%+.3f, %+.3f]",
                b.mapR() - a.mapR(),
                differences[(int) (0.025 * BOOTSTRAP)],
                differences[(int) (0.975 * BOOTSTRAP) - 1]);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
