package dev.prodlens.core.nativelib;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads one of our JNI libraries packaged in the jar under {@code /native/linux-x86_64/} (built by
 * search-core/src/main/native/Makefile). Each load extracts to its own temporary file, deleted once
 * mapped, so two class loaders in one JVM (Spark executors, app servers) can each load it.
 */
public final class JarLibrary {
    private static final String DIRECTORY = "/native/linux-x86_64/";

    private JarLibrary() {}

    /**
     * Extracts and loads {@code fileName}; {@code what} names it in errors ("the Faiss binding"),
     * {@code runtimeHint} says what to install when its shared dependencies are missing (or null).
     *
     * @throws UnsatisfiedLinkError with a message saying why, whatever went wrong
     */
    public static void load(String fileName, String what, String runtimeHint) {
        String os = System.getProperty("os.name", "").toLowerCase();
        String arch = System.getProperty("os.arch", "");
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsatisfiedLinkError(
                    what + " ships for linux-x86_64 only, not " + os + "-" + arch);
        }
        Path file = extract(DIRECTORY + fileName, what);
        try {
            System.load(file.toString());
        } catch (UnsatisfiedLinkError e) {
            throw new UnsatisfiedLinkError(
                    "cannot load "
                            + what
                            + " ("
                            + e.getMessage()
                            + ")"
                            + (runtimeHint == null ? "" : ": " + runtimeHint));
        } finally {
            try {
                Files.deleteIfExists(file); // already mapped: the file name is no longer needed
            } catch (IOException ignored) {
                file.toFile().deleteOnExit();
            }
        }
    }

    private static Path extract(String resource, String what) {
        try (InputStream in = JarLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError(
                        resource
                                + " is missing from the classpath: "
                                + "build search-core with Maven (it compiles the native code)");
            }
            Path file = Files.createTempFile("prodlens_", ".so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UnsatisfiedLinkError(
                    "cannot extract "
                            + what
                            + " to a temporary file: "
                            + e.getMessage()
                            + " (check java.io.tmpdir)");
        }
    }
}
