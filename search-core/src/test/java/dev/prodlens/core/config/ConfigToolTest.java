package dev.prodlens.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * scripts/config.sh, how the shell scripts read the configuration: the same resolution as the Java
 * side (it is the Java side, compiled from search-core's config package), so a PRODLENS_ variable
 * reaches demo.sh and prepare-model.sh as it reaches the jobs.
 */
class ConfigToolTest {
    private record Run(int exit, String out, String err) {}

    private static Run run(Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("scripts/config.sh"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Repo.root().toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("PRODLENS_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), out, err);
    }

    @Test
    void printsResolvedValuesWithEveryOverride() throws Exception {
        Run run =
                run(
                        Map.of("PRODLENS_MODEL_ID", "efficientnet-lite0"),
                        "model.id",
                        "api.port",
                        "catalogue.name=shop",
                        "catalogue.name",
                        "evaluate.bundle");
        assertEquals(0, run.exit(), run.err());
        assertEquals("efficientnet-lite0\n8080\nshop\n\n", run.out());
    }

    @Test
    void aTypoIsOneLineAndExitCodeTwo() throws Exception {
        Run key = run(Map.of(), "modle.id");
        assertEquals(2, key.exit());
        assertEquals(
                "config: unknown configuration key 'modle.id' in the command line; did you mean"
                        + " model.id?\n",
                key.err());
        Run variable = run(Map.of("PRODLENS_API_PROT", "9000"), "api.port");
        assertEquals(2, variable.exit());
        assertTrue(
                variable.err().contains("did you mean PRODLENS_API_PORT (api.port)?"),
                variable.err());
        assertEquals("", variable.out());
    }

    /** The scripts ask scripts/config.sh; none parses conf/prodlens.properties itself. */
    @Test
    void noScriptReadsTheConfigurationFileItself() throws IOException {
        Path repo = Repo.root();
        List<Path> scripts = new ArrayList<>();
        for (String dir : List.of("scripts", "bench", "bin")) {
            try (Stream<Path> files = Files.list(repo.resolve(dir))) {
                files.filter(Files::isRegularFile).forEach(scripts::add);
            }
        }
        List<String> parsers = new ArrayList<>();
        for (Path script : scripts) {
            if (script.toString().endsWith(".java")) continue;
            for (String line : Files.readAllLines(script, StandardCharsets.ISO_8859_1)) {
                boolean readsFile =
                        line.contains("prodlens.properties") || line.contains("\"$conf\"");
                if (readsFile && line.matches(".*\\b(sed|awk|grep|cut)\\b.*")) {
                    parsers.add(repo.relativize(script) + ": " + line.strip());
                }
            }
        }
        assertTrue(scripts.size() > 5, "scripts found: " + scripts);
        assertEquals(List.of(), parsers, "scripts parsing the configuration file themselves");
    }
}
