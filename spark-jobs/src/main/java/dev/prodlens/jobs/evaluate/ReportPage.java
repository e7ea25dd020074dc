package dev.prodlens.jobs.evaluate;

import static dev.prodlens.jobs.evaluate.Html.escape;
import static dev.prodlens.jobs.evaluate.Html.metric;
import static dev.prodlens.jobs.evaluate.Html.signed;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's index.html: one page, no scripts and no external resources (it opens from a file or
 * an artefact store as it is), the charts and thumbnails beside it. Every string that comes from
 * data (ids, categories, paths, error notes) is HTML-escaped.
 */
final class ReportPage {
    private static final String STYLE =
            """
            body{font-family:system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}
            table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.3em .7em}
            td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3;text-align:left}
            .note{color:#555;font-size:.9em}.chart{max-width:100%}
            .query{display:flex;gap:.6em;align-items:flex-start;margin:1em 0;padding-bottom:1em;border-bottom:1px solid #eee}
            .cell{width:104px;font-size:.75em;overflow-wrap:anywhere}
            .thumb{width:96px;height:96px;object-fit:contain;border:4px solid #ddd;background:#fafafa}
            .cell.q .thumb{border-color:#1f77b4}.ok .thumb{border-color:#2ca02c}.bad .thumb{border-color:#d62728}
            .placeholder{width:96px;height:96px;border:4px dashed #bbb;display:flex;align-items:center;
            justify-content:center;color:#888;background:#fafafa}
            """;
    private static final String CORRECT = "&#10003; match";
    private static final String WRONG = "&#10007; not a match";

    private final EvalResult result;
    private final Thumbnails thumbnails;
    private final Instant generated;
    private final StringBuilder html = new StringBuilder();

    private final com.google.gson.JsonObject duplicates;

    /**
     * {@code duplicates}: the match job's {@code summary.json} of the same bundle, or null for
     * none.
     */
    ReportPage(
            EvalResult result,
            Thumbnails thumbnails,
            Instant generated,
            com.google.gson.JsonObject duplicates) {
        this.result = result;
        this.thumbnails = thumbnails;
        this.generated = generated;
        this.duplicates = duplicates;
    }

    String render() {
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>prodlens evaluation</title><style>")
                .append(STYLE)
                .append("</style></head><body>\n");
        overview();
        adapt();
        metrics();
        shopee();
        duplicates();
        categories();
        scores();
        worstQueries();
        html.append("</body></html>\n");
        return html.toString();
    }

    private void overview() {
        html.append("<h1>Retrieval evaluation</h1>\n<table>");
        row("items", String.valueOf(result.items()));
        row("vectors in the index (every indexed image)", String.valueOf(result.vectors()));
        row("queries (items with at least one true match)", String.valueOf(result.queries()));
        if (result.relevance() == Relevance.Kind.LABEL_GROUP) {
            row("ground truth", "label groups: items of one group match each other");
        } else {
            row(
                    "ground truth",
                    "labelled pairs: "
                            + result.pairsTotal()
                            + " read, "
                            + result.pairsIgnored()
                            + " ignored (id not in the data, or an item with itself)");
        }
        row("ANN index", escape(result.annIndex()));
        row("results per query", result.searchDepth() + " (the query item itself excluded)");
        row(
                "time taken",
                String.format(Locale.ROOT, "%.1f s", result.elapsed().toMillis() / 1000.0));
        row("generated", generated.toString());
        html.append("</table>\n");
    }

