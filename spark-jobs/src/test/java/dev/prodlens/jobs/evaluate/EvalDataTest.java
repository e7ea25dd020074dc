package dev.prodlens.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EvalDataTest {
    @Test
    void vectorsThatAreNotNormalisedAreRefused() {
        String message = refusal(new String[] {"a", "b"}, new float[] {1, 0, 3, 4}, 2, null);
        assertTrue(message.contains("item 'b' has norm 5.0"), message);
    }

    @Test
    void duplicateIdsAndWrongLengthsAreRefused() {
        String duplicate = refusal(new String[] {"a", "a"}, new float[] {1, 1}, 1, null);
        assertTrue(duplicate.contains("'a' appears twice"), duplicate);
        String length = refusal(new String[] {"a", "b"}, new float[] {1, 1}, 1, new String[] {"g"});
        assertTrue(length.startsWith("labelGroups has 1 entries for 2 items"), length);
    }

    /** The message of the EvaluationException that refuses this data. */
    private static String refusal(String[] ids, float[] vectors, int dim, String[] labelGroups) {
        return assertThrows(
                        EvaluationException.class,
                        () -> new EvalData(ids, vectors, dim, labelGroups, null, null))
                .getMessage();
    }
}
