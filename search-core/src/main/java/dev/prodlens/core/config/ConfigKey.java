package dev.prodlens.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * One configuration key: its name, type, default, allowed values and a one-line description (the
 * idea of Apache Spark's {@code ConfigBuilder}). Every key is defined once, in {@link ConfigKeys};
 * {@link Config#get} reads its typed value.
 *
 * <p>An empty value means "none" for a free-text key (each documents what none does, e.g. {@code
 * api.admin-key}: admin endpoints off); for any other key it is an error, as is a value of the
 * wrong type or out of range.
 *
 * @param <T> the type of the value
 */
public final class ConfigKey<T> {
    private final String name;
    private final String defaultText;
    private final String expected;
    private final Function<String, T> parser;
    private final String doc;

    private ConfigKey(
            String name,
            String defaultText,
            String expected,
            Function<String, T> parser,
            String doc) {
        this.name = Objects.requireNonNull(name, "name");
        this.defaultText = Objects.requireNonNull(defaultText, "defaultText");
        this.expected = Objects.requireNonNull(expected, "expected");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.doc = Objects.requireNonNull(doc, "doc");
        parse(defaultText); // a default that its own key refuses is a bug here, not a user error
    }

    /** Free text; the empty string is allowed and means none. */
    static ConfigKey<String> text(String name, String defaultText, String doc) {
        return new ConfigKey<>(name, defaultText, "text", s -> s, doc);
    }

    /** Text matching {@code pattern} in full ({@code what} says it in words, for messages). */
    static ConfigKey<String> text(
            String name, String defaultText, String pattern, String what, String doc) {
        Pattern compiled = Pattern.compile(pattern);
        return new ConfigKey<>(
                name, defaultText, what, s -> require(s, compiled.matcher(s).matches()), doc);
    }

    /**
     * One of {@code allowed}, in any case, dashes and underscores ignored; the value is the
     * spelling in {@code allowed}.
     */
    static ConfigKey<String> choice(
            String name, String defaultText, String doc, String... allowed) {
        List<String> options = List.of(allowed);
        return new ConfigKey<>(
                name,
                defaultText,
                "one of " + String.join(", ", options),
                s ->
                        options.stream()
                                .filter(o -> loose(o).equals(loose(s)))
                                .findFirst()
                                .orElseThrow(IllegalArgumentException::new),
                doc);
    }

    static ConfigKey<Integer> integer(String name, int defaultValue, int min, int max, String doc) {
        ConfigKey<Long> wide = whole(name, defaultValue, min, max, doc);
        return new ConfigKey<>(
                name, wide.defaultText, wide.expected, wide.parser.andThen(Long::intValue), doc);
    }

    static ConfigKey<Long> whole(String name, long defaultValue, long min, long max, String doc) {
        return new ConfigKey<>(
                name,
                Long.toString(defaultValue),
                "an integer in [" + min + ", " + max + "]",
                s -> whole(s, min, max),
                doc);
    }

    /** A number in [min, max]. */
    static ConfigKey<Double> number(
            String name, String defaultText, double min, double max, String doc) {
        return decimal(name, defaultText, min, true, max, doc);
    }

    /** A number {@code v} with {@code above < v <= atMost}. */
    static ConfigKey<Double> fraction(
            String name, String defaultText, double above, double atMost, String doc) {
        return decimal(name, defaultText, above, false, atMost, doc);
    }

    private static ConfigKey<Double> decimal(
            String name, String defaultText, double min, boolean withMin, double max, String doc) {
        return new ConfigKey<>(
                name,
                defaultText,
                "a number in " + (withMin ? "[" : "(") + trim(min) + ", " + trim(max) + "]",
                s -> {
                    double v = Double.parseDouble(s);
                    return require(v, (withMin ? v >= min : v > min) && v <= max);
                },
                doc);
    }

    /** {@code true} or {@code false} in any case: "yes", "1" or "ture" are errors, not false. */
    static ConfigKey<Boolean> flag(String name, boolean defaultValue, String doc) {
        return new ConfigKey<>(
                name,
                Boolean.toString(defaultValue),
                "true or false",
                s -> {
                    if (s.equalsIgnoreCase("true")) return true;
                    if (s.equalsIgnoreCase("false")) return false;
                    throw new IllegalArgumentException();
                },
                doc);
    }

    /** Comma-separated integers, each in [min, max], at least one. */
    static ConfigKey<List<Integer>> integers(
            String name, String defaultText, int min, int max, String doc) {
        return new ConfigKey<>(
                name,
                defaultText,
                "a comma-separated list of integers in [" + min + ", " + max + "]",
                s -> {
                    List<Integer> out = new ArrayList<>();
                    for (String part : s.split(",", -1))
                        out.add((int) whole(part.strip(), min, max));
                    return List.copyOf(out);
                },
                doc);
    }

    /** The key, e.g. {@code api.port}. */
    public String name() {
        return name;
    }

    /** The default as the configuration file writes it ("" for none). */
    public String defaultText() {
        return defaultText;
    }

    /** The default value. */
    public T defaultValue() {
        return parser.apply(defaultText);
    }

    /** What a value must be, in words: "an integer in [0, 65535]". */
    public String expected() {
        return expected;
    }

    /** One line: what the key does. */
    public String doc() {
        return doc;
    }

    /** The environment variable that overrides this key ({@code PRODLENS_API_PORT}). */
    public String envName() {
        return envName(name);
    }

    /** {@code PRODLENS_} and the key in upper case, dots and dashes as underscores. */
    public static String envName(String key) {
        return "PRODLENS_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * {@code raw} as a value of this key; {@link ConfigException} naming the key, the value, what
     * is expected and {@code source}, where it was given, otherwise.
     */
    T parse(String raw, String source) {
        try {
            return parse(raw);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(
                    name + " = '" + raw + "' is not " + expected + "; fix it in " + source);
        }
    }

    private T parse(String raw) {
        return parser.apply(raw.strip());
    }

    private static long whole(String s, long min, long max) {
        long v = Long.parseLong(s.replace("_", ""));
        return require(v, v >= min && v <= max);
    }

    private static <V> V require(V value, boolean ok) {
        if (!ok) throw new IllegalArgumentException();
        return value;
    }

    /** {@code s} in lower case without dashes and underscores, for forgiving comparisons. */
    static String loose(String s) {
        return s.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    @Override
    public String toString() {
        return name + " (" + expected + ", default '" + defaultText + "')";
    }
}
