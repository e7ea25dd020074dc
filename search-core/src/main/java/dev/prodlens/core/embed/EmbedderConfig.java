package dev.prodlens.core.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.image.DecodeLimits;

import java.nio.file.Path;

/**
 * How to run the embedding model.
 *
 * @param modelDir   the exported model's directory (holds {@code model-card.json})
 * @param engine     PyTorch (TorchScript) or ONNX Runtime
 * @param device     cpu, gpu or auto
 * @param threads    intra-op threads per model instance; 0 = the engine's default
 * @param maxBatch   largest batch handed to the engine at once (bigger inputs are split); 0 = by device
 *                   ({@link Embedder#engineBatch()})
 * @param maxBytes   largest encoded image accepted
 * @param maxPixels  largest decoded image accepted (width × height)
 */
public record EmbedderConfig(Path modelDir, ModelEngine engine, DeviceChoice device, int threads, int maxBatch,
                             long maxBytes, long maxPixels) {
    public EmbedderConfig {
        if (threads < 0 || maxBatch < 0 || maxBytes < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("threads, maxBatch ≥ 0 and maxBytes, maxPixels ≥ 1 required");
        }
    }

    /** From {@code model.*} and {@code decode.*} keys; relative paths resolve against {@code base}. */
    public static EmbedderConfig from(Config config, Path base) {
        Path dir = config.path("model.dir", base).resolve(config.string("model.id"));
        return new EmbedderConfig(dir,
                config.enumValue("model.engine", ModelEngine.class, ModelEngine.ONNX_RUNTIME),
                config.enumValue("model.device", DeviceChoice.class, DeviceChoice.AUTO),
                config.intValue("model.threads", 1, 0, 256),
                config.intValue("model.max-batch", 0, 0, 4096),
                config.longValue("decode.max-bytes", DecodeLimits.DEFAULTS.maxBytes(), 1, Integer.MAX_VALUE),
                config.longValue("decode.max-pixels", DecodeLimits.DEFAULTS.maxPixels(), 1, Integer.MAX_VALUE));
    }

    /** The same configuration for another model directory. */
    public EmbedderConfig withModelDir(Path other) {
        return new EmbedderConfig(other, engine, device, threads, maxBatch, maxBytes, maxPixels);
    }
}
