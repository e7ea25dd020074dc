package dev.prodlens.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The registry ({@link ConfigKeys}), conf/prodlens.properties and docs/configuration.md list the
 * same keys with the same defaults: a key added, removed or changed in one and not the others fails
 * here.
 */
class ConfigReferenceTest {
    /** A table row of the reference: | `key` | `default` or (empty) | meaning |. */
    private static final Pattern ROW =
            Pattern.compile(
                    "^\\| `([a-z0-9.-]+)` \\| (?:`((?:[^`\\\\]|\\\\\\|)*)`|\\(empty\\)) \\|",
                    Pattern.MULTILINE);

    @Test
    void theRegistryTheFileAndTheReferenceAgree() throws IOException {
        Properties file = new Properties();
        try (Reader reader =
                Files.newBufferedReader(
                        Repo.root().resolve("conf/prodlens.properties"), StandardCharsets.UTF_8)) {
            file.load(reader);
        }
        Map<String, String> inFile = new TreeMap<>();
        file.stringPropertyNames().forEach(k -> inFile.put(k, file.getProperty(k).strip()));

        String doc = Files.readString(Repo.root().resolve("docs/configuration.md"));
        Map<String, String> documented = new TreeMap<>();
        Matcher row = ROW.matcher(doc);
        // a table cell writes '|' as '\\|', also inside code
        while (row.find())
            documented.put(
                    row.group(1), row.group(2) == null ? "" : row.group(2).replace("\\|", "|"));

        Map<String, String> registered = new TreeMap<>();
        ConfigKeys.all().forEach(k -> registered.put(k.name(), k.defaultText()));

        assertEquals(
                registered.keySet(),
                inFile.keySet(),
                "keys of the registry (ConfigKeys) vs conf/prodlens.properties");
        assertEquals(
                registered.keySet(),
                documented.keySet(),
                "keys of the registry (ConfigKeys) vs docs/configuration.md");
        assertEquals(registered, inFile, "defaults of the registry vs conf/prodlens.properties");
        assertEquals(registered, documented, "defaults of the registry vs docs/configuration.md");
    }
}
