package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.eval.SampleCatalogue;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebooks (notebooks/*.ipynb) executed headless by scripts/notebooks.sh, as {@code make
 * notebooks} runs them, on a catalogue reindexed here: each runs to its end without an error and
 * draws its figures, and what they print agrees with the bundle (the report's recall; the label
 * groups behind the galleries' marks). The executed notebooks stay in
 * spark-jobs/target/notebooks-it/ (.ipynb and .html) to look at.
 */
class NotebooksIT {
    private static final int ITEMS = 200;
    private static final String CATALOGUE = "notebooks-it";

    /**
     * How far numpy's exact recall may be from Faiss's: near-duplicates at tied scores can swap
     * places.
     */
    private static final double RECALL_NOISE = 0.02;

    /** Figures (image/png outputs) each notebook draws; a new notebook must be added here. */
    private static final Map<String, Integer> FIGURES =
            Map.of("recall", 3, "embedding-map", 2, "neighbours", 1);

    /** The notebooks' inputs: none may leak in from the environment of the build. */
    private static final List<String> NOTEBOOK_INPUTS =
            List.of(
                    "PRODLENS_NOTEBOOK_CATALOGUE",
                    "PRODLENS_NOTEBOOK_WORK_DIR",
                    "PRODLENS_NOTEBOOK_BUNDLES_DIR",
                    "PRODLENS_NOTEBOOK_IMAGES_ROOT",
                    "PRODLENS_NOTEBOOK_RECALL_QUERIES",
                    "PRODLENS_NOTEBOOK_MAP_POINTS",
                    "PRODLENS_NOTEBOOK_QUERIES",
                    "PRODLENS_NOTEBOOK_K",
                    "PRODLENS_NOTEBOOK_OUT");

    /** The first run may make the Python environment (a few hundred MB from PyPI). */
    private static final Duration NOTEBOOKS_TIMEOUT = Duration.ofMinutes(15);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path tmp;

    private static Path out;
    private static Path bundle;
    private static JobProcess.Result run;

    @BeforeAll
    static void reindexAndRunTheNotebooks() throws IOException {
        Path csv = SampleCatalogue.write(tmp.resolve("catalogue"), ITEMS);
        JobSettings settings =
                TestSpark.jobSettings(
                        Map.of(
                                "catalogue.path",
                                csv.toString(),
                                "catalogue.name",
                                CATALOGUE,
                                "jobs.work-dir",
                                tmp.resolve("work").toString(),
                                "bundles.dir",
                                tmp.resolve("bundles").toString()));
        SparkSession spark = TestSpark.local("notebooks-it");
        try {
            bundle = ReindexJob.run(spark, settings).bundle();
        } finally {
            spark.stop();
        }
        out = Repo.root().resolve("spark-jobs/target/notebooks-it");
        FileTrees.delete(out); // an earlier run's notebooks must not pass for this one's
        run = notebooks(tmp.resolve("bundles"), out, "run.log");
        assertEquals(0, run.exitCode(), () -> "scripts/notebooks.sh run failed:\n" + run.output());
    }

    @Test
    void everyNotebookRanToItsEndAndDrewItsFigures() throws IOException {
        List<String> names =
                committedNotebooks().stream()
                        .map(p -> p.getFileName().toString().replace(".ipynb", ""))
                        .toList();
        assertEquals(
                new TreeSet<>(FIGURES.keySet()),
                new TreeSet<>(names),
                "the notebooks this test knows");
        for (String name : names) {
            JsonObject notebook = read(out.resolve(name + ".ipynb"));
            int figures = 0;
            for (JsonObject cell : codeCells(notebook)) {
                assertFalse(
                        cell.get("execution_count").isJsonNull(),
                        () -> name + ": a cell did not run: " + cell.get("source"));
                for (JsonElement o : cell.getAsJsonArray("outputs")) {
                    JsonObject output = o.getAsJsonObject();
                    assertFalse(
                            output.get("output_type").getAsString().equals("error"),
                            () -> name + ": " + output);
                    // a warning on stderr is a notebook that needs fixing too (deprecations,
                    // missing glyphs, ...)
                    assertFalse(
                            "stderr".equals(string(output, "name")),
                            () -> name + " wrote to stderr: " + output.get("text"));
                    if (output.has("data") && output.getAsJsonObject("data").has("image/png"))
                        figures++;
                }
            }
            assertEquals(FIGURES.get(name), figures, name + ": figures drawn");
            assertTrue(Files.size(out.resolve(name + ".html")) > 10_000, name + ".html written");
        }
    }

    @Test
    void recallNotebookShowsTheReportsRecallAndTheEmbeddingsAgree() throws IOException {
        JsonObject exact = read(bundle.resolve("report/metrics.json")).getAsJsonObject("exact");
        Pattern line =
                Pattern.compile("recall@(\\d+) exact: report ([0-9.]+), recomputed ([0-9.]+)");
        Map<String, Double> seen = new TreeMap<>();
        for (String printed : stdout("recall")) {
            Matcher m = line.matcher(printed);
            if (!m.matches()) continue;
            double report = exact.get("recall@" + m.group(1)).getAsDouble();
            assertEquals(String.format(Locale.ROOT, "%.4f", report), m.group(2), printed);
            assertEquals(report, Double.parseDouble(m.group(3)), RECALL_NOISE, printed);
            seen.put("recall@" + m.group(1), report);
        }
        List<String> reported =
                exact.keySet().stream().filter(k -> k.startsWith("recall@")).sorted().toList();
        assertEquals(
                reported, List.copyOf(seen.keySet()), "a line for every recall@k of the report");
        assertTrue(
                seen.values().stream().anyMatch(r -> r > 0),
                "the sample catalogue's near-duplicates are found: " + seen);
    }

    @Test
    void galleriesMarkExactlyTheResultsOfTheQuerysLabelGroup() throws IOException {
        Map<String, String> group = new HashMap<>();
        for (BundleItem item : Bundles.readItems(bundle)) group.put(item.id(), item.labelGroup());
        Pattern line = Pattern.compile("(\\S+) \\[.*\\]: (\\d+)/(\\d+) correct: (.*)");
        Pattern result = Pattern.compile("(\\S+) (-?[0-9.]+) ([✓✗])");
        int queries = 0;
        int marked = 0;
        for (String printed : stdout("neighbours")) {
            Matcher m = line.matcher(printed);
            if (!m.matches()) continue;
            queries++;
            String query = m.group(1);
            List<String> results = List.of(m.group(4).split(", "));
            assertEquals(Integer.parseInt(m.group(3)), results.size(), printed);
            int correct = 0;
            double previous = Double.POSITIVE_INFINITY;
            for (String r : results) {
                Matcher rm = result.matcher(r);
                assertTrue(rm.matches(), () -> "'" + r + "' in " + printed);
                String id = rm.group(1);
                boolean match =
                        !id.equals(query)
                                && group.get(query) != null
                                && group.get(query).equals(group.get(id));
                assertEquals(match ? "✓" : "✗", rm.group(3), () -> r + " for query " + query);
                double score = Double.parseDouble(rm.group(2));
                assertTrue(score <= previous, () -> "results best first: " + printed);
                previous = score;
                correct += match ? 1 : 0;
            }
            assertEquals(correct, Integer.parseInt(m.group(2)), printed);
            marked += correct;
        }
        assertEquals(
                6, queries, "the default choice: the report's two worst queries and four others");
        assertTrue(marked > 0, "some result is a true match");
    }

    @Test
    void mapNotebookMapsEveryItemAndDrawsReadableThumbnails() throws IOException {
        int items = Bundles.readItems(bundle).size();
        String printed = String.join("\n", stdout("embedding-map"));
        assertTrue(
                printed.contains(String.format(Locale.ROOT, "t-SNE map of %,d items", items)),
                printed);
        Matcher thumbnails =
                Pattern.compile("thumbnails: (\\d+) drawn, (\\d+) without a readable image")
                        .matcher(printed);
        assertTrue(thumbnails.find(), printed);
        assertTrue(Integer.parseInt(thumbnails.group(1)) >= 20, printed);
        assertEquals("0", thumbnails.group(2), printed);
    }

    /**
     * Outputs are not committed: diffs stay small, and a notebook's results are what CI makes of
     * it.
     */
    @Test
    void committedNotebooksHaveNoOutputs() throws IOException {
        for (Path notebook : committedNotebooks()) {
            for (JsonObject cell : codeCells(read(notebook))) {
                assertEquals(
                        0,
                        cell.getAsJsonArray("outputs").size(),
                        () -> notebook + ": clear the outputs before committing");
                assertTrue(
                        cell.get("execution_count").isJsonNull(),
                        () -> notebook + ": clear the outputs before committing");
            }
        }
    }

    @Test
    void missingDataIsOneLineThatSaysWhatToRun() {
        Path nowhere = tmp.resolve("no-bundles");
        JobProcess.Result missing = notebooks(nowhere, tmp.resolve("missing-out"), "missing.log");
        assertEquals(1, missing.exitCode(), missing.output());
        assertEquals(1, missing.output().strip().lines().count(), missing.output());
        assertTrue(
                missing.output()
                                .contains(
                                        nowhere.resolve(CATALOGUE).resolve("CURRENT")
                                                + " is missing")
                        && missing.output().contains("run make demo first"),
                missing.output());
        assertFalse(Files.exists(tmp.resolve("missing-out")), "no notebook ran");
    }

    /**
     * {@code scripts/notebooks.sh run} on this test's catalogue under {@code bundles}, writing to
     * {@code outDir}.
     */
    private static JobProcess.Result notebooks(Path bundles, Path outDir, String log) {
        ProcessBuilder command =
                new ProcessBuilder(
                        "bash", Repo.root().resolve("scripts/notebooks.sh").toString(), "run");
        NOTEBOOK_INPUTS.forEach(command.environment()::remove);
        command.environment()
                .putAll(
                        Map.of(
                                "PRODLENS_NOTEBOOK_CATALOGUE",
                                CATALOGUE,
                                "PRODLENS_NOTEBOOK_WORK_DIR",
                                tmp.resolve("work").toString(),
                                "PRODLENS_NOTEBOOK_BUNDLES_DIR",
                                bundles.toString(),
                                "PRODLENS_NOTEBOOK_OUT",
                                outDir.toString()));
        return JobProcess.start("scripts/notebooks.sh run", command, tmp.resolve(log))
                .waitFor(NOTEBOOKS_TIMEOUT);
    }

    private static List<Path> committedNotebooks() throws IOException {
        try (Stream<Path> files = Files.list(Repo.root().resolve("notebooks"))) {
            return files.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
    }

    /** What the executed notebook {@code name} printed, line by line. */
    private static List<String> stdout(String name) throws IOException {
        List<String> lines = new ArrayList<>();
        for (JsonObject cell : codeCells(read(out.resolve(name + ".ipynb")))) {
            for (JsonElement o : cell.getAsJsonArray("outputs")) {
                JsonObject output = o.getAsJsonObject();
                if ("stdout".equals(string(output, "name")))
                    lines.addAll(text(output.get("text")).lines().toList());
            }
        }
        return lines;
    }

    private static List<JsonObject> codeCells(JsonObject notebook) {
        List<JsonObject> cells = new ArrayList<>();
        for (JsonElement c : notebook.getAsJsonArray("cells")) {
            if (c.getAsJsonObject().get("cell_type").getAsString().equals("code"))
                cells.add(c.getAsJsonObject());
        }
        return cells;
    }

    /** A notebook's multi-line text: one string, or the list of its lines. */
    private static String text(JsonElement text) {
        if (!text.isJsonArray()) return text.getAsString();
        StringBuilder joined = new StringBuilder();
        for (JsonElement part : (JsonArray) text) joined.append(part.getAsString());
        return joined.toString();
    }

    private static String string(JsonObject object, String key) {
        return object.has(key) ? object.get(key).getAsString() : null;
    }

    private static JsonObject read(Path json) throws IOException {
        assertTrue(Files.isRegularFile(json), json + " was written");
        return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    }
}
