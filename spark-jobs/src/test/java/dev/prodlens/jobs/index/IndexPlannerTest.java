package dev.prodlens.jobs.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The auto plan: the most accurate index that fits N, the dimension and the memory budget. */
class IndexPlannerTest {
    private static final long MB = 1L << 20;

    private static IndexPlan plan(long n, long budgetMb) {
        return new IndexPlanner("auto", 50_000, 200_000, budgetMb * MB, 100_000).plan(n, 1280);
    }

    @Test
    void flatThenHnswThenInvertedListsWithTheBestCodesThatFit() {
        assertEquals("Flat", plan(10_000, 4096).factory());
        assertEquals("HNSW32", plan(100_000, 4096).factory());
        assertEquals(
                "IVF512,Flat", plan(300_000, 4096).factory(), "1.5 GB of full vectors fit 4 GB");
        assertEquals(
                "IVF512,SQfp16",
                plan(1_000_000, 4096).factory(),
                "5.1 GB of floats do not fit, 2.6 GB of halves do");
        assertEquals("IVF512,SQ8", plan(1_000_000, 2048).factory());
        IndexPlan pq = plan(1_000_000, 512);
        assertTrue(pq.factory().startsWith("IVF512,PQ"), pq.factory());
        assertEquals(IndexPlan.Kind.IVF, pq.kind());
        assertEquals(512 * IndexPlanner.TRAIN_PER_LIST, pq.trainVectors());
    }

    @Test
    void aConfiguredFactoryIsTakenAsItIs() {
        IndexPlan plan =
                new IndexPlanner("IVF256,PQ160", 50_000, 200_000, 4096 * MB, 100_000)
                        .plan(1_000_000, 1280);
        assertEquals("IVF256,PQ160", plan.factory());
        assertEquals(100_000, plan.trainVectors());
    }
}
