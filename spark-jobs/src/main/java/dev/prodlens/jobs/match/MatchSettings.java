package dev.prodlens.jobs.match;

import static dev.prodlens.core.config.ConfigKeys.*;

import dev.prodlens.core.config.Config;
import dev.prodlens.jobs.JobSettings;
import java.nio.file.Path;

/**
 * The match job's settings ({@code match.*}).
 *
 * @param neighbours nearest listings of each listing that may be predicted as the same product
 * @param threshold the configured score threshold, or null: chosen on labelled groups
 * @param tuneShare share of the label groups the threshold is chosen on
 * @param output where the Parquet goes: {@code match.output}, or {@code
 *     jobs.work-dir/<catalogue>/match}; the bundle's version is appended
 * @param reportRows largest groups and borderline pairs the duplicates page shows
 */
public record MatchSettings(
        boolean enabled,
        int neighbours,
        Double threshold,
        double tuneShare,
        String output,
        int reportRows) {

    /** The threshold when it is auto and no listing has a label group. */
    public static final double UNLABELLED_THRESHOLD = 0.9;

    public static MatchSettings from(JobSettings settings) {
        Config config = settings.config();
        String threshold = config.get(MATCH_THRESHOLD);
        Path here = Path.of("").toAbsolutePath();
        String output =
                config.find(MATCH_OUTPUT)
                        .map(p -> JobSettings.location(p, here))
                        .orElse(
                                JobSettings.location(config.get(JOBS_WORK_DIR), here)
                                        + "/"
                                        + settings.catalogueName()
                                        + "/match");
        return new MatchSettings(
                config.get(MATCH_ENABLED),
                config.get(MATCH_NEIGHBOURS),
                threshold.equals("auto") ? null : Double.valueOf(threshold),
                config.get(MATCH_TUNE_SHARE),
                output,
                config.get(MATCH_REPORT_ROWS));
    }

    /** Where a bundle version's Parquet goes. */
    public String outputOf(String version) {
        return output + "/" + version;
    }
}
