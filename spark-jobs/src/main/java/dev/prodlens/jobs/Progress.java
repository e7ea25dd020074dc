package dev.prodlens.jobs;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

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

    /**
     * Where a stage's time went, by phase, for the console ("adapt: time by phase: census 4.9 s,
     * moments 39.9 s"); a phase may recur: its times add up.
     */
    public static final class Laps {
        private final String stage;
        private final Map<String, Double> seconds = new LinkedHashMap<>();
        private long last = System.nanoTime();

        public Laps(String stage) {
            this.stage = stage;
        }

        /** Ends the current phase, named {@code phase}, now. */
        public void lap(String phase) {
            long now = System.nanoTime();
            seconds.merge(phase, (now - last) / 1e9, Double::sum);
            last = now;
        }

        public void print() {
            StringBuilder line = new StringBuilder(stage + ": time by phase:");
            seconds.forEach(
                    (phase, s) -> line.append(String.format(Locale.ROOT, " %s %.1f s,", phase, s)));
            OUT.println(line.substring(0, line.length() - 1));
            OUT.flush();
        }
    }
}
