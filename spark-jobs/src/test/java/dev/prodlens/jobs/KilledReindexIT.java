package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.eval.SampleCatalogue;
import dev.prodlens.core.faiss.FaissIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reindex killed (SIGKILL) in the middle of building its bundle leaves the live bundle as it was:
 * CURRENT still names the previous version, which still loads; the next run publishes normally.
 */
class KilledReindexIT {
    private static final String KILL_AT = "build-index add";

    @Test
    void killedMidWayThePreviousCurrentStaysValid(@TempDir Path tmp) throws Exception {
        Path csv = SampleCatalogue.write(tmp.resolve("catalogue"), 40);
        Map<String, String> overrides =
                Map.of(
                        "catalogue.path",
                        csv.toString(),
                        "catalogue.name",
                        "killed",
                        "jobs.work-dir",
                        tmp.resolve("work").toString(),
                        "bundles.dir",
                        tmp.resolve("bundles").toString());
        JobSettings settings = TestSpark.jobSettings(overrides);
        Path catalogueDir = Path.of(settings.catalogueBundles());
        SparkSession spark = TestSpark.local("killed-reindex");
        try {
            Path live = ReindexJob.run(spark, settings).bundle();
            BundleManifest before = Bundles.readManifest(live);

            // the packaged jar through the launcher, as a user runs it; a build with training,
            // shards and tuning
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "reindex",
                                    "--conf",
                                    settings.config().origin(),
                                    "model.dir=" + settings.embedderSettings().get("model.dir"),
                                    "index.factory=IVF4,Flat"));
            overrides.forEach((k, v) -> args.add(k + "=" + v));
            JobProcess child = JobsRuntime.launch(tmp, tmp.resolve("killed.log"), List.of(), args);
            boolean killed;
            try {
                killed = child.awaitOutput(KILL_AT, JobsRuntime.JOB_TIMEOUT);
            } finally {
                child.kill();
            }
            assertTrue(killed, "the child reindex reached '" + KILL_AT + "' and was killed there");
            try (var names = java.nio.file.Files.list(catalogueDir)) {
                assertTrue(
                        names.anyMatch(
                                p ->
                                        p.getFileName()
                                                .toString()
                                                .startsWith(BundleFiles.STAGING_PREFIX)),
                        "the kill left a half-built bundle behind (so it really came mid-way)");
            }

            assertEquals(
                    live,
                    Bundles.current(catalogueDir).orElseThrow(),
                    "CURRENT still names the previous bundle");
            assertEquals(before, Bundles.readManifest(live));
            try (FaissIndex index = FaissIndex.read(live.resolve(BundleFiles.INDEX))) {
                assertEquals(before.index().ntotal(), index.size());
            }
            assertEquals(before.index().ntotal(), Bundles.readItems(live).size());

            ReindexJob.Result next = ReindexJob.run(spark, settings);
            assertEquals(
                    next.bundle(),
                    Bundles.current(catalogueDir).orElseThrow(),
                    "a later run publishes despite the leftovers");
        } finally {
            spark.stop();
        }
    }
}
