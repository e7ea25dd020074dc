package dev.prodlens.jobs.evaluate;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes {@code metrics.json}: the evaluation for machines (CI gates, dashboards, comparing runs).
 * Its keys are stable; new ones may be added, existing ones keep their meaning:
 *
 * <pre>
 * schema_version   1
 * items            items evaluated (products: the metrics below count them)
 * vectors          vectors in the index: every indexed image of the items
 * queries          items with at least one true match
 * relevance        "label_group" or "pairs"
 * pairs_total      labelled pairs read (0 with label groups)
 * pairs_ignored    pairs skipped: an id not in the data, or an item with itself
 * ann_index        the ANN index and its search settings
 * search_depth     results per query (the query itself excluded)
 * seconds          time the evaluation took
 * exact, ann       {"recall@K": ..., "map@r": ..., and with label groups "shopee_f1", "shopee_threshold"}
 *                  under exact search and under the ANN index; recall@K = share of queries with a
 *                  true match in the top K (SOP / In-shop definition), map@r = mAP@R of Musgrave et al.
 * index_loss       exact minus ann, per metric (no threshold)
 * images           {"exact": {"recall@K", "map@r"}, "ann": {...}}: the same queries with the raw
 *                  hits ranked by image (the query's own item's images left out), an image relevant
 *                  when its item matches, R = the images of the matching items; with one image per
 *                  item they equal exact and ann
 * per_category     {"category": {"queries": n, "exact_recall@10": r, "ann_recall@10": r}}
 * score_histogram  {"min": -1, "max": 1, "bins": 100, "matches": [counts], "non_matches": [counts]}:
 *                  cosine of each exactly retrieved (query, neighbour) pair
 * worst_queries    [{"item_id", "ap@r", "true_matches", "top": [{"item_id", "score", "correct"}]}], worst first
 * adapt            (bundles built with adapt.method other than off) the learned projection:
 *                  {"method", "dim", "train_groups", "groups", "note", "split": {"validation_share",
 *                  "test_share", "train_groups", "validation_groups", "test_groups"}, "candidates":
 *                  [{"method", "dim", "map@r", "recall@1", "recall@10", "learn_seconds"}] (validation
 *                  figures), "test": {"items", "groups", "before": {...}, "after": {...},
 *                  "per_category": {"category": {"queries", "before_recall@10", "after_recall@10"}}}}:
 *                  before = the model's vectors, after = projected, exact search, test groups only
 * </pre>
 */
public final class MetricsJson {
    static final String FILE_NAME = "metrics.json";
    static final int SCHEMA_VERSION = 1;
    private static final double NANOS_PER_SECOND = 1e9;
    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private MetricsJson() {}

    /** The JSON text. */
    public static String toJson(EvalResult result) {
        JsonObject root = new JsonObject();
        root.addProperty("schema_version", SCHEMA_VERSION);
        root.addProperty("items", result.items());
        root.addProperty("vectors", result.vectors());
        root.addProperty("queries", result.queries());
        root.addProperty("relevance", result.relevance().key);
        root.addProperty("pairs_total", result.pairsTotal());
        root.addProperty("pairs_ignored", result.pairsIgnored());
        root.addProperty("ann_index", result.annIndex());
        root.addProperty("search_depth", result.searchDepth());
        root.addProperty("seconds", result.elapsed().toNanos() / NANOS_PER_SECOND);
        root.add("exact", numbers(result.exact().headline()));
        root.add("ann", numbers(result.ann().headline()));
        root.add("index_loss", numbers(result.indexLoss()));
        if (result.exact().images() != null) {
            JsonObject images = new JsonObject();
            images.add("exact", numbers(result.exact().imageHeadline()));
            images.add("ann", numbers(result.ann().imageHeadline()));
            root.add("images", images);
        }
        root.add("per_category", perCategory(result));
        root.add("score_histogram", histogram(result.scores()));
        root.add("worst_queries", worstQueries(result));
        if (result.adapt() != null) root.add("adapt", adapt(result.adapt()));
        return GSON.toJson(root);
    }

    /** Writes {@value #FILE_NAME} into {@code directory}. */
    public static Path write(EvalResult result, Path directory) throws IOException {
        return Files.writeString(
                directory.resolve(FILE_NAME), toJson(result), StandardCharsets.UTF_8);
    }

