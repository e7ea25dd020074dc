package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.TestModels;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar on a real standalone cluster (a master and two workers on 127.0.0.1, see {@link
 * StandaloneCluster}) runs {@code reindex} to the same result as the same jar in local mode through
 * bin/prodlens-jobs: the same embeddings, the same items in the same Faiss id order, the same index
 * and the same recall.
 */
class StandaloneClusterIT {
    private static final int PHOTOS = 6;
    private static final float TOLERANCE = 1e-4f;

    /**
     * How far a recall figure may move between two runs whose vectors differ by {@link #TOLERANCE}.
     */
    private static final double RECALL_NOISE = 0.02;

    /** The embed job's progress line for the test catalogue. */
    private static final String SUMMARY =
            "embed: " + (PHOTOS + 1) + " rows, " + PHOTOS + " ok, 1 failed {MISSING_FILE=1}";

    /**
     * Kept when a test fails: the cluster's logs and the executors' stderr (under worker-N) tell
     * what happened.
     */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path tmp;

    private static StandaloneCluster cluster;
    private static Path conf;
    private static Path catalogue;

    @BeforeAll
    static void start() throws Exception {
        catalogue = TestCatalogue.write(tmp.resolve("catalogue"), PHOTOS, true);
        conf =
                Files.copy(
                        Repo.root().resolve("conf/prodlens.properties"),
                        tmp.resolve("prodlens.properties"));
        cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.close();
    }

    /**
     * A job's command line: the stock configuration with this test's catalogue and outputs under
     * {@code run}.
     */
    private static List<String> job(String command, String run) {
        return List.of(
                command,
                "--conf",
                conf.toString(),
                "catalogue.path=" + catalogue,
                "jobs.work-dir=" + tmp.resolve(run),
                "bundles.dir=" + tmp.resolve(run).resolve("bundles"),
                "catalogue.name=it-photos");
    }

    private static Path embeddings(String run) {
        return tmp.resolve(run)
                .resolve("it-photos")
                .resolve(TestModels.DEFAULT)
                .resolve("embeddings.parquet");
    }

    private static Path liveBundle(String run) {
        Path catalogueDir = tmp.resolve(run).resolve("bundles/it-photos");
        return Bundles.current(catalogueDir)
                .orElseThrow(() -> new AssertionError("no CURRENT bundle under " + catalogueDir));
    }

    @Test
    void reindexOnTheClusterPublishesTheSameBundleAsLocalMode() throws Exception {
        JobProcess.Result onCluster = cluster.submit(job("reindex", "cluster"));
        assertEquals(
                0,
                onCluster.exitCode(),
                () -> "cluster run failed:\n" + onCluster.output() + cluster.executorLogs());
        assertTrue(
                onCluster.output().contains(SUMMARY),
                () -> "no '" + SUMMARY + "' in:\n" + onCluster.output());

        // the work ran in executors on both workers, not in the driver
        List<Path> executors = cluster.executorDirs();
        for (Path worker : cluster.workerDirs()) {
            assertTrue(
                    executors.stream().anyMatch(e -> e.startsWith(worker)),
                    () -> "no executor under " + worker + ": " + executors);
        }
        assertTrue(
                executors.stream()
                        .anyMatch(e -> read(e.resolve("stderr")).contains("Running task")),
                () -> "no executor ran a task:" + cluster.executorLogs());

        JobProcess.Result local =
                JobsRuntime.runLocal(
                        cluster.driverDir(), tmp.resolve("local.log"), job("reindex", "local"));
        assertEquals(0, local.exitCode(), () -> "local run failed:\n" + local.output());
        assertTrue(
                local.output().contains(SUMMARY),
                () -> "no '" + SUMMARY + "' in:\n" + local.output());

        SparkSession spark = TestSpark.local("standalone-vs-local");
        try {
            Map<String, Row> clusterRows = byId(spark, embeddings("cluster"));
            Map<String, Row> localRows = byId(spark, embeddings("local"));
            assertEquals(PHOTOS + 1, clusterRows.size());
            assertEquals(localRows.keySet(), clusterRows.keySet());
            int compared = 0;
            for (Map.Entry<String, Row> e : clusterRows.entrySet()) {
                Row c = e.getValue();
                Row l = localRows.get(e.getKey());
                assertEquals(string(l, "error_code"), string(c, "error_code"), e.getKey());
                assertEquals(
                        string(l, "model_fingerprint"), string(c, "model_fingerprint"), e.getKey());
                assertEquals(string(l, "image_sha256"), string(c, "image_sha256"), e.getKey());
                if (e.getKey().equals(TestCatalogue.MISSING_ITEM)) {
                    assertNull(vector(c), "no vector for the missing image");
                    assertNull(vector(l), "no vector for the missing image");
                    continue;
                }
                float[] cv = vector(c);
                float[] lv = vector(l);
                assertNotNull(cv, e.getKey());
                assertNotNull(lv, e.getKey());
                assertEquals(lv.length, cv.length, e.getKey());
                assertEquals(1.0, norm(cv), 1e-3, e.getKey() + " is a unit vector");
                for (int d = 0; d < cv.length; d++) {
                    int dim = d;
                    assertTrue(
                            Math.abs(cv[d] - lv[d]) <= TOLERANCE,
                            () ->
                                    e.getKey()
                                            + " dim "
                                            + dim
                                            + ": cluster "
                                            + cv[dim]
                                            + ", local "
                                            + lv[dim]);
                }
                compared++;
            }
            assertEquals(PHOTOS, compared);
            assertFalse(
                    vectorsEqual(clusterRows.get("item-00"), clusterRows.get("item-01")),
                    "distinct photos, distinct vectors");
        } finally {
            spark.stop();
        }
        assertSameBundle(liveBundle("local"), liveBundle("cluster"));
    }

