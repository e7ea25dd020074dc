package dev.prodlens.jobs;

import java.io.PrintStream;
import java.util.Locale;

/**
 * One concise console line per finished stage ("embed: 10,000 rows, 9,990 ok … in 61.2 s, 163
 * rows/s"). Printed to standard output, apart from Spark's logging, so a person can follow a run.
 */
public final class Progress {
    private static final PrintStream OUT = System.out;

    private Progress() {}

    /** Prints {@code stage: detail in X s[, rate unit/s]}; {@code count} ≤ 0 prints no rate. */
    public static void stage(
            String stage, String detail, long count, String unit, long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        String rate =
                count > 0 && seconds > 0
                        ? String.format(Locale.ROOT, ", %,.0f %s/s", count / seconds, unit)
                        : "";
        OUT.println(String.format(Locale.ROOT, "%s: %s in %.1f s%s", stage, detail, seconds, rate));
        OUT.flush();
    }
}
