package dev.prodlens.core.faiss;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Per-call search settings. They do not change the index, so concurrent searches may use different
 * ones. A knob that does not apply to the index type (nprobe on HNSW) is ignored; 0 means the
 * index's own setting.
 *
 * <p>The tuning knobs travel as one string in Faiss ParameterSpace syntax ({@code "nprobe=16"},
 * {@code "efSearch=64,k_factor_rf=4"}, {@code ""} for none): the tuner writes it, the bundle
 * manifest stores it, the API, the evaluation and the benchmarks read it through {@link
 * #parse(String)}, the one parser of that string, and {@link #parameters()} writes it back.
 *
 * @param nprobe IVF: inverted lists visited per query
 * @param efSearch HNSW: candidate list size
 * @param refineFactor IVF-PQ + refine ("...,RFlat"): candidates re-ranked exactly per result (Faiss
 *     k_factor)
 * @param filter only ids this filter accepts are returned, or null for all
 * @param threads OpenMP threads for this call (1 suits many concurrent single queries), 0: default
 */
public record SearchOptions(
        int nprobe, int efSearch, float refineFactor, IdFilter filter, int threads) {
    public static final SearchOptions DEFAULT = new SearchOptions(0, 0, 0, null, 0);

    /** ParameterSpace name: IVF inverted lists visited ({@link #nprobe()}). */
    public static final String NPROBE = "nprobe";

    /** ParameterSpace name: HNSW candidate list size ({@link #efSearch()}). */
    public static final String EF_SEARCH = "efSearch";

    /** ParameterSpace name: IndexRefine's k_factor ({@link #refineFactor()}). */
    public static final String K_FACTOR_RF = "k_factor_rf";

    public SearchOptions {
        if (nprobe < 0 || efSearch < 0 || threads < 0) {
            throw new IllegalArgumentException("nprobe, efSearch and threads must be >= 0");
        }
        if (!(refineFactor == 0 || refineFactor >= 1) || refineFactor > 1024) {
            throw new IllegalArgumentException(
                    "refineFactor must be 0 (index default) or in "
                            + "[1, 1024], got "
                            + refineFactor);
        }
    }

    /**
     * The per-call options a Faiss ParameterSpace string stands for ({@code "nprobe=16"}, {@code
     * "efSearch=64"}, {@code "nprobe=8,k_factor_rf=4"}, {@code ""} for the index's own settings).
     *
     * @throws IllegalArgumentException (one line naming the string) for an unknown name, a repeated
     *     one, an entry that is not name=value, or a value out of range
     */
    public static SearchOptions parse(String parameters) {
        return DEFAULT.withParameters(parameters);
    }

    /** These options with the knobs of a ParameterSpace string set (see {@link #parse}). */
    public SearchOptions withParameters(String parameters) {
        if (parameters == null) throw new IllegalArgumentException("search parameters missing");
        if (parameters.isEmpty()) return this;
        SearchOptions options = this;
        Set<String> seen = new HashSet<>();
        for (String entry : parameters.split(",", -1)) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw badParameters(parameters, "'" + entry + "' is not name=value");
            }
            String name = entry.substring(0, eq);
            String value = entry.substring(eq + 1);
            if (!seen.add(name)) throw badParameters(parameters, name + " is given twice");
            options =
                    switch (name) {
                        case NPROBE -> options.withNprobe(positive(parameters, name, value));
                        case EF_SEARCH -> options.withEfSearch(positive(parameters, name, value));
                        case K_FACTOR_RF -> options.withRefineFactor(factor(parameters, value));
                        default ->
                                throw badParameters(
                                        parameters,
                                        "unknown name '"
                                                + name
                                                + "' (known: "
                                                + NPROBE
                                                + ", "
                                                + EF_SEARCH
                                                + ", "
                                                + K_FACTOR_RF
                                                + ")");
                    };
        }
        return options;
    }

    /**
     * The tuning knobs set here (not the filter or threads) as a ParameterSpace string, "" when
     * none is: {@code parse(o.parameters())} has the same knobs as {@code o}.
     */
    public String parameters() {
        Map<String, String> knobs = new LinkedHashMap<>();
        if (nprobe > 0) knobs.put(NPROBE, Integer.toString(nprobe));
        if (efSearch > 0) knobs.put(EF_SEARCH, Integer.toString(efSearch));
        if (refineFactor > 0) {
            knobs.put(
                    K_FACTOR_RF,
                    refineFactor == Math.rint(refineFactor)
                            ? Integer.toString((int) refineFactor)
                            : Float.toString(refineFactor));
        }
        StringBuilder out = new StringBuilder();
        knobs.forEach(
                (k, v) -> out.append(out.length() == 0 ? "" : ",").append(k).append('=').append(v));
        return out.toString();
    }

    private static int positive(String parameters, String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw badParameters(parameters, name + " must be a positive integer, got '" + value + "'");
    }

    private static float factor(String parameters, String value) {
        try {
            float f = Float.parseFloat(value);
            if (f >= 1 && f <= 1024) return f;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw badParameters(
                parameters, K_FACTOR_RF + " must be a number in [1, 1024], got '" + value + "'");
    }

    private static IllegalArgumentException badParameters(String parameters, String why) {
        return new IllegalArgumentException(
                ("search parameters '" + parameters + "': " + why).replaceAll("\\R", " "));
    }

    public SearchOptions withNprobe(int value) {
        return new SearchOptions(value, efSearch, refineFactor, filter, threads);
    }

    public SearchOptions withEfSearch(int value) {
        return new SearchOptions(nprobe, value, refineFactor, filter, threads);
    }

    public SearchOptions withRefineFactor(float value) {
        return new SearchOptions(nprobe, efSearch, value, filter, threads);
    }

    public SearchOptions withFilter(IdFilter value) {
        return new SearchOptions(nprobe, efSearch, refineFactor, value, threads);
    }

    public SearchOptions withThreads(int value) {
        return new SearchOptions(nprobe, efSearch, refineFactor, filter, value);
    }
}
