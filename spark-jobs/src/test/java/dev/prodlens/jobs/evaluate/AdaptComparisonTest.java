package dev.prodlens.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.bundle.BundleManifest;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The report's before/after: only the test part of the adapt stage's split is searched, whole
 * groups, the same items before and after, and a projection that drops the nuisance directions
 * shows as a gain.
 */
class AdaptComparisonTest {
    private static final int D = 8;
    private static final int SIGNAL = 3;

    /** 300 groups of three: a product direction in the first dimensions, noise in the rest. */
    private static EvalData data() {
        SplittableRandom random = new SplittableRandom(7);
        int n = 900;
        String[] ids = new String[n];
        String[] groups = new String[n];
        String[] categories = new String[n];
        float[] vectors = new float[n * D];
        double[] centre = new double[SIGNAL];
        for (int i = 0; i < n; i++) {
            if (i % 3 == 0) for (int j = 0; j < SIGNAL; j++) centre[j] = random.nextGaussian();
            ids[i] = "item-" + i;
            groups[i] = "group-" + i / 3;
            categories[i] = i % 2 == 0 ? "shoes" : "bags";
            double[] v = new double[D];
            double norm = 0;
            for (int j = 0; j < D; j++) {
                v[j] = j < SIGNAL ? centre[j] + 0.1 * random.nextGaussian() : random.nextGaussian();
                norm += v[j] * v[j];
            }
            for (int j = 0; j < D; j++) vectors[i * D + j] = (float) (v[j] / Math.sqrt(norm));
        }
        return new EvalData(ids, vectors, D, groups, categories, null);
    }

    private static BundleManifest.Adapt adapt(String method, int dim) {
        return new BundleManifest.Adapt(
                method,
                dim,
                180,
                "label_group",
                new BundleManifest.Split(0.2, 0.2, 180, 60, 60),
                List.of(new BundleManifest.Candidate("none", D, 0.5, 0.5, 0.9, 0)),
                null);
    }

    /** Keeps the signal dimensions only. */
    private static Projection signalOnly() {
        float[] matrix = new float[SIGNAL * D];
        for (int r = 0; r < SIGNAL; r++) matrix[r * D + r] = 1;
        return new Projection("learned-whitening", new float[D], matrix, SIGNAL);
    }

    @Test
    void comparesTheTestGroupsOnlyBeforeAndAfter() {
        EvalData data = data();
        AdaptComparison c =
                AdaptComparison.of(
                        adapt("learned-whitening", SIGNAL),
                        data,
                        signalOnly(),
                        Evaluator.Settings.DEFAULTS,
                        100_000,
                        new Configuration());
        GroupSplit split = new GroupSplit(0.2, 0.2);
        Set<String> testGroups = new HashSet<>();
        int testItems = 0;
        for (String g : data.labelGroups()) {
            if (split.of(g) == GroupSplit.Part.TEST) {
                testItems++;
                testGroups.add(g);
            }
        }
        assertEquals(testItems, c.items());
        assertEquals(testGroups.size(), c.groups());
        double before = c.before().headline().get("map@r");
        double after = c.after().headline().get("map@r");
        assertTrue(after > before + 0.2, before + " -> " + after);
        assertEquals(
                c.before().retrieval().perCategory().keySet(),
                c.after().retrieval().perCategory().keySet());
        assertTrue(
                MetricsJson.toJson(fakeResult(data).withAdapt(c)).contains("\"before_recall@10\""));
    }

    @Test
    void aCapKeepsWholeGroupsAndNoSplitMeansNoComparison() {
        EvalData data = data();
        AdaptComparison capped =
                AdaptComparison.of(
                        adapt("learned-whitening", SIGNAL),
                        data,
                        signalOnly(),
                        Evaluator.Settings.DEFAULTS,
                        60,
                        new Configuration());
        assertTrue(capped.items() <= 90 && capped.items() > 0, "items " + capped.items());
        assertEquals(0, capped.items() % 3, "whole groups of three");

        BundleManifest.Adapt tooSmall =
                new BundleManifest.Adapt("none", D, 0, "label_group", null, List.of(), "too few");
        assertNull(
                AdaptComparison.of(
                        tooSmall,
                        data,
                        null,
                        Evaluator.Settings.DEFAULTS,
                        100,
                        new Configuration()));
    }

    private static EvalResult fakeResult(EvalData data) {
        try (var index =
                dev.prodlens.core.faiss.FaissIndex.create(
                        D, "Flat", dev.prodlens.core.faiss.Metric.INNER_PRODUCT)) {
            index.add(data.vectors(), java.util.stream.LongStream.range(0, data.size()).toArray());
            return new Evaluator(Evaluator.Settings.DEFAULTS)
                    .evaluate(
                            data,
                            Relevance.fromLabelGroups(data),
                            index,
                            dev.prodlens.core.faiss.SearchOptions.DEFAULT);
        }
    }
}