    /** The learned projection: its validation candidates and its before/after on test groups. */
    private void adapt() {
        AdaptComparison c = result.adapt();
        if (c == null) return;
        html.append("<h2>Learned projection: before and after, on held-out groups</h2>\n")
                .append(
                        "<p class=\"note\">The adapt stage split the groups by a hash of their name: ")
                .append(c.adapt().split().trainGroups())
                .append(" to learn from, ")
                .append(c.adapt().split().validationGroups())
                .append(" to choose with, ")
                .append(c.adapt().split().testGroups())
                .append(" to report on (groups of two or more items). Chosen: <b>")
                .append(escape(c.adapt().method()))
                .append("/")
                .append(c.adapt().dim())
                .append("</b>")
                .append(c.adapt().note() == null ? "" : " (" + escape(c.adapt().note()) + ")")
                .append(". Below: exact search among ")
                .append(c.items())
                .append(" test items (")
                .append(c.groups())
                .append(
                        " groups), with the model's vectors (before) and projected (after); no test"
                                + " group was learned or chosen on.</p>\n<table><tr><th>metric</th>"
                                + "<th>before</th><th>after</th><th>change</th></tr>\n");
        Map<String, Double> after = c.after().headline();
        c.before()
                .headline()
                .forEach(
                        (key, before) -> {
                            if (key.equals(EvalResult.SHOPEE_THRESHOLD)) return;
                            html.append("<tr><td>")
                                    .append(escape(key))
                                    .append("</td><td class=\"n\">")
                                    .append(metric(before))
                                    .append("</td><td class=\"n\">")
                                    .append(metric(after.get(key)))
                                    .append("</td><td class=\"n\">")
                                    .append(signed(after.get(key) - before))
                                    .append("</td></tr>\n");
                        });
        html.append("</table>\n");
        Map<String, RetrievalMetrics.CategoryRecall> afterByCategory =
                c.after().retrieval().perCategory();
        if (!afterByCategory.isEmpty()) {
            String k = "recall@" + RetrievalMetrics.CATEGORY_K;
            html.append("<table><tr><th>category</th><th>test queries</th><th>")
                    .append(k)
                    .append(" before</th><th>after</th></tr>\n");
            c.before()
                    .retrieval()
                    .perCategory()
                    .forEach(
                            (name, before) ->
                                    html.append("<tr><td>")
                                            .append(escape(name))
                                            .append("</td><td class=\"n\">")
                                            .append(before.queries())
                                            .append("</td><td class=\"n\">")
                                            .append(metric(before.recall()))
                                            .append("</td><td class=\"n\">")
                                            .append(metric(afterByCategory.get(name).recall()))
                                            .append("</td></tr>\n"));
            html.append("</table>\n");
        }
        html.append("<p class=\"note\">Candidates, scored on the validation groups:</p>\n")
                .append("<table><tr><th>method</th><th>dim</th><th>mAP@R</th><th>recall@1</th>")
                .append("<th>recall@10</th><th>learn s</th></tr>\n");
        for (var candidate : c.adapt().candidates()) {
            html.append("<tr><td>")
                    .append(escape(candidate.method()))
                    .append("</td><td class=\"n\">")
                    .append(candidate.dim())
                    .append("</td><td class=\"n\">")
                    .append(metric(candidate.mapR()))
                    .append("</td><td class=\"n\">")
                    .append(metric(candidate.recallAt1()))
                    .append("</td><td class=\"n\">")
                    .append(metric(candidate.recallAt10()))
                    .append("</td><td class=\"n\">")
                    .append(String.format(Locale.ROOT, "%.1f", candidate.learnSeconds()))
                    .append("</td></tr>\n");
        }
        html.append("</table>\n");
    }

    private void metrics() {
        html.append("<h2>Retrieval quality: exact search vs the ANN index</h2>\n")
                .append(
                        "<p class=\"note\">Exact search (Faiss Flat, cosine) measures the embedding; the ANN index is ")
                .append(
                        "what users get; the loss is what the index costs. <b>recall@k</b>: share of queries with at ")
                .append(
                        "least one true match in the top k (the Stanford Online Products / In-shop definition). ")
                .append(
                        "<b>mAP@R</b>: mean average precision over the top R results, R = the query's number of true ")
                .append(
                        "matches (Musgrave et al. 2020, <i>A Metric Learning Reality Check</i>).</p>\n");
        Map<String, Double> exact = result.exact().headline();
        Map<String, Double> ann = result.ann().headline();
        Map<String, Double> loss = result.indexLoss();
        html.append("<table><tr><th>metric</th><th>exact</th><th>ANN</th><th>loss</th></tr>\n");
        exact.forEach(
                (key, value) -> {
                    if (!key.equals(EvalResult.SHOPEE_THRESHOLD)) {
                        html.append("<tr><td>")
                                .append(key)
                                .append("</td><td class=\"n\">")
                                .append(metric(value))
                                .append("</td><td class=\"n\">")
                                .append(metric(ann.get(key)))
                                .append("</td><td class=\"n\">")
                                .append(signed(loss.get(key)))
                                .append("</td></tr>\n");
                    }
                });
        html.append("</table>\n");
        imageLevel();
        chart(Charts.RECALL, "recall@k, exact vs ANN");
    }

