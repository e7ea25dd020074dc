package dev.prodlens.core.adapt;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.prodlens.core.embed.DeviceChoice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The metric-learning head of issue 18: a linear map trained on the frozen embeddings of the train
 * groups, with DJL's autograd on the PyTorch engine, so that photos of one product land closer than
 * photos of different ones. The result is a {@link Projection} {@code y = W (x - mean)},
 * L2-normalised, which the jobs write into a bundle and the service applies like any other.
 *
 * <p><b>Why linear.</b> A catalogue's labels are few: the demo has two photos per product. A deeper
 * head has far more freedom than such labels constrain and learns the train groups by heart; a
 * linear one is the learned whitening's own family, can start from it and refine it, and keeps one
 * apply path (no second model to ship, load and keep in step between the jobs and the service).
 *
 * <p><b>Why multi-similarity loss</b> (Wang et al., "Multi-Similarity Loss with General Pair
 * Weighting for Deep Metric Learning", CVPR 2019). Each batch holds P groups of K photos; every
 * photo is an anchor, the other photos of its group its positives and all other photos its
 * negatives. Pairs are mined in the batch (a negative counts when it is closer than the anchor's
 * farthest positive plus a margin, a positive when it is farther than the closest negative minus
 * it) and weighted by a soft-max over their similarities, so the hardest negatives dominate. It
 * needs no per-class parameters: proxy losses (proxy-anchor, ArcFace) learn one vector per group,
 * fitted here from two photos each and useless for the products of the held-out groups.
 *
 * <p><b>Where it starts.</b> Given an initial projection M0 (out x in), the head learns an out x
 * out matrix A on the inputs as M0 leaves them, z = M0 (x - mean), starting from the identity, and
 * returns A M0. So it refines the start within the directions the start kept, with out&sup2;
 * parameters rather than out x in, and Adam's fixed-size steps act on coordinates of one scale (a
 * whitening's rows differ in norm by orders of magnitude). Without one, A is out x in, seeded
 * random, on the centred inputs. The start must not have fitted the train pairs already: learned
 * whitening without shrinkage all but merges them (on the demo, matching train photos at cosine
 * 0.99 against 0.63 for validation ones), which leaves the loss nothing to learn from; see {@link
 * Whitening#learned(Scatter, Scatter, int, double)}.
 *
 * <p>Reproducible on the CPU for a seed: the batches come from a seeded generator and the start is
 * the given projection or a seeded random one (libtorch's multi-threaded sums may differ in the
 * last bits from one thread count to another). Training stops after {@link Settings#maxSteps} steps
 * whatever the epochs, because it runs on the Spark driver.
 */
public final class MetricHead {
    /** The name the trained projection carries ({@link Projection#method}). */
    public static final String METHOD = "metric-head";

    private static final String ENGINE = "PyTorch";

    static {
        // as for the embedder: libtorch comes from the Maven jar, nothing may be downloaded
        if (System.getProperty("ai.djl.offline") == null)
            System.setProperty("ai.djl.offline", "true");
    }

    private MetricHead() {}

    /**
     * How to train.
     *
     * @param outDim the output dimension
     * @param epochs passes over the train groups (each group once per pass)
     * @param maxSteps a cap on the steps (batches), whatever {@code epochs} asks
     * @param groupsPerBatch P, groups in a batch: the others' photos are each anchor's negatives
     * @param itemsPerGroup K, photos drawn from each group of the batch (groups with fewer are left
     *     out)
     * @param learningRate Adam's step size, for a matrix scaled to rows of unit norm on average
     * @param alpha multi-similarity's weight of the positives
     * @param beta multi-similarity's weight of the negatives
     * @param base the similarity the loss pushes positives above and negatives below
     * @param margin the mining margin
     * @param seed the seed of the initial matrix (without an initial projection) and the batches
     * @param device where to train: CPU, GPU (an error without one) or a GPU when there is one
     */
    public record Settings(
            int outDim,
            int epochs,
            int maxSteps,
            int groupsPerBatch,
            int itemsPerGroup,
            float learningRate,
            float alpha,
            float beta,
            float base,
            float margin,
            long seed,
            DeviceChoice device) {

        public Settings {
            require(outDim >= 1, "the output dimension must be at least 1, got " + outDim);
            require(epochs >= 1 && maxSteps >= 1, "epochs and maxSteps must be at least 1");
            require(
                    groupsPerBatch >= 2 && itemsPerGroup >= 2,
                    "a batch needs at least 2 groups of at least 2 photos, got "
                            + groupsPerBatch
                            + " x "
                            + itemsPerGroup);
            require(
                    learningRate > 0 && alpha > 0 && beta > 0 && margin >= 0,
                    "the learning rate, alpha and beta must be above 0 and the margin not below");
            require(device != null, "no device choice (cpu, gpu or auto)");
        }

        /**
         * Multi-similarity's published settings (alpha 2, beta 50, base 0.5, margin 0.1), batches
         * of 64 groups x 2 photos, any device; Adam at 3e-4 for 30 epochs (at most 2,000 steps),
         * chosen on the demo catalogue's validation groups (bench/adapt.sh).
         */
        public static Settings defaults(int outDim) {
            return new Settings(
                    outDim, 30, 2_000, 64, 2, 3e-4f, 2, 50, 0.5f, 0.1f, 42, DeviceChoice.AUTO);
        }

        /** These settings with other epochs, learning rate, seed and device (the ones to tune). */
        public Settings with(int epochs, float learningRate, long seed, DeviceChoice device) {
            return new Settings(
                    outDim,
                    epochs,
                    maxSteps,
                    groupsPerBatch,
                    itemsPerGroup,
                    learningRate,
                    alpha,
                    beta,
                    base,
                    margin,
                    seed,
                    device);
        }
    }

    /**
     * What training gave.
     *
     * @param projection the head, as the projection the bundle carries
     * @param losses the mean loss of each epoch, in order (the last one cut short by the step cap
     *     if it was reached)
     * @param device where it was trained ({@code cpu()}, {@code gpu(0)})
     */
    public record Trained(Projection projection, double[] losses, String device) {}

    /**
     * Trains the head.
     *
     * @param vectors the train photos' embeddings (L2-normalised, one dimension), held in memory
     *     with a copy as the start leaves them: sample a large catalogue's train groups
     * @param groups each photo's label group, in the order of {@code vectors}
     * @param initial where to start (the learned whitening, shrunk, at {@code settings.outDim()},
     *     say), or null for a seeded random matrix on the centred vectors
     * @throws IllegalArgumentException (one line) for input it cannot learn from
     */
    public static Trained train(
            float[][] vectors, String[] groups, Projection initial, Settings settings) {
        int in = checkVectors(vectors, groups);
        require(
                settings.outDim() <= in,
                "the output dimension " + settings.outDim() + " is above the input's " + in);
        if (initial != null) {
            require(
                    initial.inputDimension() == in
                            && initial.outputDimension() == settings.outDim(),
                    "the initial projection maps "
                            + initial
                            + ", not "
                            + in
                            + "->"
                            + settings.outDim()
                            + "; learn it at the head's dimensions");
        }
        List<int[]> members = groupsWithAtLeast(groups, settings.itemsPerGroup());
        require(
                members.size() >= 2,
                members.size()
                        + " group(s) with "
                        + settings.itemsPerGroup()
                        + " photos or more; the head learns from at least 2: label more photos of"
                        + " the same products");

        int out = settings.outDim();
        // The head trains a matrix A on the inputs as the initial projection leaves them (z = M0
        // (x - mean), out values), starting from the identity; the result is A M0. Without an
        // initial projection z is the centred input and A starts random. See the class comment.
        float[] mean = initial != null ? initial.mean() : mean(vectors);
        int k = initial != null ? out : in;
        float[] inputs = new float[vectors.length * k];
        for (int i = 0; i < vectors.length; i++) {
            float[] z =
                    initial != null ? initial.project(vectors[i], false) : minus(vectors[i], mean);
            System.arraycopy(z, 0, inputs, i * k, k);
        }
        float[] start = initial != null ? identity(out) : random(settings, in);
        Device device = device(settings.device());
        try (NDManager manager = NDManager.newBaseManager(device, ENGINE)) {
            // stored transposed (k x out): the batch, in a per-step manager, is the left operand
            // of every product, so every intermediate array lands in that manager and is freed
            NDArray weights = manager.create(transpose(start, out), new Shape(k, out));
            weights.setRequiresGradient(true);
            Optimizer adam =
                    Adam.builder()
                            .optLearningRateTracker(Tracker.fixed(settings.learningRate()))
                            .build();
            double[] losses = fit(manager, weights, adam, inputs, k, members, settings);
            float[] a = transpose(weights.toFloatArray(), k);
            float[] matrix = initial != null ? multiply(a, initial.matrix(), out) : a;
            return new Trained(
                    new Projection(METHOD, mean, matrix, out), losses, device.toString());
        }
    }

    /**
     * The epochs: P x K batches of the seeded order over {@code inputs} (rows of {@code width});
     * the mean loss of each epoch.
     */
    private static double[] fit(
            NDManager manager,
            NDArray weights,
            Optimizer adam,
            float[] inputs,
            int width,
            List<int[]> members,
            Settings settings) {
        SplittableRandom random = new SplittableRandom(settings.seed());
        int p = settings.groupsPerBatch();
        int perGroup = settings.itemsPerGroup();
        int steps = 0;
        List<Double> losses = new ArrayList<>();
        for (int epoch = 0; epoch < settings.epochs() && steps < settings.maxSteps(); epoch++) {
            int[] order = shuffled(members.size(), random);
            double sum = 0;
            int batches = 0;
            for (int from = 0; from + 2 <= order.length && steps < settings.maxSteps(); from += p) {
                int groupsInBatch = Math.min(p, order.length - from);
                float[] batch = new float[groupsInBatch * perGroup * width];
                int[] labels = new int[groupsInBatch * perGroup];
                for (int g = 0; g < groupsInBatch; g++) {
                    int[] photos = members.get(order[from + g]);
                    int[] picked = shuffled(photos.length, random);
                    for (int j = 0; j < perGroup; j++) {
                        int row = g * perGroup + j;
                        System.arraycopy(
                                inputs, photos[picked[j]] * width, batch, row * width, width);
                        labels[row] = g;
                    }
                }
                double loss = step(manager, weights, adam, batch, labels, settings);
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException(
                            "the metric head's loss diverged at step "
                                    + steps
                                    + "; lower the learning rate");
                }
                sum += loss;
                batches++;
                steps++;
            }
            losses.add(sum / batches);
        }
        return losses.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** One Adam step on one batch; its loss. */
    private static double step(
            NDManager manager,
            NDArray weights,
            Optimizer adam,
            float[] batch,
            int[] labels,
            Settings s) {
        int n = labels.length;
        int width = batch.length / n;
        try (NDManager step = manager.newSubManager()) {
            float[] same = new float[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) same[i * n + j] = labels[i] == labels[j] ? 1 : 0;
            }
            NDArray positives = step.create(same, new Shape(n, n)).sub(step.eye(n));
            NDArray negatives = step.create(same, new Shape(n, n)).neg().add(1);
            double value;
            try (GradientCollector collector = step.getEngine().newGradientCollector()) {
                NDArray x = step.create(batch, new Shape(n, width));
                NDArray loss = multiSimilarity(x.matMul(weights), positives, negatives, s);
                collector.backward(loss);
                value = loss.getFloat();
            }
            try (NDArray gradient = weights.getGradient()) {
                adam.update("weights", weights, gradient);
            }
            return value;
        }
    }

    /**
     * The multi-similarity loss of a batch's projections {@code y} (n x out), with its mining. The
     * masks are n x n floats, 1 where the pair is a positive (without the diagonal) or a negative.
     */
    static NDArray multiSimilarity(NDArray y, NDArray positives, NDArray negatives, Settings s) {
        NDArray unit = y.div(y.square().sum(new int[] {1}, true).add(1e-12f).sqrt());
        NDArray similarity = unit.matMul(unit.transpose());
        // mining decides which pairs count; it is not differentiated
        NDArray fixed = similarity.stopGradient();
        NDArray hardestPositive =
                fixed.add(positives.neg().add(1).mul(4)).min(new int[] {1}, true); // +4: not a pair
        NDArray hardestNegative = fixed.sub(negatives.neg().add(1).mul(4)).max(new int[] {1}, true);
        NDArray keptNegatives =
                negatives.mul(
                        fixed.add(s.margin()).gt(hardestPositive).toType(DataType.FLOAT32, false));
        NDArray keptPositives =
                positives.mul(
                        fixed.sub(s.margin()).lt(hardestNegative).toType(DataType.FLOAT32, false));
        NDArray positiveTerm =
                similarity
                        .sub(s.base())
                        .mul(-s.alpha())
                        .exp()
                        .mul(keptPositives)
                        .sum(new int[] {1})
                        .add(1)
                        .log()
                        .div(s.alpha());
        NDArray negativeTerm =
                similarity
                        .sub(s.base())
                        .mul(s.beta())
                        .exp()
                        .mul(keptNegatives)
                        .sum(new int[] {1})
                        .add(1)
                        .log()
                        .div(s.beta());
        return positiveTerm.add(negativeTerm).mean();
    }

    private static Device device(DeviceChoice choice) {
        if (choice == DeviceChoice.CPU) return Device.cpu(); // without asking the engine for GPUs
        Engine engine = Engine.getEngine(ENGINE);
        boolean gpu = engine.getGpuCount() > 0;
        if (choice == DeviceChoice.GPU && !gpu) {
            throw new IllegalArgumentException(
                    "the metric head was asked to train on a GPU but PyTorch sees none; use cpu or"
                            + " auto");
        }
        return gpu ? Device.gpu() : Device.cpu();
    }

    /** The common dimension of {@code vectors}, after checking them against {@code groups}. */
    private static int checkVectors(float[][] vectors, String[] groups) {
        require(
                vectors.length == groups.length,
                vectors.length + " vectors but " + groups.length + " groups; give one per vector");
        require(vectors.length > 0, "no vectors to learn from");
        int in = vectors[0].length;
        for (int i = 0; i < vectors.length; i++) {
            require(
                    vectors[i].length == in,
                    "vector " + i + " has dimension " + vectors[i].length + ", the first " + in);
            require(groups[i] != null, "vector " + i + " has no group");
        }
        require(in >= 1, "vectors of dimension 0");
        return in;
    }

    /** The photos of each group with at least {@code k}, groups in order of first appearance. */
    private static List<int[]> groupsWithAtLeast(String[] groups, int k) {
        Map<String, List<Integer>> byGroup = new LinkedHashMap<>();
        for (int i = 0; i < groups.length; i++) {
            byGroup.computeIfAbsent(groups[i], g -> new ArrayList<>()).add(i);
        }
        List<int[]> members = new ArrayList<>();
        for (List<Integer> photos : byGroup.values()) {
            if (photos.size() >= k)
                members.add(photos.stream().mapToInt(Integer::intValue).toArray());
        }
        return members;
    }

    private static float[] mean(float[][] vectors) {
        int in = vectors[0].length;
        double[] sum = new double[in];
        for (float[] v : vectors) for (int j = 0; j < in; j++) sum[j] += v[j];
        float[] mean = new float[in];
        for (int j = 0; j < in; j++) mean[j] = (float) (sum[j] / vectors.length);
        return mean;
    }

    private static float[] minus(float[] v, float[] mean) {
        float[] d = new float[v.length];
        for (int j = 0; j < v.length; j++) d[j] = v[j] - mean[j];
        return d;
    }

    /** A random projection (rows of unit norm on average): it keeps cosines roughly as they are. */
    private static float[] random(Settings settings, int in) {
        SplittableRandom random = new SplittableRandom(settings.seed() ^ 0x5eed);
        float[] matrix = new float[settings.outDim() * in];
        double scale = 1 / Math.sqrt(in);
        for (int i = 0; i < matrix.length; i++) matrix[i] = (float) (random.nextGaussian() * scale);
        return matrix;
    }

    private static float[] identity(int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = 1;
        return m;
    }

    /** {@code a} (rows x rows) times {@code b} (rows x cols), row-major, summed in doubles. */
    private static float[] multiply(float[] a, float[] b, int rows) {
        int cols = b.length / rows;
        float[] product = new float[rows * cols];
        double[] row = new double[cols];
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(row, 0);
            for (int j = 0; j < rows; j++) {
                double arj = a[r * rows + j];
                for (int c = 0; c < cols; c++) row[c] += arj * b[j * cols + c];
            }
            for (int c = 0; c < cols; c++) product[r * cols + c] = (float) row[c];
        }
        return product;
    }

    /** A row-major matrix of {@code rows} rows, transposed. */
    private static float[] transpose(float[] matrix, int rows) {
        int cols = matrix.length / rows;
        float[] t = new float[matrix.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t[c * rows + r] = matrix[r * cols + c];
        }
        return t;
    }

    private static int[] shuffled(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static void require(boolean condition, String message) {
        if (!condition) throw new IllegalArgumentException(message);
    }
}
