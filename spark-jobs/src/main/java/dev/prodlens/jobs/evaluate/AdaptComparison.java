package dev.prodlens.jobs.evaluate;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.bundle.BundleManifest;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;

/**
 * The learned projection before and after, on the test groups of the adapt stage's split only:
 * groups it never learned from and never chose with. Both sides search exactly among the same test
 * items (at most {@code adapt.sample-items}, whole groups), with the model's own vectors and with
 * the projected ones, so the difference is the projection's alone.
 *
 * @param adapt what the adapt stage chose and tried (the manifest's record)
 * @param items test items searched
 * @param groups test groups of two or more items among them
 * @param before the model's own vectors
 * @param after the projected vectors (the same as before when the stage kept the model's)
 */
public record AdaptComparison(
        BundleManifest.Adapt adapt,
        int items,
        long groups,
        EvalResult.SearchMetrics before,
        EvalResult.SearchMetrics after) {

    /**
     * Compares on the test part of {@code adapt}'s split of {@code raw} (the bundle's items with
     * the model's vectors); null when the stage made no split (too few groups).
     */
    public static AdaptComparison of(
            BundleManifest.Adapt adapt,
            EvalData raw,
            Projection projection,
            Evaluator.Settings settings,
            int maxItems,
            Configuration hadoop) {
        if (adapt.split() == null || adapt.candidates().isEmpty()) return null;
        String[] groups = groupsOf(adapt, raw, hadoop);
        GroupSplit split =
                new GroupSplit(adapt.split().validationShare(), adapt.split().testShare());
        int[] test =
                IntStream.range(0, raw.size())
                        .filter(
                                i ->
                                        groups[i] != null
                                                && split.of(groups[i]) == GroupSplit.Part.TEST)
                        .toArray();
        if (test.length > maxItems) {
            double fraction = maxItems / (double) test.length;
            test = IntStream.of(test).filter(i -> split.rank(groups[i]) < fraction).toArray();
        }
        String[] testGroups = IntStream.of(test).mapToObj(i -> groups[i]).toArray(String[]::new);
        EvalData before = raw.subset(test);
        before =
                new EvalData(
                        before.itemIds(),
                        before.vectors(),
                        before.dim(),
                        testGroups,
                        before.categories(),
                        before.imageRefs());
        EvalData after =
                projection == null
                        ? before
                        : before.projected(projection::applyAll, projection.outputDimension());
        Evaluator evaluator =
                new Evaluator(
                        new Evaluator.Settings(
                                settings.ks(),
                                settings.shopeeNeighbours(),
                                settings.batchSize(),
                                0));
        EvalResult.SearchMetrics b = evaluator.exact(before, Relevance.fromLabelGroups(before));
        EvalResult.SearchMetrics a =
                projection == null ? b : evaluator.exact(after, Relevance.fromLabelGroups(after));
        long groupCount =
                java.util.Arrays.stream(testGroups)
                        .collect(
                                java.util.stream.Collectors.groupingBy(
                                        g -> g, java.util.stream.Collectors.counting()))
                        .values()
                        .stream()
                        .filter(n -> n >= 2)
                        .count();
        return new AdaptComparison(adapt, test.length, groupCount, b, a);
    }

    /**
     * Each item's group as the adapt stage saw it: its label group, or its connected component of
     * the pairs file the stage learned from.
     */
    private static String[] groupsOf(
            BundleManifest.Adapt adapt, EvalData raw, Configuration hadoop) {
        String source = adapt.groups();
        if (source == null || !source.startsWith("pairs:")) {
            return raw.labelGroups() == null ? new String[raw.size()] : raw.labelGroups();
        }
        Map<String, String> component =
                PairsCsv.groups(PairsCsv.read(source.substring("pairs:".length()), hadoop));
        String[] groups = new String[raw.size()];
        for (int i = 0; i < groups.length; i++) groups[i] = component.get(raw.itemIds()[i]);
        return groups;
    }
}
