package dev.prodlens.jobs;

import dev.prodlens.core.UserError;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.bundle.ImageReference;
import dev.prodlens.core.config.CommandLine;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.jobs.adapt.AdaptJob;
import dev.prodlens.jobs.adapt.AdaptSettings;
import dev.prodlens.jobs.embed.EmbedJob;
import dev.prodlens.jobs.evaluate.EvaluateJob;
import dev.prodlens.jobs.index.BuildIndexJob;
import dev.prodlens.jobs.match.MatchJob;
import dev.prodlens.jobs.match.MatchSettings;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;
import org.apache.spark.sql.SparkSession;

/**
 * The jobs' command line, the main class of the shaded jar: {@code spark-submit --class
 * dev.prodlens.jobs.Main prodlens-jobs.jar <command> [--conf FILE] [key=value ...]}. {@code
 * key=value} pairs override the configuration file (after its environment overrides). A problem the
 * user can fix (a {@link UserError}) ends the run with exit code 2 and one line on standard error;
 * an internal failure with exit code 1 and its stack trace.
 */
public final class Main {
    static final String USAGE =
            "usage: prodlens-jobs <embed|adapt|build-index|evaluate|match|reindex> [--conf"
                    + " conf/prodlens.properties] "
                    + "[key=value ...]";

    private Main() {}

    public static void main(String[] args) {
        int code = execute(args);
        if (code != 0) System.exit(code);
    }

    /**
     * Runs one command; returns the exit code, having reported a failure (see {@link #reported}).
     */
    static int execute(String[] args) {
        return reported(() -> run(args));
    }

    /**
     * Runs a command and returns its exit code, or reports its failure ({@link
     * CommandLine#report}).
     */
    static int reported(IntSupplier command) {
        try {
            return command.getAsInt();
        } catch (RuntimeException e) {
            return CommandLine.report("prodlens", e);
        }
    }

    /** Runs one command; returns the exit code. */
    static int run(String[] args) {
        if (args.length == 0 || !COMMANDS.contains(args[0])) {
            System.err.println(USAGE);
            return CommandLine.USER_ERROR;
        }
        Config config = CommandLine.config(Arrays.asList(args).subList(1, args.length), USAGE);
        JobSettings settings = JobSettings.from(config, Path.of("").toAbsolutePath());
        // the settings of the later stages fail here, before Spark starts, not after the embed
        // stage
        if (args[0].equals("reindex")) ReindexJob.check(settings);
        if (args[0].equals("build-index")) BuildIndexJob.check(settings);
        if (args[0].equals("adapt")) AdaptSettings.from(settings.config());
        if (args[0].equals("match")) MatchSettings.from(settings);
        SparkSession spark = session(args[0]);
        try {
            switch (args[0]) {
                case "embed" -> EmbedJob.run(spark, EmbedJob.Spec.of(settings));
                case "adapt" -> AdaptJob.run(spark, settings);
                case "build-index" -> buildIndex(spark, settings);
                case "reindex" -> ReindexJob.run(spark, settings);
                case "evaluate" -> EvaluateJob.run(spark, settings, bundleToEvaluate(settings));
                case "match" -> match(spark, settings);
                default -> throw new IllegalStateException(args[0]);
            }
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** build-index alone: a sealed bundle version, not published (reindex publishes). */
    private static void buildIndex(SparkSession spark, JobSettings settings) {
        Path catalogueDir = Path.of(settings.catalogueBundles());
        String version = Bundles.newVersion();
        Path staging = Bundles.createStaging(catalogueDir, version);
        try {
            BuildIndexJob.run(spark, settings, staging, version);
        } catch (RuntimeException e) {
            FileTrees.deleteQuietly(staging);
            throw e;
        }
        System.out.println(
                "build-index: wrote "
                        + Bundles.seal(staging, version)
                        + " (not published; reindex publishes)");
    }

    /**
     * match alone, on the bundle evaluate would read: the Parquet goes to {@code match.output}, the
     * page beside it when that is a local directory (a published bundle is never changed).
     */
    private static void match(SparkSession spark, JobSettings settings) {
        Path bundle = bundleToEvaluate(settings);
        String output =
                MatchSettings.from(settings).outputOf(Bundles.readManifest(bundle).version());
        Path page =
                ImageReference.isUri(output) && !output.startsWith("file:")
                        ? null
                        : Path.of(output.replaceFirst("^file:(//)?", ""))
                                .resolve(BundleFiles.DUPLICATES);
        MatchJob.run(spark, settings, bundle, page);
    }

    /** {@code evaluate.bundle} (a version of this catalogue, or a directory), else the live one. */
    private static Path bundleToEvaluate(JobSettings settings) {
        Path catalogueDir = Path.of(settings.catalogueBundles());
        return settings.config()
                .find(ConfigKeys.EVALUATE_BUNDLE)
                .map(v -> v.contains("/") ? Path.of(v) : catalogueDir.resolve(v))
                .or(() -> Bundles.current(catalogueDir))
                .orElseThrow(
                        () ->
                                new JobException(
                                        "no bundle to evaluate: "
                                                + catalogueDir
                                                + " has no CURRENT; run reindex or "
                                                + "build-index first, or set evaluate.bundle"));
    }

    static final List<String> COMMANDS =
            Arrays.asList("embed", "adapt", "build-index", "evaluate", "match", "reindex");

    /**
     * The session spark-submit configured; local mode on all cores when started without a master.
     */
    private static SparkSession session(String command) {
        SparkSession.Builder builder = SparkSession.builder().appName("prodlens " + command);
        if (System.getProperty("spark.master") == null) builder.master("local[*]");
        return builder.getOrCreate();
    }
}
