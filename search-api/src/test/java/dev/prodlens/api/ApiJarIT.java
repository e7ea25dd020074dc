package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.ProductJars;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jar as users run it: {@code java @conf/api.jvm.options -jar prodlens-api.jar}, in a
 * child JVM.
 */
class ApiJarIT {
    private static final Path JAR =
            Path.of(System.getProperty("prodlens.api.jar", "target/prodlens-api.jar"));

    /** search-core's jar, which prodlens-api.jar holds. */
    private static final Path CORE_JAR =
            Path.of(
                    System.getProperty(
                            "prodlens.core.jar",
                            Repo.root()
                                    .resolve("search-core/target/search-core-0.1.0-SNAPSHOT.jar")
                                    .toString()));

    @TempDir Path tmp;

    /**
     * No test fixture, no demo generator and no /usr/share path in prodlens-api.jar, nor in
     * search-core's jar (the fixtures live in test-kit and search-core's test-jar, the generator in
     * the demo module).
     */
    @Test
    void productJarsHoldNoFixtureNoDemoAndNoUsrShare() {
        assertTrue(Files.isRegularFile(CORE_JAR), CORE_JAR + " is built");
        ProductJars.assertClean(JAR);
        ProductJars.assertClean(CORE_JAR);
    }

    @Test
    void theJarHasNoSparkOrHadoop() throws IOException {
        try (ZipFile jar = new ZipFile(JAR.toFile())) {
            List<String> offending =
                    jar.stream()
                            .map(e -> e.getName())
                            .filter(
                                    n ->
                                            n.startsWith("org/apache/spark/")
                                                    || n.startsWith("org/apache/hadoop/")
                                                    || n.startsWith("scala/"))
                            .limit(5)
                            .toList();
            assertEquals(List.of(), offending);
            assertTrue(jar.getEntry("dev/prodlens/api/ApiMain.class") != null);
            assertTrue(jar.getEntry("public/index.html") != null);
        }
    }

    @Test
    void javaDashJarServesTheBundle() throws Exception {
        TestBundle.publish(tmp, 3, null);
        Served served = serve(List.of(), TestBundle.args(tmp), tmp.resolve("serve.log"));
        try {
            Http.Response r =
                    served.http()
                            .postImage(
                                    "/v1/search?k=1",
                                    Files.readAllBytes(TestBundle.photos(3).get(1)));
            assertEquals(200, r.status(), r.text());
            assertEquals(
                    "item-01",
                    r.json()
                            .getAsJsonArray("items")
                            .get(0)
                            .getAsJsonObject()
                            .get("id")
                            .getAsString());
            assertTrue(
                    read(tmp.resolve("serve.log")).contains("serving bundle"),
                    read(tmp.resolve("serve.log")));
        } finally {
            served.stop();
        }
    }

    /**
     * A service started from the jar, ready; stop it with {@link #stop()} (SIGTERM, then it must
     * exit).
     */
    record Served(Process process, Http http) {
        void stop() throws InterruptedException {
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "stops on SIGTERM");
        }
    }

    /**
     * Starts the jar with {@code args} (their api.port=0 replaced by a free port), JVM options
     * after the service's own, and waits until /readyz answers 200.
     */
    static Served serve(List<String> jvmOptions, List<String> args, Path log) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> withPort = new ArrayList<>(args);
        withPort.set(withPort.indexOf("api.port=0"), "api.port=" + port);
        Process process = start(jvmOptions, withPort, log);
        Http http = new Http(port);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        int status = 0;
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                status = http.get("/readyz").status();
                if (status == 200) break;
            } catch (java.io.UncheckedIOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        if (status != 200) {
            process.destroyForcibly();
            throw new AssertionError("never ready:\n" + read(log));
        }
        return new Served(process, http);
    }

    @Test
    void withoutABundleItExitsWithOneLine() throws Exception {
        Process process = start(List.of(), TestBundle.args(tmp), tmp.resolve("no-bundle.log"));
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        assertEquals(2, process.exitValue());
        List<String> lines =
                Files.readAllLines(tmp.resolve("no-bundle.log")).stream()
                        .filter(l -> l.startsWith("prodlens-api:"))
                        .toList();
        assertEquals(1, lines.size(), read(tmp.resolve("no-bundle.log")));
        assertTrue(
                lines.get(0).contains("CURRENT") && lines.get(0).contains("reindex"), lines.get(0));
        assertFalse(read(tmp.resolve("no-bundle.log")).contains("\tat "), "no stack trace");
    }

    /** The jar in a child JVM with the service's JVM options, its output in {@code log}. */
    static Process start(List<String> jvmOptions, List<String> args, Path log) throws IOException {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "@" + Repo.root().resolve("conf/api.jvm.options"),
                                "-Dorg.slf4j.simpleLogger.defaultLogLevel=info"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        command.addAll(args);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // as docs/operations.md advises for the service: glibc keeps fewer per-thread arenas of
        // freed native memory
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        return builder.start();
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no " + file + ")";
        }
    }
}
