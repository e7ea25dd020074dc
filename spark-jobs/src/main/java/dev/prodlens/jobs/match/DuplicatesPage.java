package dev.prodlens.jobs.match;

import static dev.prodlens.jobs.evaluate.Html.escape;
import static dev.prodlens.jobs.evaluate.Html.metric;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.posexplode;

import com.google.gson.GsonBuilder;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.catalogue.ImageRefs;
import dev.prodlens.jobs.evaluate.ImageSource;
import dev.prodlens.jobs.evaluate.Thumbnails;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The duplicates page: what the match job found, for people to check by eye. The figures
 * (threshold, Shopee F1 on the tune and held-out groups), the largest groups as rows of thumbnails,
 * and the borderline pairs: the least sure predicted duplicates (just above the threshold) and the
 * nearest pairs left apart (just below), each with whether its listings share a label group.
 * Written into a directory of its own: {@code index.html}, {@code thumbs/}, {@code summary.json}.
 */
final class DuplicatesPage {
    /** Thumbnails shown of one group. */
    private static final int GROUP_THUMBNAILS = 8;

    private final List<BundleItem> items;
    private final int rows;
    private final String imagesRoot;
    private final ImageSource images;

    /** {@code hadoop}: the session's, so thumbnails read from the stores the jobs read from. */
    DuplicatesPage(
            JobSettings settings,
            org.apache.hadoop.conf.Configuration hadoop,
            List<BundleItem> items,
            int rows) {
        this.items = items;
        this.rows = rows;
        this.imagesRoot = ImageRefs.root(settings.imagesRoot(), settings.cataloguePath());
        this.images =
                ImageSource.hadoop(
                        hadoop,
                        EmbedderConfig.fromResolved(settings.embedderSettings()).maxBytes());
    }

