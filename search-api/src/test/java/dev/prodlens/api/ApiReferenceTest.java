package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/api.md's endpoint table lists exactly the operations of the served OpenAPI contract
 * (search-api's openapi.json), so the reference cannot drift from what /openapi.json and /docs
 * show. The pages outside the versioned API (the web page, /docs, /openapi.json itself) are not
 * operations.
 */
class ApiReferenceTest {
    /**
     * An endpoint cell of the table: `METHOD /path` (a query string after the path is an example).
     */
    private static final Pattern ENDPOINT =
            Pattern.compile("`(GET|POST|PUT|DELETE|PATCH) (/[^`?\\s]*)[^`]*`");

    private static final Set<String> NOT_OPERATIONS =
            Set.of("GET /", "GET /docs", "GET /openapi.json");

    @Test
    void theReferenceListsTheContractsOperations() throws IOException {
        Set<String> contract = new TreeSet<>();
        try (InputStream in = ApiReferenceTest.class.getResourceAsStream("/openapi.json")) {
            assertNotNull(in, "openapi.json on the classpath");
            JsonObject paths =
                    JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                            .getAsJsonObject()
                            .getAsJsonObject("paths");
            for (String path : paths.keySet()) {
                for (String method : paths.getAsJsonObject(path).keySet())
                    contract.add(method.toUpperCase(Locale.ROOT) + " " + path);
            }
        }

        String doc = Files.readString(Repo.root().resolve("docs/api.md"));
        String table =
                doc.substring(
                        doc.indexOf("## Endpoints"),
                        doc.indexOf("\n## ", doc.indexOf("## Endpoints") + 1));
        Set<String> documented = new TreeSet<>();
        for (String line : table.split("\n")) {
            if (!line.startsWith("| `")) continue;
            String cell = line.substring(1, line.indexOf('|', 1));
            Matcher endpoint = ENDPOINT.matcher(cell);
            while (endpoint.find()) documented.add(endpoint.group(1) + " " + endpoint.group(2));
        }
        documented.removeAll(NOT_OPERATIONS);

        assertTrue(contract.size() >= 10, "the contract's operations: " + contract);
        assertEquals(
                contract,
                documented,
                "operations of openapi.json vs the endpoint table of docs/api.md");
    }
}
