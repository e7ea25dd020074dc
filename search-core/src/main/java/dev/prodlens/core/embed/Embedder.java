package dev.prodlens.core.embed;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import dev.prodlens.core.image.DecodeBudget;
import dev.prodlens.core.image.DecodeDeadline;
import dev.prodlens.core.image.ImageDecodeException;
import dev.prodlens.core.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one embedding path for the Spark jobs and the API: bytes → decode (sniffed format, EXIF
 * orientation, reduced-scale decode, pixel cap) → resize/crop → normalise → model → L2 normalise.
 * Thread-safe: each calling thread borrows its own DJL predictor from a pool.
 *
 * <p>Batches never fail as a whole for one image: every image gets a vector or a typed {@link
 * EmbedError}. Opening checks the exported file against the card's sha256 and runs the card's check
 * input through the engine, so a corrupt or mismatched export fails at start-up with a message, not
 * later with wrong vectors.
 */
public final class Embedder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Embedder.class);

    /**
     * Largest allowed difference between the engine's output and the exporter's for the check
     * input.
     */
    private static final float CHECK_TOLERANCE = 2e-3f;

    static {
        // Nothing may be downloaded: the native libraries come from the Maven jars.
        if (System.getProperty("ai.djl.offline") == null)
            System.setProperty("ai.djl.offline", "true");
        if (System.getProperty("java.awt.headless") == null)
            System.setProperty("java.awt.headless", "true");
    }

    /**
     * {@code model.max-batch = 0}: images per engine call on a GPU and on a CPU (see {@link
     * #engineBatch()}).
     */
    private static final int GPU_BATCH = 32;

    private static final int CPU_BATCH = 1;

    private final EmbedderConfig config;
    private final ModelCard card;
    private final int engineBatch;
    private final ImageDecoder decoder;
    private final ImagePreprocessor preprocessor;
    private final ZooModel<float[][], float[][]> model;
    private final ConcurrentLinkedDeque<Predictor<float[][], float[][]>> predictors =
            new ConcurrentLinkedDeque<>();
    private final List<Predictor<float[][], float[][]>> allPredictors = new ArrayList<>();
    private volatile boolean closed;

    private Embedder(
            EmbedderConfig config,
            ModelCard card,
            ZooModel<float[][], float[][]> model,
            int engineBatch) {
        this.engineBatch = engineBatch;
        this.config = config;
        this.card = card;
        this.model = model;
        this.decoder =
                new ImageDecoder(
                        config.decode().withTargetMinSide(card.input().resizeShorterSide()));
        this.preprocessor = new ImagePreprocessor(card.input());
    }

    /**
     * Loads the model named by {@code config}; {@link ModelException} with a one-line reason when
     * it cannot.
     */
    public static Embedder open(EmbedderConfig config) {
        ModelCard card = ModelCard.read(config.modelDir());
        Path file = card.modelFile(config.engine());
        verifyChecksum(file, card.fileSha256(config.engine()));
        configureThreads(config);
        Engine engine = engine(config.engine());
        Device device = device(config.device(), engine);
        if (device.isGpu() && ModelCard.INT8.equals(card.precision())) {
            LOG.warn(
                    "model {} is INT8 QDQ, a CPU choice: on a GPU use its FP32 parent {} (docs/model.md)",
                    card.id(),
                    card.parentId());
        }
        Criteria.Builder<float[][], float[][]> criteria =
                Criteria.builder()
                        .setTypes(float[][].class, float[][].class)
                        .optModelPath(card.dir())
                        .optModelName(fileStem(file))
                        .optEngine(config.engine().djlName())
                        .optDevice(device)
                        .optTranslator(new EmbeddingTranslator(card.input().size(), card.dim()));
        if (config.engine() == ModelEngine.ONNX_RUNTIME) {
            if (config.threads() > 0)
                criteria.optOption("intraOpNumThreads", Integer.toString(config.threads()));
            criteria.optOption("interOpNumThreads", "1");
            criteria.optOption("executionMode", "SEQUENTIAL");
        } else {
            criteria.optOption("mapLocation", "true"); // exported on CPU, may run on a GPU
        }
        ZooModel<float[][], float[][]> model;
        try {
            model = criteria.build().loadModel();
        } catch (Exception e) {
            throw new ModelException(
                    "cannot load "
                            + file
                            + " with "
                            + config.engine().djlName()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        Embedder embedder =
                new Embedder(config, card, model, engineBatch(config.maxBatch(), device));
        try {
            embedder.selfCheck();
        } catch (RuntimeException e) {
            embedder.close();
            throw e;
        }
        LOG.info(
                "model {} ({}, dim {}) on {} {} ready",
                card.id(),
                card.source(),
                card.dim(),
                config.engine().djlName(),
                device);
        return embedder;
    }

    /**
     * Most images per engine call: {@code model.max-batch}, or when that is 0, by device. A GPU
     * needs batches to be used at all; on a CPU this model runs fastest one image at a time (2
     * cores, ONNX Runtime, one thread per instance: 203 images/s at batch 1 against 141 at 32,
     * bench/embed.sh), since a batch's activations no longer fit the caches.
     */
    private static int engineBatch(int configured, Device device) {
        if (configured > 0) return configured;
        return device.isGpu() ? GPU_BATCH : CPU_BATCH;
    }

    /** How many images one engine call takes (see {@code model.max-batch}). */
    public int engineBatch() {
        return engineBatch;
    }

    /** The memory all this embedder's decodes share (for metrics). */
    public DecodeBudget decodeBudget() {
        return decoder.budget();
    }

    public ModelCard card() {
        return card;
    }

    public EmbedderConfig config() {
        return config;
    }

    /**
     * Decodes and preprocesses one image (the CPU half of embedding); never throws for bad bytes.
     */
    public PreparedImage prepare(byte[] bytes) {
        return prepare(bytes, DecodeDeadline.after(config.decode().timeout()));
    }

    /** {@link #prepare(byte[])} by a deadline the caller may cancel (the client went away). */
    public PreparedImage prepare(byte[] bytes, DecodeDeadline deadline) {
        return prepareRegions(bytes, deadline, null).get(0);
    }

    /**
     * The whole image and then each crop of {@code layout} (null: none) prepared from one decode:
     * {@code 1 + layout.count()} inputs in order. The crops are views of the decoded image (no
     * second decode, no pixel copy) through the same preprocessing as the whole, so the decode
     * budget, limits and deadline bound a region query as they bound a plain one. When the decode
     * fails every entry carries its error; a crop not prepared by the deadline carries the
     * deadline's error while the whole image stands.
     */
    public List<PreparedImage> prepareRegions(
            byte[] bytes, DecodeDeadline deadline, RegionLayout layout) {
        int crops = layout == null ? 0 : layout.count();
        List<PreparedImage> prepared = new ArrayList<>(1 + crops);
        BufferedImage image;
        try {
            image = decoder.decode(bytes, deadline);
            prepared.add(PreparedImage.of(preprocessor.toTensor(image)));
        } catch (ImageDecodeException e) {
            return Collections.nCopies(1 + crops, PreparedImage.failed(EmbedError.of(e)));
        }
        if (crops == 0) return prepared;
        for (ImageRegion r : layout.regionsOf(image.getWidth(), image.getHeight())) {
            try {
                deadline.check();
                BufferedImage crop = image.getSubimage(r.x(), r.y(), r.width(), r.height());
                prepared.add(PreparedImage.of(preprocessor.toTensor(crop)));
            } catch (ImageDecodeException e) {
                prepared.add(PreparedImage.failed(EmbedError.of(e)));
            }
        }
        return prepared;
    }

    /**
     * The model input of a prepared image (for benchmarks that time the model alone); null when it
     * failed.
     */
    public static float[] tensorOf(PreparedImage image) {
        return image.chw();
    }

    /** Embeds one image. */
    public EmbedResult embed(byte[] bytes) {
        return embedPrepared(List.of(prepare(bytes))).get(0);
    }

    /**
     * Embeds many images, one result per image in order; bad images get errors, the rest vectors.
     */
    public List<EmbedResult> embed(List<byte[]> images) {
        List<PreparedImage> prepared = new ArrayList<>(images.size());
        for (byte[] bytes : images) prepared.add(prepare(bytes));
        return embedPrepared(prepared);
    }

    /**
     * Runs the model on prepared images in chunks of {@link #engineBatch()}; failed preparations
     * pass through.
     */
    public List<EmbedResult> embedPrepared(List<PreparedImage> images) {
        EmbedResult[] results = new EmbedResult[images.size()];
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            PreparedImage image = images.get(i);
            if (image.isOk()) pending.add(i);
            else results[i] = EmbedResult.failed(image.error());
        }
        for (int from = 0; from < pending.size(); from += engineBatch) {
            List<Integer> chunk =
                    pending.subList(from, Math.min(pending.size(), from + engineBatch));
            float[][] batch = new float[chunk.size()][];
            for (int j = 0; j < batch.length; j++) batch[j] = images.get(chunk.get(j)).chw();
            try {
                float[][] vectors = runModel(batch);
                for (int j = 0; j < vectors.length; j++)
                    results[chunk.get(j)] = EmbedResult.ok(vectors[j]);
            } catch (ModelException e) {
                LOG.warn("model failed on a batch of {}: {}", batch.length, e.getMessage());
                EmbedError error = new EmbedError(EmbedError.Code.MODEL_FAILED, e.getMessage());
                for (int index : chunk) results[index] = EmbedResult.failed(error);
            }
        }
        return List.of(results);
    }

    /**
     * The model alone on already-normalised CHW tensors (3 × size × size each): L2-normalised
     * embeddings. For benchmarks and the self-check; {@link ModelException} when the engine fails.
     */
    public float[][] runModel(float[][] batch) {
        if (closed) throw new IllegalStateException("embedder is closed");
        if (batch.length == 0) return new float[0][];
        Predictor<float[][], float[][]> predictor = borrow();
        try {
            return predictor.predict(batch);
        } catch (Exception e) {
            throw new ModelException(
                    card.id() + " on " + config.engine().djlName() + " failed: " + e.getMessage(),
                    e);
        } finally {
            predictors.push(predictor);
        }
    }

    private Predictor<float[][], float[][]> borrow() {
        Predictor<float[][], float[][]> predictor = predictors.poll();
        if (predictor != null) return predictor;
        predictor = model.newPredictor();
        synchronized (allPredictors) {
            allPredictors.add(predictor);
        }
        return predictor;
    }

    /** The card's check input through this engine must give the exporter's output. */
    private void selfCheck() {
        float[] unit = runModel(new float[][] {card.checkInput()})[0];
        float[] expected = card.checkHead();
        for (int i = 0; i < expected.length; i++) {
            float raw = unit[i] * card.checkNorm(); // runModel L2-normalises; the card holds raw
            // outputs
            if (Math.abs(raw - expected[i]) > CHECK_TOLERANCE) {
                throw new ModelException(
                        String.format(
                                "%s on %s gives %.6f at output %d for the check input, the exporter got %.6f;"
                                        + " the export is damaged or from another model: re-run scripts/prepare-model.sh",
                                card.id(), config.engine().djlName(), raw, i, expected[i]));
            }
        }
    }

    private static void configureThreads(EmbedderConfig config) {
        if (config.engine() != ModelEngine.PYTORCH) return;
        // libtorch reads these once, when the engine starts in this JVM.
        if (config.threads() > 0)
            setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(config.threads()));
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        // The profiling graph executor re-optimises for every new batch shape: slow first calls, no
        // gain for CNNs.
        setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    private static Engine engine(ModelEngine choice) {
        try {
            Engine engine = Engine.getEngine(choice.djlName());
            if (engine == null)
                throw new ModelException(
                        "DJL engine " + choice.djlName() + " is not on the classpath");
            return engine;
        } catch (ModelException e) {
            throw e;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new ModelException(
                    "cannot start the " + choice.djlName() + " engine: " + e.getMessage(), e);
        }
    }

    private static Device device(DeviceChoice choice, Engine engine) {
        if (choice == DeviceChoice.CPU) return Device.cpu(); // without asking the engine for GPUs
        int gpus = gpuCount(engine);
        if (choice == DeviceChoice.AUTO) return gpus > 0 ? Device.gpu() : Device.cpu();
        if (gpus == 0) {
            throw new ModelException(
                    "model.device = gpu but "
                            + engine.getEngineName()
                            + " sees no GPU; use the CUDA build (see docs) or set model.device = auto");
        }
        return Device.gpu();
    }

    /**
     * GPUs the engine can use. For ONNX Runtime the CPU build is asked for its providers first:
     * DJL's own probe tries to add the CUDA provider and logs a warning on every CPU machine.
     */
    private static int gpuCount(Engine engine) {
        if (engine.getEngineName().equals(ModelEngine.ONNX_RUNTIME.djlName())) {
            if (!ai.onnxruntime.OrtEnvironment.getAvailableProviders()
                    .contains(ai.onnxruntime.OrtProvider.CUDA)) return 0;
        }
        return engine.getGpuCount();
    }

    private static void verifyChecksum(Path file, String expected) {
        try (InputStream in =
                new DigestInputStream(
                        Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            String actual =
                    HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
            if (!actual.equals(expected)) {
                throw new ModelException(
                        file
                                + " has sha256 "
                                + actual
                                + " but its model card says "
                                + expected
                                + "; re-run scripts/prepare-model.sh");
            }
        } catch (IOException e) {
            throw new ModelException(
                    "cannot read "
                            + file
                            + " ("
                            + e.getMessage()
                            + "); run scripts/prepare-model.sh");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fileStem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        synchronized (allPredictors) {
            allPredictors.forEach(Predictor::close);
            allPredictors.clear();
        }
        predictors.clear();
        model.close();
    }
}
