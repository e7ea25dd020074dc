package dev.prodlens.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository's root directory, for tests that read its files ({@code conf/}, {@code bin/},
 * {@code notebooks/}, the modules' {@code target/}): the {@code prodlens.repo} system property the
 * POMs set for surefire and failsafe, else the nearest directory at or above the working directory
 * holding {@code conf/prodlens.properties} (a test started from an IDE, in a module's directory).
 */
public final class Repo {
    private Repo() {}

    public static Path root() {
        String property = System.getProperty("prodlens.repo");
        if (property != null) return Path.of(property).toAbsolutePath().normalize();
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("conf/prodlens.properties"))) return dir;
        }
        throw new IllegalStateException(
                "no repository root (a directory with conf/prodlens.properties) at or above "
                        + start
                        + "; set -Dprodlens.repo");
    }
}
