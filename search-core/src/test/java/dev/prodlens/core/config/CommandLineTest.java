package dev.prodlens.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.embed.ModelException;
import dev.prodlens.core.faiss.FaissException;
import dev.prodlens.core.faiss.FaissInternalException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A user error is one line and exit code 2; an internal failure exit code 1, a line saying so and
 * its stack trace.
 */
class CommandLineTest {
    private record Outcome(int code, String stderr) {}

    private static Outcome reported(RuntimeException e) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(
                    CommandLine.report("prodlens-x", e), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(stderr);
        }
    }

    @Test
    void everyUserErrorIsOneLineAndExitCode2() {
        for (RuntimeException e :
                List.of(
                        new ConfigException("bad key"),
                        new BundleException("no bundle"),
                        new ModelException("no model"),
                        new FaissException("bad factory"))) {
            Outcome outcome = reported(e);
            assertEquals(CommandLine.USER_ERROR, outcome.code(), outcome.stderr());
            assertEquals(
                    "prodlens-x: " + e.getMessage() + System.lineSeparator(), outcome.stderr());
        }
    }

    @Test
    void anInternalFailureIsExitCode1WithItsCauseAndStackTrace() {
        for (RuntimeException e :
                List.of(
                        new FaissInternalException("out of native memory"),
                        new IllegalStateException("a bug"))) {
            Outcome outcome = reported(e);
            assertEquals(CommandLine.INTERNAL_ERROR, outcome.code(), outcome.stderr());
            assertTrue(
                    outcome.stderr()
                            .startsWith(
                                    "prodlens-x: internal failure (not a problem with your input or settings): "
                                            + e),
                    outcome.stderr());
            assertTrue(
                    outcome.stderr().contains("\tat dev.prodlens.core.config.CommandLineTest"),
                    "the stack trace: " + outcome.stderr());
        }
    }
}
