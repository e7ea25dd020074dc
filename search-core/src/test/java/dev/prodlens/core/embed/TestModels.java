package dev.prodlens.core.embed;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The exported models the tests use: the configured default, its FP32 export and that export's
 * control, and the INT8 exports with their FP32 parents (`make model`, run by `make test`).
 */
public final class TestModels {
    /** {@code model.id} of conf/prodlens.properties. */
    public static final String DEFAULT =
            Config.load(Repo.root().resolve("conf/prodlens.properties")).get(ConfigKeys.MODEL_ID);

    /**
     * The default's FP32 export: the default itself, or its parent when the default is an INT8
     * export ({@code <id>-int8}, ONNX Runtime only). Tests that compare the engines or need the
     * TorchScript file use it; scripts/model-wheels.sh's {@code default-fp32} names the same.
     */
    public static final String DEFAULT_FP32 = DEFAULT.replaceFirst("-int8$", "");

    /**
     * The default architecture with shuffled weights (FP32): quality tests must fail on it, and it
     * stands for "another model of the same dimension".
     */
    public static final String RANDOM = DEFAULT_FP32 + "-random";

    /**
     * The INT8 exports the quality gate tests (Int8QualityGateTest), beside any other {@code
     * *-int8} directory in the models directory: the Makefile's {@code model} target prepares these
     * (and so their FP32 parents).
     */
    public static final List<String> INT8 =
            List.of("mobilenetv2-deepsort-int8", "efficientnet-lite0-int8");

    private TestModels() {}

    /** {@link #INT8} and every other exported {@code *-int8} model, sorted. */
    public static List<String> int8Models() {
        Set<String> ids = new TreeSet<>(INT8);
        Path models = Path.of(System.getProperty("prodlens.models", "models"));
        if (Files.isDirectory(models)) {
            try (Stream<Path> dirs = Files.list(models)) {
                dirs.map(d -> d.getFileName().toString())
                        .filter(id -> id.endsWith("-int8"))
                        .filter(
                                id ->
                                        Files.isRegularFile(
                                                models.resolve(id).resolve(ModelCard.FILE_NAME)))
                        .forEach(ids::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.copyOf(ids);
    }

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
