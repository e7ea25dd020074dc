package dev.prodlens.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * What a product jar (search-core's, prodlens-jobs.jar, prodlens-api.jar) must not hold: test
 * fixtures (test-kit, search-core's test-jar {@code dev.prodlens.core.eval}), the demo catalogue
 * generator ({@code dev.prodlens.demo}, and its old home {@code dev.prodlens.jobs.sample}), and any
 * path under {@code /usr/share}, where the fixtures find Debian's images: a product reads only what
 * its configuration names.
 */
public final class ProductJars {
    /** Class and resource folders that belong to tests or the demo, never to a product jar. */
    public static final List<String> FORBIDDEN_PREFIXES =
            List.of(
                    "dev/prodlens/testkit/",
                    "dev/prodlens/core/eval/",
                    "dev/prodlens/demo/",
                    "dev/prodlens/jobs/sample/");

    /** The bytes no entry may hold, in any file of the jar. */
    public static final String FORBIDDEN_TEXT = "/usr/share";

    private ProductJars() {}

    /**
     * The jar's entries under {@link #FORBIDDEN_PREFIXES} or holding {@link #FORBIDDEN_TEXT}, each
     * with the reason; empty for a clean jar.
     */
    public static List<String> problems(Path jar) {
        List<String> problems = new ArrayList<>();
        byte[] text = FORBIDDEN_TEXT.getBytes(StandardCharsets.US_ASCII);
        try (JarFile file = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                // files only: an empty folder left in target/classes by a class that moved is no
                // fixture
                if (entry.isDirectory()) continue;
                String name = entry.getName();
                FORBIDDEN_PREFIXES.stream()
                        .filter(name::startsWith)
                        .findFirst()
                        .ifPresent(p -> problems.add(name + " (under " + p + ")"));
                try (InputStream in = file.getInputStream(entry)) {
                    if (contains(in.readAllBytes(), text)) {
                        problems.add(name + " (holds \"" + FORBIDDEN_TEXT + "\")");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + jar + ": " + e.getMessage(), e);
        }
        return problems;
    }

    /** Fails, naming every problem, unless {@link #problems} finds none. */
    public static void assertClean(Path jar) {
        List<String> problems = problems(jar);
        if (!problems.isEmpty()) {
            throw new AssertionError(
                    jar
                            + " holds test fixtures, the demo generator or "
                            + FORBIDDEN_TEXT
                            + ": "
                            + String.join(", ", problems.subList(0, Math.min(20, problems.size())))
                            + (problems.size() > 20
                                    ? " and " + (problems.size() - 20) + " more"
                                    : ""));
        }
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return true;
        }
        return false;
    }
}
