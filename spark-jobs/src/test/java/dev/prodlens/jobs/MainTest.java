package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.faiss.FaissInternalException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
                    "catalogue.name=..", "catalogue.name = '..' must be letters, digits",
                    "catalogue.name=../../etc",
                            "catalogue.name = '../../etc' must be letters, digits",
                    "catalogue.name=a/b", "catalogue.name = 'a/b' must be letters, digits",
                    "catalogue.name=", "catalogue.name is empty");

    private record Outcome(int code, String stderr) {}

    private Outcome run(String command, String setting) throws IOException {
        Path csv = Files.writeString(tmp.resolve("catalogue.csv"), "posting_id,image\np1,a.jpg\n");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                command,
                                "--conf",
                                TestSpark.repo().resolve("conf/prodlens.properties").toString(),
                                "model.dir=" + TestSpark.repo().resolve("models"),
                                "catalogue.path=" + csv,
                                "catalogue.name=shop",
                                "jobs.work-dir=" + tmp.resolve("work"),
                                "bundles.dir=" + tmp.resolve("bundles")));
        args.add(setting);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(
                    Main.execute(args.toArray(String[]::new)),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(stderr);
        }
    }

    @Test
    void aBadSettingEndsReindexAtOnceWithOneLineAndExitCode2() throws IOException {
        for (Map.Entry<String, String> bad : BAD.entrySet()) {
            Outcome outcome = run("reindex", bad.getKey());
            assertEquals(2, outcome.code(), bad.getKey() + ": " + outcome.stderr());
            assertTrue(
                    outcome.stderr().startsWith("prodlens: " + bad.getValue()),
                    bad.getKey() + ": " + outcome.stderr());
            assertEquals(1, outcome.stderr().lines().count(), "one line: " + outcome.stderr());
            assertFalse(Files.exists(tmp.resolve("work")), bad.getKey() + ": nothing embedded");
            assertFalse(Files.exists(tmp.resolve("bundles")), bad.getKey() + ": nothing written");
        }
    }

    @Test
    void buildIndexChecksTheIndexSettingsBeforeStartingToo() throws IOException {
        Outcome outcome = run("build-index", "index.factory=HNSW32,Bogus");
        assertEquals(2, outcome.code(), outcome.stderr());
        assertTrue(
                outcome.stderr()
                        .startsWith(
                                "prodlens: index.factory = 'HNSW32,Bogus' is not an index Faiss can build"),
                outcome.stderr());
        assertEquals(1, outcome.stderr().lines().count(), outcome.stderr());
        assertFalse(Files.exists(tmp.resolve("bundles")));
    }

    private static Outcome reported(Supplier<RuntimeException> failure) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(
                    Main.reported(
                            () -> {
                                throw failure.get();
                            }),
                    err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(stderr);
        }
    }

    @Test
    void everyUserErrorIsOneLineAndExitCode2() {
        for (RuntimeException e :
                // the jobs' own user error and one of search-core's (CommandLineTest has them all)
                List.of(new JobException("bad catalogue"), new ConfigException("bad key"))) {
            Outcome outcome = reported(() -> e);
            assertEquals(2, outcome.code(), outcome.stderr());
            assertEquals("prodlens: " + e.getMessage() + System.lineSeparator(), outcome.stderr());
        }
    }

    @Test
    void anInternalFailureIsExitCode1WithItsCauseAndStackTrace() {
        for (RuntimeException e :
                List.of(
                        new FaissInternalException("out of native memory"),
                        new IllegalStateException("a bug"))) {
            Outcome outcome = reported(() -> e);
            assertEquals(1, outcome.code(), outcome.stderr());
            assertTrue(
                    outcome.stderr()
                            .startsWith(
                                    "prodlens: internal failure (not a problem with your input or settings): "
                                            + e),
                    outcome.stderr());
            assertTrue(
                    outcome.stderr().contains("\tat dev.prodlens.jobs.MainTest"),
                    "the stack trace: " + outcome.stderr());
        }
    }
}
