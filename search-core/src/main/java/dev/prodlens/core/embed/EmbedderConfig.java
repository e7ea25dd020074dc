package dev.prodlens.core.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.image.DecodeLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How to run the embedding model.
 *
 * @param modelDir the exported model's directory (holds {@code model-card.json})
 * @param engine PyTorch (TorchScript) or ONNX Runtime
 * @param device cpu, gpu or auto
 * @param threads intra-op threads per model instance; 0 = the engine's default
 * @param maxBatch largest batch handed to the engine at once (bigger inputs are split); 0 = by
 *     device ({@link Embedder#engineBatch()})
 * @param decode what an image may cost to decode (its {@code targetMinSide} is the model's: the
 *     card's resize side replaces it)
 */
public record EmbedderConfig(
        Path modelDir,
        ModelEngine engine,
        DeviceChoice device,
        int threads,
        int maxBatch,
        DecodeLimits decode) {
    public EmbedderConfig {
        if (threads < 0 || maxBatch < 0 || decode == null) {
            throw new IllegalArgumentException("threads, maxBatch ≥ 0 and decode limits required");
        }
    }

    /** Default decode memory and time limits with these size limits. */
    public EmbedderConfig(
            Path modelDir,
            ModelEngine engine,
            DeviceChoice device,
            int threads,
            int maxBatch,
            long maxBytes,
            long maxPixels) {
        this(
                modelDir,
                engine,
                device,
                threads,
                maxBatch,
                DecodeLimits.DEFAULTS.withMaxBytes(maxBytes).withMaxPixels(maxPixels));
    }

    /** Largest encoded image accepted. */
    public long maxBytes() {
        return decode.maxBytes();
    }

    /** Largest decoded image accepted (width × height). */
    public long maxPixels() {
        return decode.maxPixels();
    }

    /**
     * From {@code model.*} and {@code decode.*} keys; relative paths resolve against {@code base}.
     */
    public static EmbedderConfig from(Config config, Path base) {
        Path dir = config.path(ConfigKeys.MODEL_DIR, base).resolve(config.get(ConfigKeys.MODEL_ID));
        return new EmbedderConfig(
                dir,
                config.enumValue(ConfigKeys.MODEL_ENGINE, ModelEngine.class),
                config.enumValue(ConfigKeys.MODEL_DEVICE, DeviceChoice.class),
                config.get(ConfigKeys.MODEL_THREADS),
                config.get(ConfigKeys.MODEL_MAX_BATCH),
                decodeLimits(config));
    }

    /**
     * From settings whose paths are already absolute, as the jobs resolve them on the driver and
     * hand them to the executors ({@code JobSettings.embedderSettings()}).
     */
    public static EmbedderConfig fromResolved(Map<String, String> settings) {
        return from(Config.of(settings), Path.of("/"));
    }

    /**
     * {@code decode.*}: sizes, memory and time, each in its key's range; {@link DecodeLimits}
     * checks how they relate (the budget holds at least one decode) with a one-line message.
     */
    static DecodeLimits decodeLimits(Config config) {
        try {
            return new DecodeLimits(
                    config.get(ConfigKeys.DECODE_MAX_BYTES),
                    config.get(ConfigKeys.DECODE_MAX_PIXELS),
                    DecodeLimits.DEFAULTS.targetMinSide(),
                    config.get(ConfigKeys.DECODE_MAX_MEMORY_BYTES),
                    config.get(ConfigKeys.DECODE_MEMORY_BUDGET_BYTES),
                    Duration.ofMillis(config.get(ConfigKeys.DECODE_TIMEOUT_MS)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage() + "; fix it in " + config.origin());
        }
    }

    /** The same configuration for another model directory. */
    public EmbedderConfig withModelDir(Path other) {
        return new EmbedderConfig(other, engine, device, threads, maxBatch, decode);
    }
}
