package dev.prodlens.jobs.adapt;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.jobs.evaluate.EvalData;
import dev.prodlens.jobs.evaluate.EvalResult;
import dev.prodlens.jobs.evaluate.Evaluator;
import dev.prodlens.jobs.evaluate.Relevance;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Scores vectors of held-out groups with the evaluation's own metrics (exact search, each item a
 * query among the others, matches = its group): the adapt stage's candidates on validation, and the
 * report's before/after on test.
 */
public final class CandidateScorer {
    private final Evaluator evaluator;

    /** With the evaluation's settings (Shopee F1 depth, batch size), recall@1 and @10 added. */
    public CandidateScorer(Evaluator.Settings settings) {
        List<Integer> ks =
                Stream.concat(Stream.of(1, 10), settings.ks().stream())
                        .distinct()
                        .sorted()
                        .toList();
        this.evaluator =
                new Evaluator(
                        new Evaluator.Settings(
                                ks, settings.shopeeNeighbours(), settings.batchSize(), 0));
    }

    /** The metrics of {@code sample}'s vectors, projected by {@code p} unless it is null. */
    public EvalResult.SearchMetrics metrics(Labelled.Sample sample, Projection p) {
        float[] vectors = p == null ? sample.vectors() : p.applyAll(sample.vectors());
        int dim = p == null ? sample.dim() : p.outputDimension();
        String[] ids = new String[sample.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = Integer.toString(i);
        EvalData data = new EvalData(ids, vectors, dim, sample.groups(), sample.categories(), null);
        return evaluator.exact(data, Relevance.fromLabelGroups(data));
    }

    /** The model's own vectors as a candidate ({@code none}). */
    BundleManifest.Candidate raw(Labelled.Sample validation) {
        return candidate(BundleManifest.Adapt.NONE, validation.dim(), metrics(validation, null), 0);
    }

    /** A learned projection as a candidate. */
    BundleManifest.Candidate score(Projection p, Labelled.Sample validation, double seconds) {
        return candidate(p.method(), p.outputDimension(), metrics(validation, p), seconds);
    }

    private static BundleManifest.Candidate candidate(
            String method, int dim, EvalResult.SearchMetrics metrics, double seconds) {
        Map<String, Double> h = metrics.headline();
        return new BundleManifest.Candidate(
                method, dim, h.get("map@r"), h.get("recall@1"), h.get("recall@10"), seconds);
    }
}
