package dev.prodlens.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {
    private static final double EPS = 1e-12;

    /**
     * Six items: groups A = {0,1,2} (shoes), B = {3,4} (bags), item 5 in no group (not a query).
     */
    private static EvalData tinyData() {
        int n = 6;
        float[] vectors = new float[n * 2];
        for (int i = 0; i < n; i++) {
            vectors[i * 2] = 1; // the metrics never look at vectors; any unit vector will do
        }
        return new EvalData(
                new String[] {"a0", "a1", "a2", "b3", "b4", "x5"},
                vectors,
                2,
                new String[] {"A", "A", "A", "B", "B", null},
                new String[] {"shoes", "shoes", "shoes", "bags", "bags", "other"},
                null);
    }

    @Test
    void recallAndMapAtROnAHandMadeRanking() {
        EvalData data = tinyData();
        RetrievalMetrics metrics =
                new RetrievalMetrics(
                        Relevance.fromLabelGroups(data), data.categories(), List.of(5, 1, 3));
        // rankings without the query itself; matches marked * in the comments
        double ap0 =
                metrics.add(
                        0,
                        new int[] {3, 1, 5, 2, 4}); // first match at rank 2; R=2: top 2 = [3, 1*]
        double ap1 = metrics.add(1, new int[] {0, 2, 3, 4, 5}); // rank 1; top 2 = [0*, 2*]
        double ap2 = metrics.add(2, new int[] {4, 5, 3}); // no match retrieved
        double ap3 = metrics.add(3, new int[] {4, 0, 1}); // rank 1; R=1
        double ap4 = metrics.add(4, new int[] {0, 1, 2, 5, 3}); // rank 5; R=1: top 1 = [0]

        // AP@R = (1/R) sum over the top R of precision at each correct rank
        assertEquals((1.0 / 2) / 2, ap0, EPS);
        assertEquals((1.0 / 1 + 2.0 / 2) / 2, ap1, EPS);
        assertEquals(0, ap2, EPS);
        assertEquals(1, ap3, EPS);
        assertEquals(0, ap4, EPS);

        RetrievalMetrics.Result result = metrics.result();
        assertEquals(5, result.queries());
        assertEquals(List.of(1, 3, 5), List.copyOf(result.recallAtK().keySet()), "ks sorted");
        assertEquals(2.0 / 5, result.recallAtK().get(1), EPS); // q1, q3
        assertEquals(3.0 / 5, result.recallAtK().get(3), EPS); // + q0
        assertEquals(4.0 / 5, result.recallAtK().get(5), EPS); // + q4 (q2 never)
        assertEquals((ap0 + ap1 + ap2 + ap3 + ap4) / 5, result.mapAtR(), EPS);

        Map<String, RetrievalMetrics.CategoryRecall> perCategory = result.perCategory();
        assertEquals(
                Map.of(
                        "shoes",
                        new RetrievalMetrics.CategoryRecall(3, 2.0 / 3),
                        "bags",
                        new RetrievalMetrics.CategoryRecall(2, 1.0)),
                perCategory,
                "item 5 is not a query");
    }

    @Test
    void mapAtRCountsOnlyTheTopRAndDividesByR() {
        // group of four: R = 3 for item 0
        float[] vectors = new float[6];
        for (int i = 0; i < 6; i++) {
            vectors[i] = 1;
        }
        EvalData data =
                new EvalData(
                        new String[] {"0", "1", "2", "3", "4", "5"},
                        vectors,
                        1,
                        new String[] {"G", "G", "G", "G", null, null},
                        null,
                        null);
        RetrievalMetrics metrics =
                new RetrievalMetrics(Relevance.fromLabelGroups(data), null, List.of(1));
        // top 3 = [1*, 4, 2*]: precision 1/1 at rank 1 and 2/3 at rank 3; the match 3 at rank 4 is
        // past R
        double ap = metrics.add(0, new int[] {1, 4, 2, 3, 5});
        assertEquals((1.0 + 2.0 / 3) / 3, ap, EPS);
        assertEquals(
                Map.of(), metrics.result().perCategory(), "no categories, no per-category recall");
    }

    @Test
    void anItemWithoutMatchesIsNotAQuery() {
        EvalData data = tinyData();
        RetrievalMetrics metrics =
                new RetrievalMetrics(Relevance.fromLabelGroups(data), null, List.of(1));
        assertThrows(IllegalArgumentException.class, () -> metrics.add(5, new int[] {0}));
        assertThrows(IllegalStateException.class, metrics::result);
    }
}
