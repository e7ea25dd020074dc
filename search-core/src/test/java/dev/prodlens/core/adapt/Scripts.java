package dev.prodlens.core.adapt;

import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The repository's scripts run as a user runs them, from its root, without the caller's {@code
 * PRODLENS_*} variables (the tests pass settings on the command line).
 */
final class Scripts {
    /**
     * Debian's Python, with python3-torch (scripts/install-deps.sh model; make test installs it).
     */
    static final String PYTHON = "/usr/bin/python3";

    /** A stuck script fails its test instead of hanging the build. */
    private static final long TIMEOUT_MINUTES = 10;

    /** What a script printed and returned. */
    record Run(int exit, String out, String err) {
        /** The run's output, for assertion messages. */
        String transcript() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Scripts() {}

    static Run run(String stdin, List<String> command) throws IOException, InterruptedException {
        // files, not pipes: a chatty script cannot block on a full pipe while we wait for it
        Path out = Files.createTempFile("script", ".out");
        Path err = Files.createTempFile("script", ".err");
        try {
            ProcessBuilder builder =
                    new ProcessBuilder(command)
                            .directory(Repo.root().toFile())
                            .redirectOutput(out.toFile())
                            .redirectError(err.toFile());
            builder.environment().keySet().removeIf(k -> k.startsWith("PRODLENS_"));
            Process process = builder.start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError(
                        String.join(" ", command)
                                + " still running after "
                                + TIMEOUT_MINUTES
                                + " min");
            }
            return new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /**
     * Fails (never skips) when Debian's torch is missing: the fine-tuning tests are part of make
     * test, which installs it.
     */
    static void requireTorch() throws IOException, InterruptedException {
        Run run = run("", List.of(PYTHON, "-c", "import torch, torchvision, onnx"));
        if (run.exit() != 0) {
            throw new AssertionError(
                    PYTHON
                            + " cannot import torch, torchvision and onnx; install Debian's"
                            + " python3-torch with scripts/install-deps.sh model (make test does):\n"
                            + run.err());
        }
    }
}
