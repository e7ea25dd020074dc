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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
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

    private static final Properties NO_PROPERTIES = new Properties();

    private static Properties properties(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return p;
    }

    @Test
    void overridesGoFileThenEnvironmentThenSystemPropertyThenArgument() throws IOException {
        Path file = write("model.id = from-file\nmodel.threads = 3\n");
        Config fileOnly = Config.load(file, Map.of(), NO_PROPERTIES);
        assertEquals("from-file", fileOnly.get(ConfigKeys.MODEL_ID));
        assertEquals(3, fileOnly.get(ConfigKeys.MODEL_THREADS));
        Map<String, String> env = Map.of("PRODLENS_MODEL_ID", "from-env");
        assertEquals("from-env", Config.load(file, env, NO_PROPERTIES).get(ConfigKeys.MODEL_ID));
        Config system = Config.load(file, env, properties("model.id", "from-system"));
        assertEquals("from-system", system.get(ConfigKeys.MODEL_ID));
        assertEquals(
                "from-argument",
                system.with(Map.of("model.id", "from-argument")).get(ConfigKeys.MODEL_ID));
    }

    @Test
    void everyRegisteredKeyCanBeOverriddenEvenWhenTheFileLacksIt() throws IOException {
        Path empty = write("# nothing\n");
        for (ConfigKey<?> key : ConfigKeys.all()) {
            String value = sampleValue(key);
            assertEquals(
                    value,
                    Config.load(empty, Map.of(key.envName(), value), NO_PROPERTIES).text(key),
                    key.envName());
            assertEquals(
                    value,
                    Config.load(empty, Map.of(), properties(key.name(), value)).text(key),
                    "-D" + key.name());
            assertEquals(
                    value,
                    Config.load(empty, Map.of(), NO_PROPERTIES)
                            .with(Map.of(key.name(), value))
                            .text(key),
                    key.name() + "=...");
        }
    }

    /** A value {@code key} takes that is not its default. */
    private static String sampleValue(ConfigKey<?> key) {
        for (String candidate :
                new String[] {
                    "7", "100", "2000000", "0.5", "false", "true", "2,3", "PyTorch", "cpu", "csv",
                    "off", "auto", "x", "0.5:3", "0.25"
                }) {
            if (candidate.equals(key.defaultText())) continue;
            try {
                Config.of(Map.of(key.name(), candidate)).get(key);
                return candidate;
            } catch (ConfigException notThisOne) {
                // try the next
            }
        }
        throw new AssertionError("no sample value for " + key);
    }

    @Test
    void aKeyAbsentFromTheFileTakesItsOverride_evaluateBundle() throws IOException {
        Path file = write("catalogue.name = shop\n");
        Config config = Config.load(file, Map.of(), properties("evaluate.bundle", "v1"));
        assertEquals("v1", config.get(ConfigKeys.EVALUATE_BUNDLE));
        assertEquals(
                "", Config.load(file, Map.of(), NO_PROPERTIES).get(ConfigKeys.EVALUATE_BUNDLE));
    }

    @Test
    void aTypoInTheFileNamesTheNearestKey() throws IOException {
        Path file = write("api.prot = 9000\n");
        assertEquals(
                "unknown configuration key 'api.prot' in " + file + "; did you mean api.port?",
                refusedLoad(file, Map.of(), NO_PROPERTIES));
    }

    @Test
    void aTypoInTheEnvironmentNamesTheNearestVariable() throws IOException {
        Path file = write("");
        String e = refusedLoad(file, Map.of("PRODLENS_MODEL_IDD", "x"), NO_PROPERTIES);
        assertTrue(
                e.startsWith("unknown configuration variable PRODLENS_MODEL_IDD")
                        && e.endsWith("did you mean PRODLENS_MODEL_ID (model.id)?"),
                e);
        // the scripts' own variables are no keys, and other programs' variables are not ours
        Config config =
                Config.load(
                        file,
                        Map.of(
                                "PRODLENS_CACHE", "/tmp/c",
                                "PRODLENS_NOTEBOOK_K", "5",
                                "HOME", "/root"),
                        NO_PROPERTIES);
        assertEquals("efficientnet-lite0-int8", config.get(ConfigKeys.MODEL_ID));
    }

    @Test
    void aTypoInASystemPropertyOrArgumentNamesTheNearestKey() throws IOException {
        Path file = write("");
        assertEquals(
                "unknown configuration key 'evaluate.bundel' in -Devaluate.bundel; did you mean"
                        + " evaluate.bundle?",
                refusedLoad(file, Map.of(), properties("evaluate.bundel", "v1")));
        // a property outside the keys' sections (java.*, spark.*) is not ours to judge
        Config.load(file, Map.of(), properties("spark.master", "local[2]"));
        assertTrue(refusedArgument("index.tune-kk", "5").endsWith("did you mean index.tune-k?"));
        String far = refusedArgument("colour", "blue");
        assertTrue(far.endsWith("the keys are listed in docs/configuration.md"), far);
    }

    /** The one-line message that refuses to load {@code file} with this environment. */
    private static String refusedLoad(Path file, Map<String, String> env, Properties system) {
        return assertThrows(ConfigException.class, () -> Config.load(file, env, system))
                .getMessage();
    }

    /** The one-line message that refuses {@code key=value} as a command-line argument. */
    private static String refusedArgument(String key, String value) {
        return assertThrows(
                        ConfigException.class,
                        () -> Config.of(Map.of()).with(Map.of(key, value)),
                        key + "=" + value)
                .getMessage();
    }

    @Test
    void aBadValueStopsTheLoadNamingKeyValueExpectationAndWhereItWasGiven() throws IOException {
        Path file = write("model.threads = many\n");
        assertEquals(
                "model.threads = 'many' is not an integer in [0, 256]; fix it in " + file,
                refusedLoad(file, Map.of(), NO_PROPERTIES));
        assertEquals(
                "api.port = '70000' is not an integer in [0, 65535]; fix it in the environment"
                        + " (PRODLENS_API_PORT)",
                refusedLoad(write(""), Map.of("PRODLENS_API_PORT", "70000"), NO_PROPERTIES));
        assertEquals(
                "model.engine = 'tensorflow' is not one of OnnxRuntime, PyTorch; fix it in the"
                        + " argument model.engine=tensorflow",
                refusedArgument("model.engine", "tensorflow"));
        assertTrue(
                refusedArgument("index.target-recall", "0").contains("is not a number in (0, 1]"));
        assertTrue(
                refusedArgument("api.batching.max-queue-delay-ms", "-1")
                        .contains("is not a number in [0, 10000]"));
        assertTrue(refusedArgument("api.port", "").startsWith("api.port = '' is not an integer"));
        String emptyName = refusedArgument("catalogue.name", " ");
        assertTrue(emptyName.startsWith("catalogue.name = '' is not letters, digits"), emptyName);
    }

    @Test
    void environmentVariableNamesFollowTheKey() {
        assertEquals("PRODLENS_MODEL_ID", Config.envName("model.id"));
        assertEquals("PRODLENS_DECODE_MAX_PIXELS", ConfigKeys.DECODE_MAX_PIXELS.envName());
        Set<String> variables = new HashSet<>();
        for (ConfigKey<?> key : ConfigKeys.all()) {
            assertTrue(variables.add(key.envName()), "two keys share " + key.envName());
        }
    }

    @Test
    void typedValuesAndDefaults() {
        Config config =
                Config.of(
                        Map.of(
                                "api.batching.enabled", "FALSE",
                                "evaluate.recall-ks", "1, 10",
                                "model.engine", "onnx-runtime"));
        assertEquals(false, config.get(ConfigKeys.API_BATCHING_ENABLED));
        assertEquals(List.of(1, 10), config.get(ConfigKeys.EVALUATE_RECALL_KS));
        assertEquals("OnnxRuntime", config.get(ConfigKeys.MODEL_ENGINE));
        assertEquals(8080, config.get(ConfigKeys.API_PORT), "an absent key takes its default");
        assertEquals(Optional.empty(), config.find(ConfigKeys.API_ADMIN_KEY));
        for (String notABoolean : new String[] {"yes", "1", "ture"}) {
            String message = refusedArgument("api.batching.enabled", notABoolean);
            assertTrue(message.contains("is not true or false"), message);
        }
    }

    @Test
    void nearestIsByEditDistance() {
        assertEquals(2, ConfigKeys.editDistance("api.prot", "api.port"), "a swap is two edits");
        assertEquals(0, ConfigKeys.editDistance("a", "a"));
        assertEquals(3, ConfigKeys.editDistance("", "abc"));
        assertEquals(
                Optional.of("model.threads"),
                ConfigKeys.nearest("model.thread", List.of("model.threads", "model.id")));
    }

    @Test
    void missingFileIsAClearError() {
        String e = refusedLoad(tmp.resolve("nope.properties"), Map.of(), NO_PROPERTIES);
        assertTrue(e.contains("not found"), e);
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
