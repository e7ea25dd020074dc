package dev.prodlens.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.embed.DeviceChoice;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one configuration loader: file, overrides, typed values and one-line errors. */
class ConfigTest {
    @TempDir Path tmp;

    private Path write(String text) throws IOException {
        Path file = tmp.resolve("prodlens.properties");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void systemPropertyOverridesTheFile() throws IOException {
        Path file = write("model.id = from-file\nmodel.threads = 3\n");
        System.setProperty("model.id", "from-system");
        try {
            Config config = Config.load(file);
            assertEquals("from-system", config.string("model.id"));
            assertEquals(3, config.intValue("model.threads", 1, 0, 8));
        } finally {
            System.clearProperty("model.id");
        }
    }

    @Test
    void environmentVariableNamesFollowTheKey() {
        assertEquals("PRODLENS_MODEL_ID", Config.envName("model.id"));
        assertEquals("PRODLENS_DECODE_MAX_PIXELS", Config.envName("decode.max-pixels"));
    }

    @Test
    void badValuesSayWhichKeyAndWhatIsExpected() {
        Config config =
                Config.of(
                        Map.of(
                                "model.threads",
                                "many",
                                "model.engine",
                                "tensorflow",
                                "model.max-batch",
                                "0"));
        ConfigException threads =
                assertThrows(
                        ConfigException.class, () -> config.intValue("model.threads", 1, 0, 256));
        assertTrue(
                threads.getMessage()
                        .startsWith("model.threads = 'many' is not an integer in [0, 256]"),
                threads.getMessage());
        ConfigException engine =
                assertThrows(
                        ConfigException.class,
                        () ->
                                config.enumValue(
                                        "model.engine", ModelEngine.class, ModelEngine.PYTORCH));
        assertTrue(
                engine.getMessage().contains("PYTORCH")
                        && engine.getMessage().contains("ONNX_RUNTIME"),
                engine.getMessage());
        assertThrows(ConfigException.class, () -> config.intValue("model.max-batch", 32, 1, 4096));
        ConfigException missing =
                assertThrows(ConfigException.class, () -> config.string("model.id"));
        assertTrue(missing.getMessage().contains("PRODLENS_MODEL_ID"), missing.getMessage());
    }

    @Test
    void booleansAreTrueOrFalseAndNothingElse() {
        Config config = Config.of(Map.of("a", "TRUE", "b", "false", "c", "yes", "d", "1"));
        assertTrue(config.booleanValue("a", false));
        assertEquals(false, config.booleanValue("b", true));
        assertEquals(true, config.booleanValue("absent", true), "an absent key takes the fallback");
        for (String key : new String[] {"c", "d"}) {
            ConfigException e =
                    assertThrows(ConfigException.class, () -> config.booleanValue(key, true));
            assertEquals(
                    key
                            + " = '"
                            + config.string(key)
                            + "' is not true or false; fix it in defaults",
                    e.getMessage());
        }
    }

    @Test
    void missingFileIsAClearError() {
        ConfigException e =
                assertThrows(
                        ConfigException.class, () -> Config.load(tmp.resolve("nope.properties")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void embedderConfigComesFromTheKeysWithEngineNamesAsPeopleWriteThem() {
        Config config =
                Config.of(
                        Map.of(
                                "model.id",
                                "m",
                                "model.dir",
                                "models",
                                "model.engine",
                                "OnnxRuntime",
                                "model.device",
                                "cpu",
                                "model.threads",
                                "2",
                                "model.max-batch",
                                "8"));
        EmbedderConfig embedder = EmbedderConfig.from(config, tmp);
        assertEquals(tmp.resolve("models").resolve("m"), embedder.modelDir());
        assertEquals(ModelEngine.ONNX_RUNTIME, embedder.engine());
        assertEquals(DeviceChoice.CPU, embedder.device());
        assertEquals(2, embedder.threads());
        assertEquals(8, embedder.maxBatch());
        assertEquals(
                ModelEngine.PYTORCH,
                EmbedderConfig.from(config.with(Map.of("model.engine", "pytorch")), tmp).engine());
    }

    @Test
    void theShippedConfigurationLoads() {
        Path repo =
                Path.of(System.getProperty("prodlens.models", "models"))
                        .toAbsolutePath()
                        .getParent();
        EmbedderConfig embedder =
                EmbedderConfig.from(Config.load(repo.resolve("conf/prodlens.properties")), repo);
        assertTrue(
                Files.isDirectory(embedder.modelDir()), embedder.modelDir() + " (run make model)");
    }
}
