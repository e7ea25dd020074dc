package dev.prodlens.jobs;

import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.jobs.sample.SampleCatalogue;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reindex killed (SIGKILL) in the middle of building its bundle leaves the live bundle as it was:
 * CURRENT still names the previous version, which still loads; the next run publishes normally.
 */
class KilledReindexTest {
    private static final String KILL_AT = "build-index add";

    @Test
    void killedMidWayThePreviousCurrentStaysValid(@TempDir Path tmp) throws Exception {
        Path csv = SampleCatalogue.write(tmp.resolve("catalogue"), 40);
        Map<String, String> overrides = Map.of("catalogue.path", csv.toString(), "catalogue.name", "killed",
                "jobs.work-dir", tmp.resolve("work").toString(), "bundles.dir", tmp.resolve("bundles").toString());
        JobSettings settings = TestSpark.jobSettings(overrides);
        Path catalogueDir = Path.of(settings.catalogueBundles());
        SparkSession spark = TestSpark.local("killed-reindex");
        try {
            Path live = ReindexJob.run(spark, settings).bundle();
            BundleManifest before = Bundles.readManifest(live);

            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("--add-opens")).forEach(command::add);
            command.addAll(List.of("-Xmx1g", "-cp", System.getProperty("java.class.path"), "-Dspark.ui.enabled=false",
                    "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1", Main.class.getName(), "reindex",
                    "--conf", settings.config().origin()));
            settings.config().asMap().forEach((k, v) -> {
                if (overrides.containsKey(k) || k.equals("model.dir")) command.add(k + "=" + (k.equals("model.dir")
                        ? settings.embedderSettings().get("model.dir") : v));
            });
            command.add("index.factory=IVF4,Flat"); // a build with training, shards and tuning to be killed in
            Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
            boolean killed = false;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    if (line.startsWith(KILL_AT)) {
                        child.destroyForcibly();
                        killed = true;
                        break;
                    }
                }
            } finally {
                child.destroyForcibly();
                assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM exits");
            }
            assertTrue(killed, "the child reindex reached '" + KILL_AT + "' and was killed there");

            assertEquals(live, Bundles.current(catalogueDir).orElseThrow(), "CURRENT still names the previous bundle");
            assertEquals(before, Bundles.readManifest(live));
            try (FaissIndex index = FaissIndex.read(live.resolve(BundleFiles.INDEX))) {
                assertEquals(before.index().ntotal(), index.size());
            }
            assertEquals(before.index().ntotal(), Bundles.readItems(live).size());

            ReindexJob.Result next = ReindexJob.run(spark, settings);
            assertEquals(next.bundle(), Bundles.current(catalogueDir).orElseThrow(), "a later run publishes despite the leftovers");
        } finally {
            spark.stop();
        }
    }
}
