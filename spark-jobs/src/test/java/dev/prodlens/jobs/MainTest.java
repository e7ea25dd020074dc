package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.faiss.FaissInternalException;
import dev.prodlens.testkit.Repo;
import dev.prodlens.testkit.Stderr;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Settings the later stages read are checked before any work: a bad one ends reindex and
 * build-index with exit code 2 and one line naming the key, before Spark starts, so nothing is
 * embedded or written.
 */
class MainTest {
    @TempDir Path tmp;

    /** A bad setting and what its one line says. */
    private static final Map<String, String> BAD =
            Map.of(
                    "index.factory=Bogus",
                            "index.factory = 'Bogus' is not one this job can build and tune",
                    "index.factory=IVF8,PQ7",
                            "index.factory = 'IVF8,PQ7' is not an index Faiss can build for the model's 1280-d vectors",
                    "index.target-recall=2", "index.target-recall = '2' is not a number in (0, 1]",
                    "index.target-recall=0", "index.target-recall = '0' is not a number in (0, 1]",
                    "index.tune-k=lots", "index.tune-k = 'lots' is not an integer",
                    "evaluate.recall-ks=ten",
                            "evaluate.recall-ks = 'ten' is not a comma-separated list",
                    "catalogue.name=..", "catalogue.name = '..' is not letters, digits",
                    "catalogue.name=../../etc",
                            "catalogue.name = '../../etc' is not letters, digits",
                    "catalogue.name=", "catalogue.name = '' is not letters, digits",
                    "index.tune-kk=5",
                            "unknown configuration key 'index.tune-kk' in the argument"
                                    + " index.tune-kk=5; did you mean index.tune-k?");

    private Stderr.Captured run(String command, String setting) throws IOException {
        Path csv = Files.writeString(tmp.resolve("catalogue.csv"), "posting_id,image\np1,a.jpg\n");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                command,
                                "--conf",
                                Repo.root().resolve("conf/prodlens.properties").toString(),
                                "model.dir=" + Repo.root().resolve("models"),
                                "catalogue.path=" + csv,
                                "catalogue.name=shop",
                                "jobs.work-dir=" + tmp.resolve("work"),
                                "bundles.dir=" + tmp.resolve("bundles")));
        args.add(setting);
        return Stderr.capture(() -> Main.execute(args.toArray(String[]::new)));
    }

    @Test
    void aBadSettingEndsReindexAtOnceWithOneLineAndExitCode2() throws IOException {
        for (Map.Entry<String, String> bad : BAD.entrySet()) {
            Stderr.Captured outcome = run("reindex", bad.getKey());
            assertEquals(2, outcome.code(), bad.getKey() + ": " + outcome.text());
            assertTrue(
                    outcome.text().startsWith("prodlens: " + bad.getValue()),
                    bad.getKey() + ": " + outcome.text());
            assertEquals(1, outcome.text().lines().count(), "one line: " + outcome.text());
            assertFalse(Files.exists(tmp.resolve("work")), bad.getKey() + ": nothing embedded");
            assertFalse(Files.exists(tmp.resolve("bundles")), bad.getKey() + ": nothing written");
        }
    }

    @Test
    void buildIndexChecksTheIndexSettingsBeforeStartingToo() throws IOException {
        Stderr.Captured outcome = run("build-index", "index.factory=HNSW32,Bogus");
        assertEquals(2, outcome.code(), outcome.text());
        assertTrue(
                outcome.text()
                        .startsWith(
                                "prodlens: index.factory = 'HNSW32,Bogus' is not an index Faiss can build"),
                outcome.text());
        assertEquals(1, outcome.text().lines().count(), outcome.text());
        assertFalse(Files.exists(tmp.resolve("bundles")));
    }

    @Test
    void theAdaptSettingsAreCheckedBeforeStartingToo() throws IOException {
        Map<String, String> bad =
                Map.of(
                        "adapt.method=magic", "adapt.method = 'magic' is not one of off, auto",
                        "adapt.test-share=0.6", "adapt.test-share = '0.6' is not a number in",
                        "adapt.dims=0", "adapt.dims = '0' is not a comma-separated list");
        for (String command : List.of("adapt", "reindex")) {
            for (Map.Entry<String, String> b : bad.entrySet()) {
                Stderr.Captured outcome = run(command, b.getKey());
                assertEquals(2, outcome.code(), b.getKey() + ": " + outcome.text());
                assertTrue(
                        outcome.text().startsWith("prodlens: " + b.getValue()),
                        command + " " + b.getKey() + ": " + outcome.text());
                assertEquals(1, outcome.text().lines().count(), outcome.text());
                assertFalse(Files.exists(tmp.resolve("work")), b.getKey() + ": nothing done");
            }
        }
    }

    private static Stderr.Captured reported(Supplier<RuntimeException> failure) {
        return Stderr.capture(
                () ->
                        Main.reported(
                                () -> {
                                    throw failure.get();
                                }));
    }

    @Test
    void everyUserErrorIsOneLineAndExitCode2() {
        for (RuntimeException e :
                // the jobs' own user error and one of search-core's (CommandLineTest has them all)
                List.of(new JobException("bad catalogue"), new ConfigException("bad key"))) {
            Stderr.Captured outcome = reported(() -> e);
            assertEquals(2, outcome.code(), outcome.text());
            assertEquals("prodlens: " + e.getMessage() + System.lineSeparator(), outcome.text());
        }
    }

    /** Main reports through CommandLine.report (CommandLineTest has every case). */
    @Test
    void anInternalFailureOfAJobIsExitCode1WithItsStackTrace() {
        Stderr.Captured outcome =
                reported(
                        () -> {
                            throw new FaissInternalException("out of native memory");
                        });
        assertEquals(1, outcome.code(), outcome.text());
        assertTrue(outcome.text().startsWith("prodlens: internal failure"), outcome.text());
        assertTrue(outcome.text().contains("\tat dev.prodlens.jobs.MainTest"), outcome.text());
    }
}
