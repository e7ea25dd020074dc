package dev.prodlens.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.testkit.ChildJvm;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real processes a user runs, for the integration tests: {@code bin/prodlens-jobs} and {@code
 * bin/prodlens-demo} commands, and the packaged service ({@code prodlens-api.jar}) on a free
 * loopback port, with an HTTP client for it.
 */
final class PackagedProcesses {
    private static final Pattern SERVING =
            Pattern.compile("prodlens-api: serving bundle \\S+ on http://127\\.0\\.0\\.1:(\\d+)/");

    private PackagedProcesses() {}

    /**
     * The settings of a catalogue {@code name} at {@code csv} whose bundles and work directory are
     * under {@code tmp}, on the repository's configuration and the build's models; then {@code
     * extra}.
     */
    static List<String> settings(Path tmp, Path csv, String name, String... extra) {
        List<String> settings =
                new ArrayList<>(
                        List.of(
                                "--conf",
                                Repo.root().resolve("conf/prodlens.properties").toString(),
                                "model.dir=" + System.getProperty("prodlens.models"),
                                "catalogue.path=" + csv,
                                "catalogue.name=" + name,
                                "bundles.dir=" + tmp.resolve("bundles"),
                                "jobs.work-dir=" + tmp.resolve("work")));
        settings.addAll(List.of(extra));
        return List.copyOf(settings);
    }

    /** Runs {@code bin/<tool> <command> settings...}; fails the test unless it exits 0. */
    static String run(Path logDir, String tool, String command, List<String> settings, String log)
            throws Exception {
        List<String> line =
                new ArrayList<>(List.of(Repo.root().resolve("bin/" + tool).toString(), command));
        line.addAll(settings);
        Path logFile = logDir.resolve(log);
        Process p =
                new ProcessBuilder(line)
                        .directory(Repo.root().toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(logFile.toFile())
                        .start();
        assertTrue(p.waitFor(10, TimeUnit.MINUTES), command + " ran past 10 minutes");
        String output = Files.readString(logFile);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    /** The packaged service, started, with a client for it; {@link #close} stops it. */
    static final class Service implements AutoCloseable {
        private final Process process;
        private final String base;
        private final String key;
        private final HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        private Service(Process process, String base, String key) {
            this.process = process;
            this.base = base;
            this.key = key;
        }

        /**
         * Starts {@code prodlens-api.jar args...} and waits until it serves; {@code key} goes into
         * every request's X-API-Key (null: none).
         */
        static Service start(List<String> args, Path log, String key) throws Exception {
            List<String> command =
                    new ArrayList<>(
                            List.of(
                                    ChildJvm.java(),
                                    "@" + Repo.root().resolve("conf/api.jvm.options"),
                                    "-jar",
                                    Repo.root()
                                            .resolve("search-api/target/prodlens-api.jar")
                                            .toString()));
            command.addAll(args);
            Process p =
                    new ProcessBuilder(command)
                            .directory(Repo.root().toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline && p.isAlive()) {
                Matcher m = SERVING.matcher(Files.readString(log));
                if (m.find()) return new Service(p, "http://127.0.0.1:" + m.group(1), key);
                Thread.sleep(100);
            }
            p.destroyForcibly();
            throw new AssertionError("the service did not start: " + Files.readString(log));
        }

        /** Where it serves: {@code http://127.0.0.1:<port>}. */
        String base() {
            return base;
        }

        JsonObject info() throws IOException, InterruptedException {
            return JsonParser.parseString(get("/v1/info").body()).getAsJsonObject();
        }

        HttpResponse<String> get(String path) throws IOException, InterruptedException {
            return client.send(
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(60))
                            .build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        HttpResponse<String> send(
                String method, String path, HttpRequest.BodyPublisher body, String contentType)
                throws IOException, InterruptedException {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create(base + path))
                            .timeout(Duration.ofSeconds(60))
                            .method(method, body);
            if (key != null) request.header("X-API-Key", key);
            if (contentType != null) request.header("Content-Type", contentType);
            return client.send(
                    request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
