package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.embed.TestModels;
import dev.prodlens.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundle versions change under load without a failed request; bundles of another model are refused.
 */
class HotSwapTest {
    @TempDir Path tmp;

    @Test
    void aNewVersionGoesLiveWithoutDroppingRequests() throws Exception {
        Path first = TestBundle.publish(tmp, 6, null);
        try (ApiMain.Running service =
                ApiMain.start(
                        TestBundle.args(tmp, "api.reload-interval-ms=100")
                                .toArray(String[]::new))) {
            Http http = new Http(service.port());
            byte[] photo = Files.readAllBytes(TestBundle.photos(6).get(1));
            String v1 = first.getFileName().toString();
            var old = service.search().bundles().peek();
            assertEquals(v1, http.get("/readyz").json().get("version").getAsString());

            AtomicBoolean stop = new AtomicBoolean();
            Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
            Set<String> versions = ConcurrentHashMap.newKeySet();
            ExecutorService clients = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> running = new java.util.ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    running.add(
                            clients.submit(
                                    () -> {
                                        while (!stop.get()) {
                                            Http.Response r =
                                                    http.postImage("/v1/search?k=3", photo);
                                            statuses.computeIfAbsent(
                                                            r.status(), s -> new AtomicInteger())
                                                    .incrementAndGet();
                                            if (r.status() == 200)
                                                versions.add(r.json().get("version").getAsString());
                                        }
                                        return null;
                                    }));
                }
                Path second = TestBundle.publish(tmp, 8, null); // while the clients search
                String v2 = second.getFileName().toString();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!versions.contains(v2) && System.nanoTime() < deadline) Thread.sleep(50);
                Thread.sleep(300); // searches keep going on the new version
                stop.set(true);
                for (Future<?> f : running) f.get(60, TimeUnit.SECONDS);

                assertEquals(
                        Set.of(200),
                        statuses.keySet(),
                        "every request answered 200 across the switch: " + statuses);
                assertEquals(
                        Set.of(v1, v2),
                        versions,
                        "answers came from the old, then the new version");
                assertEquals(v2, http.get("/readyz").json().get("version").getAsString());
                assertEquals(8, http.get("/readyz").json().get("items").getAsInt());
                assertTrue(
                        old.index().isClosed(),
                        "the old index is freed once its searches are done");
                assertFalse(service.search().bundles().peek().index().isClosed());
                String metrics = http.get("/metrics").text();
                assertTrue(
                        metrics.contains("prodlens_bundle_reloads_total{result=\"ok\"} 1"),
                        metrics);
            } finally {
                stop.set(true);
                clients.shutdownNow();
            }
        }
    }

    @Test
    void aVersionThatCannotServeIsSkippedAndTheLiveOneStays() throws Exception {
        Path live = TestBundle.publish(tmp, 4, null);
        try (ApiMain.Running service =
                ApiMain.start(
                        TestBundle.args(tmp, "api.reload-interval-ms=0").toArray(String[]::new))) {
            // a version whose index file is garbage, published by mistake
            Path catalogueDir = live.getParent();
            Path broken = Files.createDirectories(catalogueDir.resolve("broken"));
            for (Path f : List.of(Path.of("manifest.json"), Path.of("items.jsonl")))
                Files.copy(live.resolve(f), broken.resolve(f));
            Files.writeString(broken.resolve("index.faiss"), "not an index");
            Files.writeString(catalogueDir.resolve("CURRENT"), "broken\n");
            BundleException e =
                    assertThrows(BundleException.class, () -> service.search().bundles().reload());
            assertTrue(
                    e.getMessage().contains("broken") && e.getMessage().contains("reindex"),
                    e.getMessage());
            assertEquals(
                    live.getFileName().toString(), service.search().bundles().peek().version());
            Http http = new Http(service.port());
            assertEquals(
                    200,
                    http.postImage("/v1/search", Files.readAllBytes(TestBundle.photos(1).get(0)))
                            .status());
            String metrics = http.get("/metrics").text();
            assertTrue(
                    metrics.contains("prodlens_bundle_reloads_total{result=\"failed\"} 1"),
                    "a reload asked for, not only the"
                            + " watcher's, counts its failure: "
                            + metrics);
        }
    }

    @Test
    void aManifestThatNamesNoModelIsAClearError() throws Exception {
        Path version = Files.createDirectories(tmp.resolve("bundles/test/v1"));
        Files.writeString(
                version.resolve("manifest.json"),
                "{\"format_version\": 1, \"model\": {}, \"index\": {}}");
        Files.writeString(version.getParent().resolve("CURRENT"), "v1\n");
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> ApiMain.start(TestBundle.args(tmp).toArray(String[]::new)));
        assertTrue(
                e.getMessage().contains("does not name its model")
                        && e.getMessage().contains("reindex"),
                e.getMessage());
    }

    @Test
    void aBundleOfAnotherModelIsRefusedAtStart() {
        // the default architecture with shuffled weights: same id prefix and dimension, other
        // vectors
        String other = TestModels.RANDOM;
        TestBundle.publish(tmp, 3, other);
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> ApiMain.start(TestBundle.args(tmp).toArray(String[]::new)));
        assertTrue(
                e.getMessage().contains("cannot be compared") && e.getMessage().contains(other),
                e.getMessage());
    }

    @Test
    void noBundleIsAClearError() throws Exception {
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> ApiMain.start(TestBundle.args(tmp).toArray(String[]::new)));
        assertTrue(
                e.getMessage().contains("CURRENT") && e.getMessage().contains("reindex"),
                e.getMessage());
        assertTrue(Bundles.current(tmp.resolve("bundles/test")).isEmpty());
        // the commands it names exist: the launcher, and each make target in the Makefile
        assertTrue(
                e.getMessage().contains("bin/prodlens-jobs reindex")
                        && Files.isExecutable(Repo.root().resolve("bin/prodlens-jobs")),
                e.getMessage());
        String makefile = Files.readString(Repo.root().resolve("Makefile"));
        Matcher make = Pattern.compile("make ([a-z-]+)").matcher(e.getMessage());
        while (make.find())
            assertTrue(
                    makefile.contains("\n" + make.group(1) + ":"),
                    "no Makefile target " + make.group(1));
    }
}
