package dev.prodlens.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The one configuration loader: a properties file from {@code conf/}, overridden per key by an
 * environment variable ({@code model.id} → {@code PRODLENS_MODEL_ID}), then by a JVM system
 * property of the same name, then by a command line's {@code key=value} arguments ({@link #with}).
 * Every key is one of {@link ConfigKeys}: an unknown one (a typo) in any of these places, or a
 * value its key refuses, is a {@link ConfigException} of one line naming the key, where it was
 * given and, for a typo, the nearest known key. {@link #get} reads a typed value, the default when
 * the key was not given.
 */
public final class Config {
    /** The values given, by key (the raw text). */
    private final Map<String, String> values;

    /** Where each given value came from: the file, an environment variable, ... (for messages). */
    private final Map<String, String> sources;

    private final String origin;

    private Config(Map<String, String> values, Map<String, String> sources, String origin) {
        this.values = values;
        this.sources = sources;
        this.origin = origin;
    }

    /** Reads {@code file} and applies the environment's and the system properties' overrides. */
    public static Config load(Path file) {
        return load(file, System.getenv(), System.getProperties());
    }

    /** {@link #load(Path)} with the given environment and system properties (tests). */
    static Config load(Path file, Map<String, String> env, Properties system) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new ConfigException(
                    "configuration file "
                            + file
                            + " not found; pass the path of conf/prodlens.properties");
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException(
                    "cannot read configuration file " + file + ": " + e.getMessage());
        }
        Config config = new Config(new TreeMap<>(), new TreeMap<>(), file.toString());
        for (String key : new TreeMap<>(propertiesMap(properties)).keySet()) {
            config.put(key, properties.getProperty(key), file.toString());
        }
        for (var e : new TreeMap<>(env).entrySet()) {
            String variable = e.getKey();
            if (!variable.startsWith("PRODLENS_")) continue;
            if (ConfigKeys.NOT_KEYS_ENV_PREFIXES.stream().anyMatch(variable::startsWith)) continue;
            config.put(keyOfVariable(variable), e.getValue(), "the environment (" + variable + ")");
        }
        for (String property : new TreeMap<>(propertiesMap(system)).keySet()) {
            int dot = property.indexOf('.');
            if (dot > 0 && ConfigKeys.sections().contains(property.substring(0, dot))) {
                config.put(property, system.getProperty(property), "-D" + property);
            }
        }
        return config;
    }

    /**
     * Values a program made, not a user: those the jobs resolve on the driver and hand to
     * executors, or a test's. Their names are not checked (they may carry the program's own
     * entries); their values are when read.
     */
    public static Config of(Map<String, String> values) {
        return new Config(new TreeMap<>(values), new TreeMap<>(), "defaults");
    }

    /**
     * This configuration with {@code key=value} pairs (a command line's arguments) replacing or
     * adding entries; each must be a known key with a value it takes.
     */
    public Config with(Map<String, String> overrides) {
        Config merged = new Config(new TreeMap<>(values), new TreeMap<>(sources), origin);
        overrides.forEach((k, v) -> merged.put(k, v, "the argument " + k + "=" + v));
        return merged;
    }

    private void put(String key, String raw, String source) {
        ConfigKey<?> known = ConfigKeys.named(key).orElseThrow(() -> unknownKey(key, source));
        String value = raw.strip();
        known.parse(value, source);
        values.put(key, value);
        sources.put(key, source);
    }

    private static String keyOfVariable(String variable) {
        Optional<ConfigKey<?>> key = ConfigKeys.byEnvName(variable);
        if (key.isPresent()) return key.get().name();
        String hint =
                ConfigKeys.nearest(variable, ConfigKeys.envNames())
                        .map(
                                v ->
                                        "did you mean "
                                                + v
                                                + " ("
                                                + ConfigKeys.byEnvName(v).get().name()
                                                + ")?")
                        .orElse("the keys are listed in docs/configuration.md");
        throw new ConfigException(
                "unknown configuration variable "
                        + variable
                        + " in the environment (PRODLENS_ variables set configuration keys); "
                        + hint);
    }

    /**
     * The error for {@code key}, given in {@code source}, that is no key: it names the nearest
     * known key when there is one near enough to be a typo.
     */
    static ConfigException unknownKey(String key, String source) {
        String hint =
                ConfigKeys.nearest(key, ConfigKeys.all().stream().map(ConfigKey::name).toList())
                        .map(k -> "did you mean " + k + "?")
                        .orElse("the keys are listed in docs/configuration.md");
        return new ConfigException(
                "unknown configuration key '" + key + "' in " + source + "; " + hint);
    }

    private static Map<String, String> propertiesMap(Properties properties) {
        return properties.stringPropertyNames().stream()
                .collect(Collectors.toMap(k -> k, properties::getProperty));
    }

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return ConfigKey.envName(key);
    }

    /** {@code key}'s value: as given, else its default. */
    public <T> T get(ConfigKey<T> key) {
        String raw = values.get(key.name());
        return raw == null ? key.defaultValue() : key.parse(raw, sourceOf(key));
    }

    /** {@code key}'s value as text, as given or its default (checked like {@link #get}). */
    public String text(ConfigKey<?> key) {
        get(key);
        return values.getOrDefault(key.name(), key.defaultText());
    }

    /** A text key's value, empty when it is none (given empty, or empty by default). */
    public Optional<String> find(ConfigKey<String> key) {
        String v = get(key);
        return v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    /** A path key's value, resolved against {@code base} when it is relative. */
    public Path path(ConfigKey<String> key, Path base) {
        Path p = Path.of(get(key));
        return p.isAbsolute() ? p : base.resolve(p);
    }

    /**
     * A {@link ConfigKey#choice} key's value as the constant of {@code type} with that name, in any
     * case, underscores ignored ({@code OnnxRuntime} → {@code ONNX_RUNTIME}).
     */
    public <E extends Enum<E>> E enumValue(ConfigKey<String> key, Class<E> type) {
        String value = ConfigKey.loose(get(key));
        for (E constant : type.getEnumConstants()) {
            if (ConfigKey.loose(constant.name()).equals(value)) return constant;
        }
        throw new IllegalStateException(key + " has a choice with no " + type.getSimpleName());
    }

    /** Where {@code key}'s value came from, for a message that tells the user what to fix. */
    public String sourceOf(ConfigKey<?> key) {
        return sources.getOrDefault(key.name(), origin);
    }

    /** Every key given and its value, e.g. to hand the configuration to Spark executors. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** Where the values came from (a file path, or "defaults"), for messages. */
    public String origin() {
        return origin;
    }

    @Override
    public String toString() {
        return "Config" + values + " from " + origin;
    }
}
