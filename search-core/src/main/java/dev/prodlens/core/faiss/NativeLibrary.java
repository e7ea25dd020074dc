package dev.prodlens.core.faiss;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads libprodlens_faiss.so from the jar. Each load extracts to its own temporary file, so two
 * class loaders in one JVM (Spark executors, app servers) can each load the library.
 */
final class NativeLibrary {
    static final String RESOURCE = "/native/linux-x86_64/libprodlens_faiss.so";
    private static volatile boolean loaded;

    private NativeLibrary() {}

    static void load() {
        if (loaded) {
            return;
        }
        synchronized (NativeLibrary.class) {
            if (loaded) {
                return;
            }
            String os = System.getProperty("os.name", "").toLowerCase();
            String arch = System.getProperty("os.arch", "");
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
                throw new UnsatisfiedLinkError("the Faiss binding ships for linux-x86_64 only, not "
                        + os + "-" + arch);
            }
            Path file = extract();
            try {
                System.load(file.toString());
            } catch (UnsatisfiedLinkError e) {
                throw new UnsatisfiedLinkError("cannot load the Faiss binding (" + e.getMessage()
                        + "): install its runtime libraries, e.g. apt-get install libopenblas0 libgomp1");
            } finally {
                try {
                    Files.deleteIfExists(file); // already mapped: the file name is no longer needed
                } catch (IOException ignored) {
                    file.toFile().deleteOnExit();
                }
            }
            loaded = true;
        }
    }

    private static Path extract() {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new UnsatisfiedLinkError(RESOURCE + " is missing from the classpath: "
                        + "build search-core with Maven (it compiles the native code)");
            }
            Path file = Files.createTempFile("prodlens_faiss", ".so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("cannot extract the Faiss binding to a temporary file: "
                    + e.getMessage() + " (check java.io.tmpdir)");
        }
    }
}
