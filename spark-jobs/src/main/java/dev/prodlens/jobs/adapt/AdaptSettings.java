package dev.prodlens.jobs.adapt;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.config.ConfigKeys;
import java.util.List;

/**
 * The {@code adapt.*} keys, read and checked together before any work.
 *
 * @param method {@code off}, {@code auto}, or one method's name ({@link #METHODS}, or {@code none})
 * @param dims output dimensions to try
 * @param pairs a pairs file whose connected components are the groups; empty: {@code label_group}
 * @param split the group-disjoint split
 * @param minGroups groups of two or more items each part needs
 * @param minGain validation mAP@R a projection must gain over the model's vectors under {@code
 *     auto}
 * @param shrinkage the learned whitening's shrinkage of the pairs' covariance
 * @param maxPairsPerGroup matching pairs per group for the learned whitening
 * @param trainItems most train items the moments are aggregated from
 * @param sampleItems most items of a part collected on the driver
 */
public record AdaptSettings(
        String method,
        List<Integer> dims,
        String pairs,
        GroupSplit split,
        int minGroups,
        double minGain,
        double shrinkage,
        int maxPairsPerGroup,
        int trainItems,
        int sampleItems) {
    public static final String OFF = "off";
    public static final String AUTO = "auto";
    public static final String PCA = "pca-whitening";
    public static final String LEARNED = "learned-whitening";
    public static final String HEAD = "metric-head";

    /** The learned methods, in the order they are tried. */
    public static final List<String> METHODS = List.of(PCA, LEARNED, HEAD);

    /**
     * What {@code auto} tries: the closed forms. The metric head, trained from the learned
     * whitening, gained validation mAP@R over it on the demo (+0.003 to +0.008) but not test
     * (-0.001 to +0.003, within the noise of 189 groups) at three times the learning time; it runs
     * when named (docs/adapt.md).
     */
    public static final List<String> AUTO_METHODS = List.of(PCA, LEARNED);

    public AdaptSettings {
        dims = List.copyOf(dims);
    }

    public static AdaptSettings from(Config config) {
        double validation = config.get(ConfigKeys.ADAPT_VALIDATION_SHARE);
        double test = config.get(ConfigKeys.ADAPT_TEST_SHARE);
        if (validation + test >= 0.9) {
            throw new ConfigException(
                    "adapt.validation-share + adapt.test-share = "
                            + (validation + test)
                            + ": leave at least 10% of the groups to learn from");
        }
        return new AdaptSettings(
                config.get(ConfigKeys.ADAPT_METHOD),
                config.get(ConfigKeys.ADAPT_DIMS),
                config.get(ConfigKeys.ADAPT_PAIRS),
                new GroupSplit(validation, test),
                config.get(ConfigKeys.ADAPT_MIN_GROUPS),
                config.get(ConfigKeys.ADAPT_MIN_GAIN),
                config.get(ConfigKeys.ADAPT_SHRINKAGE),
                config.get(ConfigKeys.ADAPT_MAX_PAIRS_PER_GROUP),
                config.get(ConfigKeys.ADAPT_TRAIN_ITEMS),
                config.get(ConfigKeys.ADAPT_SAMPLE_ITEMS));
    }

    /** These settings with another {@code adapt.method}. */
    public AdaptSettings withMethod(String other) {
        return new AdaptSettings(
                other,
                dims,
                pairs,
                split,
                minGroups,
                minGain,
                shrinkage,
                maxPairsPerGroup,
                trainItems,
                sampleItems);
    }

    /** Whether the stage runs at all ({@code adapt.method} is not {@code off}). */
    public boolean enabled() {
        return !method.equals(OFF);
    }

    /** The methods to learn: all of them under {@code auto}, else the one named (or none). */
    public List<String> methodsToTry() {
        if (method.equals(AUTO)) return AUTO_METHODS;
        return METHODS.contains(method) ? List.of(method) : List.of();
    }

    /** The dimensions to try for a model of {@code modelDim}: those not above it, at least one. */
    public List<Integer> dimsFor(int modelDim) {
        List<Integer> usable = dims.stream().filter(d -> d <= modelDim).distinct().toList();
        return usable.isEmpty() ? List.of(modelDim) : usable;
    }
}
