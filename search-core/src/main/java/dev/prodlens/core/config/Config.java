package dev.prodlens.core.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The one configuration loader: a properties file from {@code conf/}, overridden per key by an
 * environment variable ({@code model.id} → {@code PRODLENS_MODEL_ID}) and then by a JVM system
 * property of the same name. Typed getters fail with a one-line {@link ConfigException} naming the
 * key, the bad value and what is expected.
 */
public final class Config {
    private final Map<String, String> values;
    private final String origin;

    private Config(Map<String, String> values, String origin) {
        this.values = values;
        this.origin = origin;
    }

    /** Reads {@code file} and applies environment and system-property overrides. */
    public static Config load(Path file) {
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
        Map<String, String> merged = new TreeMap<>();
        properties
                .stringPropertyNames()
                .forEach(k -> merged.put(k, properties.getProperty(k).trim()));
        return new Config(merged, file.toString())
                .withOverrides(System.getenv(), System.getProperties());
    }

    /** A configuration from explicit values (tests, programmatic use); no overrides applied. */
    public static Config of(Map<String, String> values) {
        return new Config(new TreeMap<>(values), "defaults");
    }

    /** This configuration with {@code key=value} pairs replacing or adding entries. */
    public Config with(Map<String, String> overrides) {
        Map<String, String> merged = new TreeMap<>(values);
        merged.putAll(overrides);
        return new Config(merged, origin);
    }

    private Config withOverrides(Map<String, String> env, Properties system) {
        Map<String, String> merged = new TreeMap<>(values);
        for (String key : values.keySet()) {
            String fromEnv = env.get(envName(key));
            if (fromEnv != null) merged.put(key, fromEnv.trim());
            String fromSystem = system.getProperty(key);
            if (fromSystem != null) merged.put(key, fromSystem.trim());
        }
        return new Config(merged, origin);
    }

    /** The environment variable that overrides {@code key}. */
    public static String envName(String key) {
        return "PRODLENS_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    public Optional<String> find(String key) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v);
    }

    public String string(String key) {
        return find(key)
                .orElseThrow(
                        () ->
                                new ConfigException(
                                        "missing configuration key "
                                                + key
                                                + " (in "
                                                + origin
                                                + " or "
                                                + envName(key)
                                                + ")"));
    }

    public String string(String key, String fallback) {
        return find(key).orElse(fallback);
    }

    public long longValue(String key, long fallback, long min, long max) {
        Optional<String> raw = find(key);
        if (raw.isEmpty()) return fallback;
        try {
            long v = Long.parseLong(raw.get().replace("_", ""));
            if (v < min || v > max) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    key
                            + " = '"
                            + raw.get()
                            + "' is not an integer in ["
                            + min
                            + ", "
                            + max
                            + "]; fix it in "
                            + origin);
        }
    }

    public int intValue(String key, int fallback, int min, int max) {
        return (int) longValue(key, fallback, min, max);
    }

    public double doubleValue(String key, double fallback, double min, double max) {
        Optional<String> raw = find(key);
        if (raw.isEmpty()) return fallback;
        try {
            double v = Double.parseDouble(raw.get());
            if (!(v >= min && v <= max)) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    key
                            + " = '"
                            + raw.get()
                            + "' is not a number in ["
                            + min
                            + ", "
                            + max
                            + "]; fix it in "
                            + origin);
        }
    }

    /**
     * {@code true} or {@code false}, in any case; anything else ("yes", "1", "ture") is an error
     * naming the key, where {@link Boolean#parseBoolean} would silently read it as false.
     */
    public boolean booleanValue(String key, boolean fallback) {
        Optional<String> raw = find(key);
        if (raw.isEmpty()) return fallback;
        String v = raw.get().strip();
        if (v.equalsIgnoreCase("true")) return true;
        if (v.equalsIgnoreCase("false")) return false;
        throw new ConfigException(
                key + " = '" + raw.get() + "' is not true or false; fix it in " + origin);
    }

    /** A comma-separated list of integers, each in [min, max], at least one. */
    public List<Integer> intList(String key, List<Integer> fallback, int min, int max) {
        Optional<String> raw = find(key);
        if (raw.isEmpty()) return fallback;
        List<Integer> out = new ArrayList<>();
        try {
            for (String part : raw.get().split(",")) {
                int v = Integer.parseInt(part.strip());
                if (v < min || v > max) throw new NumberFormatException();
                out.add(v);
            }
        } catch (NumberFormatException e) {
            throw new ConfigException(
                    key
                            + " = '"
                            + raw.get()
                            + "' is not a comma-separated list of integers in ["
                            + min
                            + ", "
                            + max
                            + "]; fix it in "
                            + origin);
        }
        return List.copyOf(out);
    }

    /** Every key and value (after overrides), e.g. to hand the configuration to Spark executors. */
    public Map<String, String> asMap() {
        return java.util.Collections.unmodifiableMap(values);
    }

    /** Where the values came from (a file path, or "defaults"), for messages. */
    public String origin() {
        return origin;
    }

    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E fallback) {
        Optional<String> raw = find(key);
        if (raw.isEmpty()) return fallback;
        for (E constant : type.getEnumConstants()) {
            if (constant.name()
                    .replace("_", "")
                    .equalsIgnoreCase(raw.get().replace("-", "").replace("_", ""))) return constant;
        }
        throw new ConfigException(
                key
                        + " = '"
                        + raw.get()
                        + "' is not one of "
                        + java.util.Arrays.toString(type.getEnumConstants())
                        + "; fix it in "
                        + origin);
    }

    /** Resolves a path value against {@code base} when it is relative. */
    public Path path(String key, Path base) {
        Path p = Path.of(string(key));
        return p.isAbsolute() ? p : base.resolve(p);
    }

    @Override
    public String toString() {
        return "Config" + values + " from " + origin;
    }
}