    /** {@code neighbours}: each listing's ({@link NeighbourSearch#SCHEMA}). */
    void write(
            MatchResult result, Dataset<Row> neighbours, DuplicateGroups groups, Path directory) {
        try {
            Files.createDirectories(directory);
            Files.writeString(
                    directory.resolve("summary.json"),
                    new GsonBuilder()
                            .setPrettyPrinting()
                            .setFieldNamingPolicy(
                                    com.google.gson.FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                            .create()
                            .toJson(result),
                    StandardCharsets.UTF_8);
            Thumbnails thumbnails =
                    new Thumbnails(
                            images,
                            i -> ImageRefs.resolve(imagesRoot, items.get(i).image()),
                            directory);
            StringBuilder html = new StringBuilder();
            header(html, result);
            largestGroups(html, groups, thumbnails);
            borderline(html, neighbours, result.threshold(), thumbnails);
            html.append("</body></html>\n");
            Files.writeString(directory.resolve("index.html"), html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the duplicates page in " + directory, e);
        }
    }

    private static void header(StringBuilder html, MatchResult r) {
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>prodlens duplicate listings</title><style>")
                .append("body{font-family:sans-serif;margin:1.5rem;max-width:70rem}")
                .append(
                        "table{border-collapse:collapse}td,th{padding:.2rem .6rem;text-align:right}")
                .append(".row{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0 1.2rem}")
                .append(".cell{width:7rem;font-size:.75rem;overflow-wrap:anywhere}")
                .append(".thumb{width:96px;height:96px;object-fit:contain;background:#f4f4f4}")
                .append(".placeholder{width:96px;height:96px;background:#eee;color:#999}")
                .append(".note{color:#a00}.same{color:#070}.other{color:#a00}")
                .append("</style></head><body>\n<h1>Duplicate listings</h1>\n");
        html.append(
                String.format(
                        Locale.ROOT,
                        "<p>%,d listings; %,d of them in %,d groups of duplicates (the largest: %,d"
                                + " listings). A neighbour scoring at least <b>%.2f</b> is predicted to"
                                + " be the same product (threshold %s).</p>\n",
                        r.listings(),
                        r.duplicateListings(),
                        r.groups(),
                        r.largestGroup(),
                        r.threshold(),
                        switch (r.thresholdChoice()) {
                            case "chosen" ->
                                    String.format(
                                            Locale.ROOT,
                                            "chosen for the best Shopee F1 on %,d listings of the"
                                                    + " tune groups%s",
                                            r.tuneListings(),
                                            r.split().equals("adapt")
                                                    ? " (the learned projection's validation"
                                                            + " groups; the groups it learned from"
                                                            + " count on neither side)"
                                                    : "");
                            case "configured" -> "set by match.threshold";
                            default -> "the default: no listing has a label group";
                        }));
        if (r.f1All() != null) {
            html.append("<table><tr><th></th><th>listings</th><th>Shopee F1</th></tr>\n");
            row(html, "tune groups (threshold chosen here)", r.tuneListings(), r.f1Tune());
            row(html, "held-out groups (never tuned on)", r.heldOutListings(), r.f1HeldOut());
            row(html, "all labelled", r.tuneListings() + r.heldOutListings(), r.f1All());
            html.append("</table>\n");
        }
        html.append("<p>Every listing with its matches and group: <code>")
                .append(escape(r.output()))
                .append("/listings.parquet</code>; the groups: <code>groups.parquet</code>.</p>\n");
    }

    private static void row(StringBuilder html, String name, long listings, Double f1) {
        html.append("<tr><td style=\"text-align:left\">")
                .append(escape(name))
                .append("</td><td>")
                .append(String.format(Locale.ROOT, "%,d", listings))
                .append("</td><td>")
                .append(f1 == null ? "–" : metric(f1))
                .append("</td></tr>\n");
    }

    private void largestGroups(StringBuilder html, DuplicateGroups groups, Thumbnails thumbnails) {
        Map<Integer, List<Integer>> members = new HashMap<>();
        for (int i = 0; i < items.size(); i++)
            if (groups.sizeOf(i) > 1)
                members.computeIfAbsent(groups.groupOf(i), g -> new ArrayList<>()).add(i);
        List<Integer> largest =
                members.keySet().stream()
                        .sorted(
                                Comparator.comparing((Integer g) -> -members.get(g).size())
                                        .thenComparing(g -> g))
                        .limit(rows)
                        .toList();
        html.append("<h2>Largest groups</h2>\n");
        if (largest.isEmpty()) html.append("<p>No listing has a predicted duplicate.</p>\n");
        for (int group : largest) {
            List<Integer> listed = members.get(group);
            long labels = listed.stream().map(i -> items.get(i).labelGroup()).distinct().count();
            html.append("<h3>")
                    .append(listed.size())
                    .append(" listings")
                    .append(labels > 1 ? " (" + labels + " label groups)" : "")
                    .append("</h3><div class=\"row\">");
            for (int i : listed.subList(0, Math.min(GROUP_THUMBNAILS, listed.size())))
                html.append(thumbnails.cell("member", i, caption(i)));
            html.append("</div>\n");
        }
    }

    private void borderline(
            StringBuilder html, Dataset<Row> neighbours, double threshold, Thumbnails thumbnails) {
        // each pair once, whichever listing found it
        Dataset<Row> unique =
                neighbours
                        .select(
                                col("ordinal"),
                                posexplode(col("neighbours"))
                                        .as(new String[] {"rank", "neighbour"}),
                                col("scores"))
                        .select(
                                least(col("ordinal"), col("neighbour")).as("a"),
                                greatest(col("ordinal"), col("neighbour")).as("b"),
                                element_at(col("scores"), col("rank").plus(1)).as("score"))
                        .groupBy("a", "b")
                        .agg(max("score").as("score"));
        int half = Math.max(1, rows / 2);
        List<Row> above =
                unique.filter(col("score").geq(threshold))
                        .orderBy(col("score").asc(), col("a"), col("b"))
                        .limit(half)
                        .collectAsList();
        List<Row> below =
                unique.filter(col("score").lt(threshold))
                        .orderBy(col("score").desc(), col("a"), col("b"))
                        .limit(half)
                        .collectAsList();
        html.append("<h2>Borderline pairs</h2>\n<h3>Least sure duplicates (at or just above ")
                .append(String.format(Locale.ROOT, "%.2f", threshold))
                .append(")</h3>\n");
        pairs(html, above, thumbnails);
        html.append("<h3>Nearest pairs kept apart (just below)</h3>\n");
        pairs(html, below, thumbnails);
    }

    private void pairs(StringBuilder html, List<Row> pairs, Thumbnails thumbnails) {
        if (pairs.isEmpty()) html.append("<p>None.</p>\n");
        for (Row pair : pairs) {
            int a = pair.getInt(0);
            int b = pair.getInt(1);
            String labelA = items.get(a).labelGroup();
            String labelB = items.get(b).labelGroup();
            html.append("<div class=\"row\">")
                    .append(thumbnails.cell("pair", a, caption(a)))
                    .append(thumbnails.cell("pair", b, caption(b)))
                    .append("<div class=\"cell\">score ")
                    .append(String.format(Locale.ROOT, "%.3f", pair.getFloat(2)));
            if (labelA != null && labelB != null)
                html.append(
                        Objects.equals(labelA, labelB)
                                ? "<div class=\"same\">same label group</div>"
                                : "<div class=\"other\">other label groups</div>");
            html.append("</div></div>\n");
        }
    }

    private String caption(int ordinal) {
        BundleItem item = items.get(ordinal);
        return escape(item.id()) + (item.title() == null ? "" : "<br>" + escape(item.title()));
    }
}
