package dev.prodlens.core.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.image.DecodeLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
        Path dir = config.path("model.dir", base).resolve(config.string("model.id"));
        return new EmbedderConfig(
                dir,
                config.enumValue("model.engine", ModelEngine.class, ModelEngine.ONNX_RUNTIME),
                config.enumValue("model.device", DeviceChoice.class, DeviceChoice.AUTO),
                config.intValue("model.threads", 1, 0, 256),
                config.intValue("model.max-batch", 0, 0, 4096),
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
     * {@code decode.*}: sizes, memory and time; each checked by {@link DecodeLimits} with a
     * one-line message.
     */
    static DecodeLimits decodeLimits(Config config) {
        DecodeLimits d = DecodeLimits.DEFAULTS;
        try {
            return new DecodeLimits(
                    config.longValue("decode.max-bytes", d.maxBytes(), 1, Integer.MAX_VALUE),
                    config.longValue("decode.max-pixels", d.maxPixels(), 1, Integer.MAX_VALUE),
                    d.targetMinSide(),
                    config.longValue(
                            "decode.max-memory-bytes",
                            d.maxMemoryBytes(),
                            1L << 20,
                            Long.MAX_VALUE / 2),
                    config.longValue(
                            "decode.memory-budget-bytes",
                            d.memoryBudgetBytes(),
                            1L << 20,
                            (long) Integer.MAX_VALUE * 1024),
                    Duration.ofMillis(
                            config.longValue(
                                    "decode.timeout-ms",
                                    d.timeout().toMillis(),
                                    1,
                                    TimeUnit.HOURS.toMillis(1))));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage() + "; fix it in " + config.origin());
        }
    }

    /** The same configuration for another model directory. */
    public EmbedderConfig withModelDir(Path other) {
        return new EmbedderConfig(other, engine, device, threads, maxBatch, decode);
    }
}
