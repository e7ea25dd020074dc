package dev.prodlens.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22: the API's contract checked by tools nobody here wrote, as an integrator would, against
 * the packaged service on a demo bundle with item writes and the admin endpoint on ({@code
 * scripts/api-contract.sh check}): openapi-spec-validator validates the served document, then
 * Schemathesis runs every one of its checks with a bounded number of generated requests per
 * operation (a fixed seed: the same requests every run). Any finding fails the test: a server
 * error, an answer that does not match the schema, a schema-valid request rejected without a
 * documented reason, an undeclared method answered other than 405.
 */
class ApiContractIT {
    private static final String KEY = "contract-key";

    /** /** Schemathesis's closing line: {@code No issues found in 12.34s}, or how many failures. */
    private static final Pattern SUMMARY = Pattern.compile("(?m)^=+ (.*) in [0-9.]+s =+$");

    /** Its count: {@code 910 generated, 910 passed, 10 skipped}. */
    private static final Pattern GENERATED =
            Pattern.compile("Test cases:\\s+((\\d+) generated, (\\d+) passed.*)");

    @Test
    void outsideToolsFindNoMismatch(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("catalogue/catalogue.csv");
        List<String> settings = PackagedProcesses.settings(tmp, csv, "demo", "demo.products=40");
        PackagedProcesses.run(tmp, "prodlens-demo", "demo-catalogue", settings, "catalogue.log");
        PackagedProcesses.run(tmp, "prodlens-jobs", "reindex", settings, "reindex.log");

        List<String> apiArgs = new ArrayList<>(settings);
        apiArgs.addAll(List.of("api.port=0", "live.write-key=" + KEY, "api.admin-key=" + KEY));
        try (PackagedProcesses.Service api =
                PackagedProcesses.Service.start(apiArgs, tmp.resolve("api.log"), KEY)) {
            JsonObject paths =
                    JsonParser.parseString(api.get("/openapi.json").body())
                            .getAsJsonObject()
                            .getAsJsonObject("paths");
            assertTrue(
                    paths.has("/v1/items/batch") && paths.has("/admin/reload"),
                    "writes and admin are offered, so they are checked too: " + paths.keySet());

            Path log = tmp.resolve("contract.log");
            ProcessBuilder check =
                    new ProcessBuilder(
                                    "bash",
                                    Repo.root().resolve("scripts/api-contract.sh").toString(),
                                    "check",
                                    api.base())
                            .directory(Repo.root().toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile());
            check.environment().put("PRODLENS_CONTRACT_KEY", KEY);
            check.environment().put("PRODLENS_CONTRACT_OUT", tmp.resolve("contract").toString());
            // the image bodies are catalogue photos: the searches and writes are real ones
            check.environment().put("PRODLENS_CONTRACT_IMAGES", csv.getParent().toString());
            Process p = check.start();
            assertTrue(p.waitFor(20, TimeUnit.MINUTES), "the contract checks ran past 20 minutes");
            String output = Files.readString(log);
            assertEquals(0, p.exitValue(), output);
            assertTrue(output.contains(": OK"), "openapi-spec-validator's verdict: " + output);
            Matcher summary = SUMMARY.matcher(output);
            assertTrue(summary.find(), "Schemathesis's summary line: " + output);
            assertEquals("No issues found", summary.group(1), output);
            Matcher generated = GENERATED.matcher(output);
            assertTrue(generated.find(), output);
            assertTrue(Integer.parseInt(generated.group(2)) >= 200, generated.group());
            assertEquals(generated.group(2), generated.group(3), "every generated request passed");
            System.out.println("api contract: " + generated.group(1) + "; " + summary.group(1));
        }
    }
}
