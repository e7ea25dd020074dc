package dev.prodlens.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.ProductJars;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check the product jars' integration tests run (PackagingIT, ApiJarIT) finds what it must. */
class ProductJarsTest {
    @TempDir Path tmp;

    @Test
    void aCleanJarPasses() throws IOException {
        Path jar =
                jar(Map.of("dev/prodlens/core/Thing.class", "bytes", "conf.txt", "/usr/local/x"));
        assertEquals(List.of(), ProductJars.problems(jar));
        ProductJars.assertClean(jar);
    }

    @Test
    void fixturesTheDemoAndUsrShareAreFound() throws IOException {
        Path jar =
                jar(
                        Map.of(
                                "dev/prodlens/core/eval/RetrievalEval.class", "x",
                                "dev/prodlens/demo/DemoCatalogue.class", "x",
                                "dev/prodlens/testkit/OfflineImages.class", "x",
                                "dev/prodlens/core/Other.class", "a path: /usr/share/openclipart"));
        List<String> problems = ProductJars.problems(jar);
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(
                problems.contains("dev/prodlens/core/Other.class (holds \"/usr/share\")"),
                problems.toString());
        assertThrows(AssertionError.class, () -> ProductJars.assertClean(jar));
    }

    private Path jar(Map<String, String> entries) throws IOException {
        Path jar = tmp.resolve("test-" + entries.hashCode() + ".jar");
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                out.putNextEntry(new JarEntry(e.getKey()));
                out.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }
}
