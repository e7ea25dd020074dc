package dev.prodlens.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EvalDataTest {
    @Test
    void vectorsThatAreNotNormalisedAreRefused() {
        EvaluationException e =
                assertThrows(
                        EvaluationException.class,
                        () ->
                                new EvalData(
                                        new String[] {"a", "b"},
                                        new float[] {1, 0, 3, 4},
                                        2,
                                        null,
                                        null,
                                        null));
        assertTrue(e.getMessage().contains("item 'b' has norm 5.0"), e.getMessage());
    }

    @Test
    void duplicateIdsAndWrongLengthsAreRefused() {
        EvaluationException duplicate =
                assertThrows(
                        EvaluationException.class,
                        () ->
                                new EvalData(
                                        new String[] {"a", "a"},
                                        new float[] {1, 1},
                                        1,
                                        null,
                                        null,
                                        null));
        assertTrue(duplicate.getMessage().contains("'a' appears twice"), duplicate.getMessage());
        EvaluationException length =
                assertThrows(
                        EvaluationException.class,
                        () ->
                                new EvalData(
                                        new String[] {"a", "b"},
                                        new float[] {1, 1},
                                        1,
                                        new String[] {"g"},
                                        null,
                                        null));
        assertTrue(
                length.getMessage().startsWith("labelGroups has 1 entries for 2 items"),
                length.getMessage());
    }
}