    /**
     * The same queries by image: the figures above count products (an item's images grouped, ranked
     * by its best), these rank the raw hits.
     */
    private void imageLevel() {
        Map<String, Double> exact = result.exact().imageHeadline();
        if (exact.isEmpty()) return;
        Map<String, Double> products = result.exact().headline();
        Map<String, Double> ann = result.ann().imageHeadline();
        Map<String, Double> annProducts = result.ann().headline();
        html.append(
                        "<p class=\"note\">By product (above, and every figure below) an item counts"
                                + " once, where its best image ranked; by image the raw hits are"
                                + " ranked, an image relevant when its item matches (R = the images"
                                + " of the matching items). The query's own item is left out of"
                                + " both.</p>\n")
                .append(
                        "<table><tr><th>metric</th><th>exact, by product</th><th>exact, by"
                                + " image</th><th>ANN, by product</th><th>ANN, by image</th></tr>\n");
        exact.forEach(
                (key, value) ->
                        html.append("<tr><td>")
                                .append(key)
                                .append("</td><td class=\"n\">")
                                .append(metric(products.get(key)))
                                .append("</td><td class=\"n\">")
                                .append(metric(value))
                                .append("</td><td class=\"n\">")
                                .append(metric(annProducts.get(key)))
                                .append("</td><td class=\"n\">")
                                .append(metric(ann.get(key)))
                                .append("</td></tr>\n"));
        html.append("</table>\n");
    }

    private void shopee() {
        if (result.exact().shopee() == null) {
            return;
        }
        html.append(
                        "<h2>Shopee F1</h2>\n<p class=\"note\">Per item: predicted matches = the item plus its results ")
                .append(
                        "with cosine &ge; threshold; true matches = its label group. Mean F1 over all items. ")
                .append(
                        "<b>The threshold is chosen on this same data, so the F1 is optimistic</b> for new data.</p>\n")
                .append("<table><tr><th></th><th>best threshold</th><th>F1</th></tr>\n");
        shopeeRow("exact", result.exact().shopee());
        shopeeRow("ANN", result.ann().shopee());
        html.append("</table>\n");
        chart(Charts.SHOPEE, "Shopee F1 by threshold");
    }

    /** The match job's findings in a few lines, and its page (docs/match.md). */
    private void duplicates() {
        if (duplicates == null) return;
        html.append("<h2>Duplicate listings</h2>\n<p>")
                .append(
                        String.format(
                                Locale.ROOT,
                                "%,d of %,d listings are in %,d groups of duplicates (the largest:"
                                        + " %,d), at threshold %.2f (%s).",
                                duplicates.get("duplicate_listings").getAsLong(),
                                duplicates.get("listings").getAsLong(),
                                duplicates.get("groups").getAsLong(),
                                duplicates.get("largest_group").getAsLong(),
                                duplicates.get("threshold").getAsDouble(),
                                escape(duplicates.get("threshold_choice").getAsString())));
        if (duplicates.has("f1_held_out"))
            html.append(
                    String.format(
                            Locale.ROOT,
                            " Shopee F1 %s on %,d listings of held-out groups (the threshold was"
                                    + " chosen on the others).",
                            metric(duplicates.get("f1_held_out").getAsDouble()),
                            duplicates.get("held_out_listings").getAsLong()));
        html.append(
                " The largest groups and the borderline pairs: <a href=\"../duplicates/index.html\">"
                        + "duplicate listings</a>.</p>\n");
    }

    private void shopeeRow(String name, ShopeeF1.Result shopee) {
        html.append("<tr><td>")
                .append(name)
                .append("</td><td class=\"n\">")
                .append(String.format(Locale.ROOT, "%.2f", shopee.threshold()))
                .append("</td><td class=\"n\">")
                .append(metric(shopee.f1()))
                .append("</td></tr>\n");
    }

