package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The layers below the API speak no HTTP: no class of {@code live}, {@code search}, {@code batch}
 * or {@code bundle} imports (or names) anything of {@code http}, or builds a route (a {@code
 * "/v1/…"} literal: the URLs answers link to are made in {@code http}, ItemLinks). Read from the
 * sources, so a new file is checked too.
 */
class LayeringTest {
    private static final List<String> BELOW_HTTP = List.of("live", "search", "batch", "bundle");
    private static final Pattern HTTP = Pattern.compile("\\bdev\\.prodlens\\.api\\.http\\b|\"/v1/");

    @Test
    void searchBatchAndBundleKnowNoHttp() throws IOException {
        Path api = Repo.root().resolve("search-api/src/main/java/dev/prodlens/api");
        List<String> offenders = new ArrayList<>();
        int files = 0;
        for (String pkg : BELOW_HTTP) {
            try (Stream<Path> sources = Files.walk(api.resolve(pkg))) {
                for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                    files++;
                    List<String> lines = Files.readAllLines(source);
                    for (int i = 0; i < lines.size(); i++) {
                        if (HTTP.matcher(lines.get(i)).find())
                            offenders.add(
                                    api.relativize(source)
                                            + ":"
                                            + (i + 1)
                                            + ": "
                                            + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(files >= 8, "the sources of " + BELOW_HTTP + " were read: " + files);
        assertEquals(
                List.of(), offenders, "live, search, batch and bundle must not depend on http");
    }
}
