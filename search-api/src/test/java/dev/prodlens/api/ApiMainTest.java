package dev.prodlens.api;

import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.embed.ModelException;
import dev.prodlens.core.faiss.FaissException;
import dev.prodlens.core.faiss.FaissInternalException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A start failure: a user error is one line and exit code 2, an internal failure exit code 1 with its stack trace. */
class ApiMainTest {
    private record Outcome(int code, String stderr) {
    }

    private static Outcome reported(RuntimeException e) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Outcome(ApiMain.reportStartFailure(e), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(stderr);
        }
    }

    @Test
    void everyUserErrorIsOneLineAndExitCode2() {
        for (RuntimeException e : List.of(new ConfigException("bad key"), new BundleException("no bundle"), new ModelException("no model"),
                new FaissException("bad index"), new ApiMain.ServerStartException("port in use"))) {
            Outcome outcome = reported(e);
            assertEquals(2, outcome.code(), outcome.stderr());
            assertEquals("prodlens-api: " + e.getMessage() + System.lineSeparator(), outcome.stderr());
        }
    }

    @Test
    void anInternalFailureIsExitCode1WithItsCauseAndStackTrace() {
        for (RuntimeException e : List.of(new FaissInternalException("out of native memory"), new IllegalStateException("a bug"))) {
            Outcome outcome = reported(e);
            assertEquals(1, outcome.code(), outcome.stderr());
            assertTrue(outcome.stderr().startsWith("prodlens-api: cannot start: internal failure"), outcome.stderr());
            assertTrue(outcome.stderr().contains(e.toString()), outcome.stderr());
            assertTrue(outcome.stderr().contains("\tat dev.prodlens.api.ApiMainTest"), "the stack trace: " + outcome.stderr());
        }
    }
}