    private void categories() {
        Map<String, RetrievalMetrics.CategoryRecall> exact =
                result.exact().retrieval().perCategory();
        if (exact.isEmpty()) {
            return;
        }
        Map<String, RetrievalMetrics.CategoryRecall> ann = result.ann().retrieval().perCategory();
        String k = "recall@" + RetrievalMetrics.CATEGORY_K;
        html.append("<h2>Per category</h2>\n<p class=\"note\">")
                .append(k)
                .append(
                        " of the queries of each category (the query's category), largest first.</p>\n");
        chart(Charts.CATEGORIES, k + " per category");
        html.append("<table><tr><th>category</th><th>queries</th><th>exact ")
                .append(k)
                .append("</th><th>ANN ")
                .append(k)
                .append("</th><th>loss</th></tr>\n");
        exact.entrySet().stream()
                .sorted(
                        Comparator.comparingInt(
                                        (Map.Entry<String, RetrievalMetrics.CategoryRecall> e) ->
                                                -e.getValue().queries())
                                .thenComparing(Map.Entry::getKey))
                .forEach(
                        e -> {
                            double exactRecall = e.getValue().recall();
                            double annRecall = ann.get(e.getKey()).recall();
                            html.append("<tr><td>")
                                    .append(escape(e.getKey()))
                                    .append("</td><td class=\"n\">")
                                    .append(e.getValue().queries())
                                    .append("</td><td class=\"n\">")
                                    .append(metric(exactRecall))
                                    .append("</td><td class=\"n\">")
                                    .append(metric(annRecall))
                                    .append("</td><td class=\"n\">")
                                    .append(signed(exactRecall - annRecall))
                                    .append("</td></tr>\n");
                        });
        html.append("</table>\n");
    }

    private void scores() {
        html.append(
                        "<h2>Score distributions</h2>\n<p class=\"note\">Cosine of every (query, result) pair retrieved ")
                .append(
                        "by exact search, true matches vs non-matches, each as a share of its own pairs. Where the ")
                .append("two overlap, no threshold tells them apart.</p>\n");
        chart(Charts.SCORES, "score histograms of matches and non-matches");
    }

    private void worstQueries() {
        List<EvalResult.WorstQuery> worst = result.worstQueries();
        if (worst.isEmpty()) {
            return;
        }
        html.append("<h2>Worst queries</h2>\n<p class=\"note\">The ")
                .append(worst.size())
                .append(
                        " queries with the lowest AP@R under the ANN index (blue), with their first results: ")
                .append("green = a true match, red = not one.</p>\n");
        for (EvalResult.WorstQuery query : worst) {
            html.append("<div class=\"query\">");
            cell(
                    "q",
                    query.ordinal(),
                    escape(query.itemId())
                            + "<br>AP@R "
                            + metric(query.averagePrecision())
                            + "<br>"
                            + query.trueMatches()
                            + " true match"
                            + (query.trueMatches() == 1 ? "" : "es"));
            for (EvalResult.Hit hit : query.top()) {
                cell(
                        hit.correct() ? "ok" : "bad",
                        hit.ordinal(),
                        escape(hit.itemId())
                                + "<br>"
                                + String.format(Locale.ROOT, "%.3f", hit.score())
                                + " "
                                + (hit.correct() ? CORRECT : WRONG));
            }
            html.append("</div>\n");
        }
    }

    /** One thumbnail with its caption (already HTML), or a placeholder with the reason. */
    private void cell(String kind, int ordinal, String caption) {
        html.append(thumbnails.cell(kind, ordinal, caption));
    }

    private void chart(String file, String description) {
        html.append("<p><img class=\"chart\" src=\"")
                .append(file)
                .append("\" alt=\"")
                .append(description)
                .append("\"></p>\n");
    }

    private void row(String name, String valueHtml) {
        html.append("<tr><th>")
                .append(name)
                .append("</th><td>")
                .append(valueHtml)
                .append("</td></tr>\n");
    }
}