    /**
     * Same items in the same order (line i of items.jsonl is Faiss id i), same index and model, and
     * the same recall within noise: the vectors may differ in the last bits between JVMs, which can
     * swap near-tied neighbours, nothing more.
     */
    private static void assertSameBundle(Path local, Path onCluster) throws IOException {
        List<String> localIds = Bundles.readItems(local).stream().map(BundleItem::id).toList();
        List<String> clusterIds =
                Bundles.readItems(onCluster).stream().map(BundleItem::id).toList();
        assertEquals(
                PHOTOS,
                clusterIds.size(),
                "every embedded photo is in the bundle, the missing one is not");
        assertEquals(localIds, clusterIds, "the same ids in the same Faiss id order");

        BundleManifest l = Bundles.readManifest(local);
        BundleManifest c = Bundles.readManifest(onCluster);
        assertEquals(l.model(), c.model());
        assertEquals(l.catalogue(), c.catalogue());
        assertEquals(l.index().factory(), c.index().factory());
        assertEquals(l.index().ntotal(), c.index().ntotal());
        assertEquals(l.index().searchParameters(), c.index().searchParameters());
        assertEquals(l.index().recall(), c.index().recall(), RECALL_NOISE, "tuned recall");

        JsonObject lm = metrics(local);
        JsonObject cm = metrics(onCluster);
        assertEquals(lm.get("queries").getAsInt(), cm.get("queries").getAsInt());
        assertTrue(lm.get("queries").getAsInt() > 0, "the report evaluated queries");
        for (String search : List.of("exact", "ann")) {
            Set<String> names = lm.getAsJsonObject(search).keySet();
            assertEquals(names, cm.getAsJsonObject(search).keySet(), search);
            assertTrue(names.contains("recall@1"), () -> search + " metrics " + names);
            for (String name : names) {
                assertEquals(
                        lm.getAsJsonObject(search).get(name).getAsDouble(),
                        cm.getAsJsonObject(search).get(name).getAsDouble(),
                        RECALL_NOISE,
                        search + " " + name);
            }
        }
    }

    private static JsonObject metrics(Path bundle) throws IOException {
        Path file = bundle.resolve("report/metrics.json");
        assertTrue(Files.isRegularFile(file), file + " was written");
        return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    }

    /**
     * The model shipped as an archive, as on YARN or Kubernetes: executors unpack it into their
     * working directory and take it from there by the relative {@code model.dir}, not from the
     * driver's absolute path.
     */
    @Test
    void modelShippedWithArchivesIsTakenFromTheExecutorsWorkingDirectory() throws Exception {
        String id = Config.load(conf).get(ConfigKeys.MODEL_ID);
        Path archive = tmp.resolve("models.tgz");
        JobProcess.Result tar =
                JobProcess.start(
                                "tar",
                                new ProcessBuilder(
                                        "tar",
                                        "-czf",
                                        archive.toString(),
                                        "-C",
                                        JobsRuntime.models().toString(),
                                        id),
                                tmp.resolve("tar.log"))
                        .waitFor(java.time.Duration.ofMinutes(2));
        assertEquals(0, tar.exitCode(), tar.output());

        JobProcess.Result run =
                cluster.submit(
                        List.of("--archives", archive + "#models"), job("embed", "archives"));
        assertEquals(
                0,
                run.exitCode(),
                () -> "cluster run failed:\n" + run.output() + cluster.executorLogs());
        assertTrue(run.output().contains(SUMMARY), run::output);
        List<Path> fromOwnCopy =
                cluster.executorDirs().stream()
                        .filter(
                                e ->
                                        read(e.resolve("stderr"))
                                                .contains(
                                                        "embedding model from "
                                                                + e.resolve("models").resolve(id)))
                        .toList();
        assertFalse(
                fromOwnCopy.isEmpty(),
                () -> "no executor took the model from its own models/:" + cluster.executorLogs());
    }

    private static Map<String, Row> byId(SparkSession spark, Path table) {
        assertTrue(Files.isDirectory(table), table + " was written");
        Map<String, Row> rows = new TreeMap<>();
        for (Row r : spark.read().parquet(table.toString()).collectAsList()) {
            assertNull(rows.put(r.getString(r.fieldIndex("item_id")), r), "one row per id");
        }
        return rows;
    }

    private static String string(Row r, String column) {
        return r.isNullAt(r.fieldIndex(column)) ? null : r.getString(r.fieldIndex(column));
    }

    private static float[] vector(Row r) {
        int i = r.fieldIndex("embedding");
        if (r.isNullAt(i)) return null;
        List<Float> list = r.getList(i);
        float[] v = new float[list.size()];
        for (int d = 0; d < v.length; d++) v[d] = list.get(d);
        return v;
    }

    private static boolean vectorsEqual(Row a, Row b) {
        return java.util.Arrays.equals(vector(a), vector(b));
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) sum += (double) x * x;
        return Math.sqrt(sum);
    }

    private static String read(Path file) {
        try {
            return Files.exists(file)
                    ? new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8)
                    : "";
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
