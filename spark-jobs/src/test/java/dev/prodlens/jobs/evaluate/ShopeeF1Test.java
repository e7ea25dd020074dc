package dev.prodlens.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.SearchOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShopeeF1Test {
    private static final double EPS = 1e-12;

    @Test
    void f1PerThresholdOnAHandMadeItem() {
        float[] vectors = {1, 1, 1};
        EvalData data =
                new EvalData(
                        new String[] {"q", "m", "n"},
                        vectors,
                        1,
                        new String[] {"G", "G", null},
                        null,
                        null);
        ShopeeF1 shopee = new ShopeeF1(Relevance.fromLabelGroups(data), 10);
        // item q (group {q, m}): its match m at 0.9, the non-match n at 0.6
        shopee.add(0, new int[] {1, 2}, new float[] {0.9f, 0.6f});
        double[] f1 = shopee.result().f1ByThreshold();
        // threshold 0.95: predicted {q}, true {q, m}: F1 = 2*1/(1+2)
        assertEquals(2.0 / 3, f1[95], EPS);
        // 0.75: predicted {q, m} = true: F1 = 1
        assertEquals(1.0, f1[75], EPS);
        // 0.50: predicted {q, m, n}, 2 correct: F1 = 2*2/(3+2)
        assertEquals(4.0 / 5, f1[50], EPS);
        ShopeeF1.Result best = shopee.result();
        assertEquals(1.0, best.f1(), EPS);
        assertEquals(0.61, best.threshold(), EPS, "the lowest threshold above the non-match's 0.6");
    }

    @Test
    void sweepFindsAThresholdThatSeparatesWellSeparatedGroups() {
        EvalData data = Synthetic.groups(40, 4, 32, 0.05, 7);
        double maxNonMatch = -1;
        double minMatch = 1;
        for (int a = 0; a < data.size(); a++) {
            for (int b = a + 1; b < data.size(); b++) {
                double cosine = Synthetic.cosine(data, a, b);
                if (data.labelGroups()[a].equals(data.labelGroups()[b])) {
                    minMatch = Math.min(minMatch, cosine);
                } else {
                    maxNonMatch = Math.max(maxNonMatch, cosine);
                }
            }
        }
        assertTrue(
                maxNonMatch + 0.02 < minMatch,
                "the synthetic groups must be separable by a 0.01 step");

        Relevance relevance = Relevance.fromLabelGroups(data);
        try (FaissIndex ann = Synthetic.flat(data)) {
            EvalResult result =
                    new Evaluator(Evaluator.Settings.DEFAULTS)
                            .evaluate(data, relevance, ann, SearchOptions.DEFAULT);
            ShopeeF1.Result shopee = result.exact().shopee();
            assertEquals(1.0, shopee.f1(), 1e-9);
            assertTrue(
                    shopee.threshold() > maxNonMatch && shopee.threshold() <= minMatch,
                    "threshold "
                            + shopee.threshold()
                            + " outside ("
                            + maxNonMatch
                            + ", "
                            + minMatch
                            + "]");
            assertTrue(shopee.f1ByThreshold()[0] < 1, "threshold 0 takes in non-matches");
        }
    }

    @Test
    void onlyLabelGroupsHaveAShopeeF1() {
        EvalData data = Synthetic.groups(10, 2, 8, 0.05, 3);
        Relevance pairs =
                Relevance.fromPairs(data, List.of(new Relevance.Pair("item-0", "item-1")));
        try (FaissIndex ann = Synthetic.flat(data)) {
            EvalResult result =
                    new Evaluator(Evaluator.Settings.DEFAULTS)
                            .evaluate(data, pairs, ann, SearchOptions.DEFAULT);
            assertEquals(null, result.exact().shopee());
            assertTrue(!result.exact().headline().containsKey(EvalResult.SHOPEE_F1));
            assertEquals(2, result.queries(), "both items of the one pair are queries");
        }
    }
}
