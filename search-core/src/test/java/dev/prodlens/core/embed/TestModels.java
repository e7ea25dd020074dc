package dev.prodlens.core.embed;

import dev.prodlens.core.image.DecodeLimits;

import java.nio.file.Files;
import java.nio.file.Path;

/** The exported models the tests use (scripts/prepare-model.sh, run by `make test`). */
final class TestModels {
    static final String DEFAULT = "efficientnet-lite0";
    /** The default architecture with shuffled weights: quality tests must fail on it. */
    static final String RANDOM = DEFAULT + "-random";

    private TestModels() {
    }

    static Path dir(String id) {
        Path dir = Path.of(System.getProperty("prodlens.models", "models")).resolve(id);
        if (!Files.isRegularFile(dir.resolve(ModelCard.FILE_NAME))) {
            throw new IllegalStateException("model " + id + " is not exported in " + dir + "; run scripts/prepare-model.sh " + id);
        }
        return dir;
    }

    static EmbedderConfig config(String id, ModelEngine engine) {
        return new EmbedderConfig(dir(id), engine, DeviceChoice.CPU, 1, 32, DecodeLimits.DEFAULTS.maxBytes(), DecodeLimits.DEFAULTS.maxPixels());
    }
}
