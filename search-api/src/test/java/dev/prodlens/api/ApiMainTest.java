package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.UserError;
import dev.prodlens.core.config.CommandLine;
import dev.prodlens.testkit.Stderr;
import org.junit.jupiter.api.Test;

/**
 * What keeps the service from starting is reported by {@link CommandLine#report}: the user's
 * problems as user errors.
 */
class ApiMainTest {
    @Test
    void aStartFailureTheUserCanFixIsOneLineAndExitCode2() {
        RuntimeException e =
                assertThrows(RuntimeException.class, () -> ApiMain.start(new String[] {"bogus"}));
        Stderr.Captured reported = Stderr.capture(() -> CommandLine.report("prodlens-api", e));
        assertEquals(2, reported.code());
        String line = reported.text();
        assertTrue(
                line.startsWith("prodlens-api: unexpected argument 'bogus'; usage: prodlens-api"),
                line);
        assertEquals(1, line.lines().count(), line);
    }

    @Test
    void aPortInUseIsAUserError() {
        assertInstanceOf(
                UserError.class,
                new ApiMain.ServerStartException("cannot listen on 127.0.0.1:8080"));
    }
}
