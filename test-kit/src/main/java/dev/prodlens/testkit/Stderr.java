package dev.prodlens.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/** What a command-line entry point printed on standard error, with the exit code it returned. */
public final class Stderr {
    private Stderr() {}

    /** An exit code and the text printed on standard error meanwhile. */
    public record Captured(int code, String text) {}

    /**
     * Runs {@code command} with standard error captured (restored afterwards, whatever happens).
     */
    public static Captured capture(IntSupplier command) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = command.getAsInt();
            return new Captured(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(stderr);
        }
    }
}
