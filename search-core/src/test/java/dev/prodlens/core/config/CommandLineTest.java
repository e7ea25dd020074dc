package dev.prodlens.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.embed.ModelException;
import dev.prodlens.core.faiss.FaissException;
import dev.prodlens.core.faiss.FaissInternalException;
import dev.prodlens.testkit.Stderr;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A user error is one line and exit code 2; an internal failure exit code 1, a line saying so and
 * its stack trace.
 */
class CommandLineTest {
    private static Stderr.Captured reported(RuntimeException e) {
        return Stderr.capture(() -> CommandLine.report("prodlens-x", e));
    }

    @Test
    void everyUserErrorIsOneLineAndExitCode2() {
        for (RuntimeException e :
                List.of(
                        new ConfigException("bad key"),
                        new BundleException("no bundle"),
                        new ModelException("no model"),
                        new FaissException("bad factory"))) {
            Stderr.Captured outcome = reported(e);
            assertEquals(CommandLine.USER_ERROR, outcome.code(), outcome.text());
            assertEquals("prodlens-x: " + e.getMessage() + System.lineSeparator(), outcome.text());
        }
    }

    @Test
    void anInternalFailureIsExitCode1WithItsCauseAndStackTrace() {
        for (RuntimeException e :
                List.of(
                        new FaissInternalException("out of native memory"),
                        new IllegalStateException("a bug"))) {
            Stderr.Captured outcome = reported(e);
            assertEquals(CommandLine.INTERNAL_ERROR, outcome.code(), outcome.text());
            assertTrue(
                    outcome.text()
                            .startsWith(
                                    "prodlens-x: internal failure (not a problem with your input or settings): "
                                            + e),
                    outcome.text());
            assertTrue(
                    outcome.text().contains("\tat dev.prodlens.core.config.CommandLineTest"),
                    "the stack trace: " + outcome.text());
        }
    }
}
