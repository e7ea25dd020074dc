package dev.prodlens.bench.adapt;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.jobs.adapt.AdaptSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@link Method} at every dimension on one catalogue, against the raw embedding (the first
 * row): learned on the train part, chosen on the validation part, reported on the test part.
 */
record Comparison(String catalogue, List<Comparison.Row> rows) {

    /** The name of the raw embedding's row. */
    static final String RAW = "raw";

    /**
     * One method at one dimension.
     *
     * @param validationMapR what the choice is made on
     * @param threshold the Shopee threshold chosen on validation, at which {@code test}'s F1 is
     *     read
     * @param learnSeconds the train moments plus the method's own learning
     */
    record Row(
            String method,
            int dim,
            double validationMapR,
            double threshold,
            PartScores test,
            long bytes,
            double learnSeconds) {
        double testF1() {
            return test.f1At(threshold);
        }

        String name() {
            return method + "/" + dim;
        }
    }

    static Comparison run(LabelledSet set, int shopeeNeighbours) {
        Training training = Training.of(set.train());
        System.out.printf(
                Locale.ROOT,
                "%s: moments of %d train vectors and %d matching pairs in %.1f s%n",
                set.name(),
                training.all().count(),
                training.pairs().count(),
                training.seconds());
        List<Row> rows = new ArrayList<>();
        rows.add(row(set, null, set.dim(), 0, shopeeNeighbours));
        for (int dim : Method.DIMS) {
            if (dim > training.maxDim()) continue;
            for (Method method : Method.ALL) {
                if (dim < method.minDim()) continue;
                long start = System.nanoTime();
                Projection p = method.learner().learn(training, dim);
                double seconds = training.seconds() + (System.nanoTime() - start) / 1e9;
                rows.add(row(set, p, dim, seconds, shopeeNeighbours));
            }
        }
        return new Comparison(set.name(), rows);
    }

    private static Row row(
            LabelledSet set, Projection p, int dim, double seconds, int shopeeNeighbours) {
        PartScores validation = PartScores.of(set.validation(), p, shopeeNeighbours);
        PartScores test = PartScores.of(set.test(), p, shopeeNeighbours);
        return new Row(
                p == null ? RAW : p.method(),
                dim,
                validation.mapR(),
                validation.shopee().threshold(),
                test,
                dim * (long) Float.BYTES,
                seconds);
    }

    Row raw() {
        return rows.get(0);
    }

    /** The output dimensions the adapt stage tries by default. */
    private static final List<Integer> STAGE_DIMS = Config.of(Map.of()).get(ConfigKeys.ADAPT_DIMS);

    /**
     * The row with the best validation mAP@R among what {@code adapt.method = auto} tries: its
     * methods at the default {@code adapt.dims} (the other rows are there to compare methods and
     * memory); raw where nothing beats it. As the stage chooses, from a list fixed beforehand, so
     * the summary line's figure is what a reindex gives.
     */
    Row best() {
        Row best = raw();
        for (Row r : rows) {
            if (STAGE_DIMS.contains(r.dim())
                    && AdaptSettings.AUTO_METHODS.contains(r.method())
                    && r.validationMapR() > best.validationMapR()) {
                best = r;
            }
        }
        return best;
    }

    /**
     * The issue's memory target, read on the test part: the smallest dimension at which a method
     * keeps the raw embedding's recall@10 (the best recall@10 among the methods there).
     */
    Optional<Row> smallestAsGoodAsRaw() {
        return rows.stream()
                .skip(1)
                .filter(r -> r.test().recall10() >= raw().test().recall10())
                .min(Comparator.comparingInt(Row::dim).thenComparing(r -> -r.test().recall10()));
    }

    void print() {
        System.out.printf(
                "%n%-18s %5s | %9s %5s | %9s %9s %9s %9s | %9s %8s%n",
                "method",
                "dim",
                "val mAP@R",
                "thr",
                "recall@1",
                "recall@10",
                "mAP@R",
                "Shopee F1",
                "bytes/vec",
                "learn s");
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "%-18s %5d | %9.3f %5.2f | %9.3f %9.3f %9.3f %9.3f | %9d %8.1f%n",
                    r.method(),
                    r.dim(),
                    r.validationMapR(),
                    r.threshold(),
                    r.test().recall1(),
                    r.test().recall10(),
                    r.test().mapR(),
                    r.testF1(),
                    r.bytes(),
                    r.learnSeconds());
        }
        Row best = best();
        System.out.printf(
                Locale.ROOT,
                "%n%s: chosen on validation as adapt.method = auto does (%s at %s): %s (test mAP@R %.3f, raw %.3f)%n",
                catalogue,
                AdaptSettings.AUTO_METHODS,
                STAGE_DIMS,
                best == raw() ? "none (raw)" : best.name(),
                best.test().mapR(),
                raw().test().mapR());
        Optional<Row> small = smallestAsGoodAsRaw();
        System.out.println(
                small.map(
                                r ->
                                        String.format(
                                                Locale.ROOT,
                                                "%s: smallest with test recall@10 >= raw's %.3f:"
                                                        + " %s (%.3f), %d bytes per vector, %.1fx"
                                                        + " smaller than raw",
                                                catalogue,
                                                raw().test().recall10(),
                                                r.name(),
                                                r.test().recall10(),
                                                r.bytes(),
                                                raw().bytes() / (double) r.bytes()))
                        .orElse(
                                String.format(
                                        Locale.ROOT,
                                        "%s: no method keeps raw's test recall@10 %.3f",
                                        catalogue,
                                        raw().test().recall10())));
    }
}
