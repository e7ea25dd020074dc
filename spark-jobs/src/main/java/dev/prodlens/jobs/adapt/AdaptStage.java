package dev.prodlens.jobs.adapt;

import dev.prodlens.core.adapt.GroupSplit;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.adapt.Whitening;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.Progress;
import dev.prodlens.jobs.index.IndexedItems;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * adapt (issue 18): learns projections after the backbone from the catalogue's own groups, scores
 * each on held-out validation groups, and chooses one, or none. The honest protocol: groups fall
 * whole into train / validation / test by a hash of their name ({@link GroupSplit}); the methods
 * learn from train only, the choice looks at validation only, and test is left for the report
 * ({@code evaluate}'s before/after table), so no reported figure comes from a group that was
 * learned or chosen on.
 *
 * <p>The moments of the train part are aggregated by the executors ({@link AdaptMoments}); only the
 * eigen-decompositions and the validation searches (at most {@code adapt.sample-items} items) run
 * on the driver.
 */
public final class AdaptStage {
    /**
     * What the stage decided.
     *
     * @param entry the manifest's record of it
     * @param projection the chosen projection; null when the model's vectors are kept
     */
    public record Outcome(BundleManifest.Adapt entry, Projection projection) {}

    private AdaptStage() {}

    /**
     * As {@link #run}, on the rows of {@code items} cached for the stage's many passes (the items
     * themselves stream their vectors); {@code then} gets the outcome and the same cached rows (to
     * project them, say) before they are released.
     */
    public static <T> T runCached(
            SparkSession spark,
            AdaptSettings settings,
            CandidateScorer scorer,
            IndexedItems items,
            int dim,
            BiFunction<Outcome, Dataset<Row>, T> then) {
        Dataset<Row> rows = items.rows().persist(StorageLevel.MEMORY_AND_DISK());
        try {
            return then.apply(run(spark, settings, scorer, rows, dim), rows);
        } finally {
            rows.unpersist();
        }
    }

    /**
     * Learns and chooses from {@code items} (columns {@code item_id}, {@code label_group}, {@code
     * embedding} of dimension {@code dim}).
     */
    public static Outcome run(
            SparkSession spark,
            AdaptSettings settings,
            CandidateScorer scorer,
            Dataset<Row> items,
            int dim) {
        long start = System.nanoTime();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        Labelled labelled = Labelled.of(spark, items, settings.pairs(), hadoop);
        GroupSplit split = settings.split();
        Progress.Laps laps = new Progress.Laps("adapt");
        Labelled.Census census = labelled.census(split);
        laps.lap("census");
        Map<GroupSplit.Part, Long> groups = census.groups();
        BundleManifest.Split splitEntry =
                new BundleManifest.Split(
                        split.validationShare(),
                        split.testShare(),
                        groups.get(GroupSplit.Part.TRAIN),
                        groups.get(GroupSplit.Part.VALIDATION),
                        groups.get(GroupSplit.Part.TEST));
        long fewest = groups.values().stream().mapToLong(Long::longValue).min().orElse(0);
        if (fewest < settings.minGroups()) {
            return tooSmall(spark, settings, items, dim, labelled, splitEntry, start);
        }
        Labelled.Sample validation =
                labelled.sample(
                        split, GroupSplit.Part.VALIDATION, census, settings.sampleItems(), dim);
        laps.lap("validation sample");
        List<Learned> tried = new ArrayList<>();
        tried.add(new Learned(scorer.raw(validation), null));
        laps.lap("scoring");
        List<String> methods = settings.methodsToTry();
        if (!methods.isEmpty()) {
            Learners learners = Learners.of(labelled, census, settings, dim);
            laps.lap("moments");
            for (String method : methods) {
                for (Learners.Learned l : learners.learn(method, settings.dimsFor(dim))) {
                    laps.lap("learning");
                    tried.add(
                            new Learned(
                                    scorer.score(l.projection(), validation, l.seconds()),
                                    l.projection()));
                    laps.lap("scoring");
                }
            }
        }
        laps.print();
        Learned raw = tried.get(0);
        Learned best =
                tried.stream().skip(1).max(Comparator.comparingDouble(Learned::mapR)).orElse(raw);
        String note = null;
        if (best != raw
                && settings.method().equals(AdaptSettings.AUTO)
                && best.mapR() < raw.mapR() + settings.minGain()) {
            note =
                    String.format(
                            Locale.ROOT,
                            "no projection gained adapt.min-gain = %.3f validation mAP@R over the"
                                    + " model's vectors (best %s/%d: %.3f against %.3f)",
                            settings.minGain(),
                            best.candidate().method(),
                            best.candidate().dim(),
                            best.mapR(),
                            raw.mapR());
            best = raw;
        }
        List<BundleManifest.Candidate> candidates = tried.stream().map(Learned::candidate).toList();
        BundleManifest.Adapt entry =
                new BundleManifest.Adapt(
                        best.candidate().method(),
                        best.candidate().dim(),
                        best == raw ? 0 : groups.get(GroupSplit.Part.TRAIN),
                        labelled.source(),
                        splitEntry,
                        candidates,
                        note);
        report(entry, validation.size(), start);
        return new Outcome(entry, best.projection());
    }

    /** A candidate with its projection (null for the model's own vectors). */
    private record Learned(BundleManifest.Candidate candidate, Projection projection) {
        double mapR() {
            return candidate.mapR();
        }
    }

    /**
     * Too few groups to split: one line says so, and the model's vectors are kept, unless
     * PCA-whitening, which needs no groups, was asked for by name (learned then from every item, at
     * the largest dimension tried: there is nothing to choose with).
     */
    private static Outcome tooSmall(
            SparkSession spark,
            AdaptSettings settings,
            Dataset<Row> items,
            int dim,
            Labelled labelled,
            BundleManifest.Split split,
            long start) {
        String why =
                String.format(
                        Locale.ROOT,
                        "too few groups to learn and choose from (%s groups of two or more items"
                                + " in train / validation / test: %d / %d / %d; adapt.min-groups ="
                                + " %d)",
                        labelled.source(),
                        split.trainGroups(),
                        split.validationGroups(),
                        split.testGroups(),
                        settings.minGroups());
        if (settings.method().equals(AdaptSettings.PCA)) {
            int d = settings.dimsFor(dim).stream().mapToInt(Integer::intValue).max().orElse(dim);
            Projection p = Whitening.pca(AdaptMoments.ofAll(items, dim), d);
            BundleManifest.Adapt entry =
                    new BundleManifest.Adapt(
                            p.method(),
                            d,
                            0,
                            "none",
                            split,
                            List.of(),
                            why
                                    + "; PCA-whitening"
                                    + " learned from every item, unvalidated, as adapt.method asks");
            report(entry, 0, start);
            return new Outcome(entry, p);
        }
        if (!settings.method().equals(AdaptSettings.AUTO) && !settings.method().equals("none")) {
            throw new JobException(
                    "adapt.method = "
                            + settings.method()
                            + " needs groups: "
                            + why
                            + "; set adapt.method = auto (keeps the model's vectors) or"
                            + " pca-whitening (needs no groups)");
        }
        BundleManifest.Adapt entry =
                new BundleManifest.Adapt(
                        BundleManifest.Adapt.NONE,
                        dim,
                        0,
                        labelled.source(),
                        split,
                        List.of(),
                        why + "; kept the model's vectors");
        report(entry, 0, start);
        return new Outcome(entry, null);
    }

    /** The candidates' table and the choice, on the console. */
    private static void report(BundleManifest.Adapt entry, int validationItems, long start) {
        if (!entry.candidates().isEmpty()) {
            System.out.printf(
                    Locale.ROOT,
                    "adapt: on %,d validation items (%,d groups of two or more; never learned"
                            + " from):%n  %-18s %5s %9s %9s %9s %8s%n",
                    validationItems,
                    entry.split().validationGroups(),
                    "method",
                    "dim",
                    "mAP@R",
                    "recall@1",
                    "recall@10",
                    "learn s");
            for (BundleManifest.Candidate c : entry.candidates()) {
                System.out.printf(
                        Locale.ROOT,
                        "  %-18s %5d %9.3f %9.3f %9.3f %8.1f%n",
                        c.method(),
                        c.dim(),
                        c.mapR(),
                        c.recallAt1(),
                        c.recallAt10(),
                        c.learnSeconds());
            }
        }
        Progress.stage(
                "adapt",
                entry.projected()
                        ? String.format(
                                Locale.ROOT,
                                "chose %s/%d, learned from %s",
                                entry.method(),
                                entry.dim(),
                                entry.trainGroups() == 0
                                        ? "every item (no groups)"
                                        : String.format(
                                                Locale.ROOT,
                                                "%,d train groups (%s)",
                                                entry.trainGroups(),
                                                entry.groups()))
                        : "kept the model's vectors"
                                + (entry.note() == null ? "" : ": " + entry.note()),
                0,
                "",
                start);
    }
}