    private static JsonObject numbers(Map<String, Double> values) {
        JsonObject object = new JsonObject();
        values.forEach(object::addProperty);
        return object;
    }

    private static JsonObject perCategory(EvalResult result) {
        return categories(result.exact(), "exact_", result.ann(), "ann_");
    }

    /**
     * {"category": {"queries": n, "<firstName>recall@10": r, "<secondName>recall@10": r}} of two
     * searches of the same queries.
     */
    private static JsonObject categories(
            EvalResult.SearchMetrics first,
            String firstName,
            EvalResult.SearchMetrics second,
            String secondName) {
        String recallKey = "recall@" + RetrievalMetrics.CATEGORY_K;
        Map<String, RetrievalMetrics.CategoryRecall> other = second.retrieval().perCategory();
        JsonObject categories = new JsonObject();
        first.retrieval()
                .perCategory()
                .forEach(
                        (name, recall) -> {
                            JsonObject category = new JsonObject();
                            category.addProperty("queries", recall.queries());
                            category.addProperty(firstName + recallKey, recall.recall());
                            category.addProperty(secondName + recallKey, other.get(name).recall());
                            categories.add(name, category);
                        });
        return categories;
    }

    private static JsonObject adapt(AdaptComparison c) {
        JsonObject adapt = new JsonObject();
        adapt.addProperty("method", c.adapt().method());
        adapt.addProperty("dim", c.adapt().dim());
        adapt.addProperty("train_groups", c.adapt().trainGroups());
        adapt.addProperty("groups", c.adapt().groups());
        adapt.addProperty("note", c.adapt().note());
        JsonObject split = new JsonObject();
        split.addProperty("validation_share", c.adapt().split().validationShare());
        split.addProperty("test_share", c.adapt().split().testShare());
        split.addProperty("train_groups", c.adapt().split().trainGroups());
        split.addProperty("validation_groups", c.adapt().split().validationGroups());
        split.addProperty("test_groups", c.adapt().split().testGroups());
        adapt.add("split", split);
        JsonArray candidates = new JsonArray();
        for (var candidate : c.adapt().candidates()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("method", candidate.method());
            entry.addProperty("dim", candidate.dim());
            entry.addProperty("map@r", candidate.mapR());
            entry.addProperty("recall@1", candidate.recallAt1());
            entry.addProperty("recall@10", candidate.recallAt10());
            entry.addProperty("learn_seconds", candidate.learnSeconds());
            candidates.add(entry);
        }
        adapt.add("candidates", candidates);
        JsonObject test = new JsonObject();
        test.addProperty("items", c.items());
        test.addProperty("groups", c.groups());
        test.add("before", numbers(c.before().headline()));
        test.add("after", numbers(c.after().headline()));
        test.add("per_category", categories(c.before(), "before_", c.after(), "after_"));
        adapt.add("test", test);
        return adapt;
    }

    private static JsonObject histogram(ScoreHistogram scores) {
        JsonObject histogram = new JsonObject();
        histogram.addProperty("min", ScoreHistogram.MIN);
        histogram.addProperty("max", ScoreHistogram.MAX);
        histogram.addProperty("bins", ScoreHistogram.BINS);
        histogram.add("matches", GSON.toJsonTree(scores.matches()));
        histogram.add("non_matches", GSON.toJsonTree(scores.nonMatches()));
        return histogram;
    }

    private static JsonArray worstQueries(EvalResult result) {
        JsonArray queries = new JsonArray();
        for (EvalResult.WorstQuery worst : result.worstQueries()) {
            JsonObject query = new JsonObject();
            query.addProperty("item_id", worst.itemId());
            query.addProperty("ap@r", worst.averagePrecision());
            query.addProperty("true_matches", worst.trueMatches());
            JsonArray top = new JsonArray();
            for (EvalResult.Hit hit : worst.top()) {
                top.add(hit(hit));
            }
            query.add("top", top);
            queries.add(query);
        }
        return queries;
    }

    private static JsonObject hit(EvalResult.Hit hit) {
        JsonObject entry = new JsonObject();
        entry.addProperty("item_id", hit.itemId());
        entry.addProperty("score", hit.score());
        entry.addProperty("correct", hit.correct());
        return entry;
    }
}
