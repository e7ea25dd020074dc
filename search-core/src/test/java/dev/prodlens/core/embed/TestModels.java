package dev.prodlens.core.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The exported models the tests use: the configured default and its control (`make model`, run by
 * `make test`).
 */
public final class TestModels {
    /** {@code model.id} of conf/prodlens.properties. */
    public static final String DEFAULT =
            Config.load(Repo.root().resolve("conf/prodlens.properties")).get(ConfigKeys.MODEL_ID);

    /** The default architecture with shuffled weights: quality tests must fail on it. */
    public static final String RANDOM = DEFAULT + "-random";

    private TestModels() {}

    public static Path dir(String id) {
        Path dir = Path.of(System.getProperty("prodlens.models", "models")).resolve(id);
        if (!Files.isRegularFile(dir.resolve(ModelCard.FILE_NAME))) {
            throw new IllegalStateException(
                    "model "
                            + id
                            + " is not exported in "
                            + dir
                            + "; run scripts/prepare-model.sh "
                            + id);
        }
        return dir;
    }

    public static EmbedderConfig config(String id, ModelEngine engine) {
        return new EmbedderConfig(
                dir(id),
                engine,
                DeviceChoice.CPU,
                1,
                32,
                DecodeLimits.DEFAULTS.maxBytes(),
                DecodeLimits.DEFAULTS.maxPixels());
    }
}
