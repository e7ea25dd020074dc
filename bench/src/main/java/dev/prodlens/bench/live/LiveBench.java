package dev.prodlens.bench.live;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.api.ApiMain;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.live.KafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 17's benchmark of the live catalogue, through the real service over HTTP: {@link
 * ApiMain#start} in this JVM on bundles made from the demo bundle's items and vectors (the same
 * model), an exact {@code Flat} and an {@code HNSW32,Flat} index over the same base items, each
 * with the local update log (fsync) and with Kafka (one KRaft broker, {@link KafkaBroker}, in this
 * JVM, acks=all). Per configuration, in this order, on a fresh copy of the base bundle:
 *
 * <ol>
 *   <li>sustained upserts: the new items (20% of the base) PUT with their image by several client
 *       threads, each write timed (acknowledgement latency) and its {@code visible} answer counted;
 *   <li>sustained metadata-only changes: PATCH of a price on base items, the same way;
 *   <li>acknowledgement to visible, from outside: one client writes (PUT of a new item, or PATCH of
 *       a price) and after the 200 polls search by that image (top 10) or GET /v1/items/{id} until
 *       it sees the change; the time from the 200 to the answer of the first poll that saw it;
 *   <li>recall@10 of the live index (base + the items added through the API) against a fresh bundle
 *       of the same type built from base + added items with the demo bundle's vectors, on held-out
 *       query photos searched through each service: overlap of the top-10 ids;
 *   <li>search p95 at concurrency 8 idle, then while writing (re-upserts of base items with their
 *       own photos) paced at half the sustained upsert rate, same queries;
 *   <li>lost: the service is restarted on the same bundle and log, and every acknowledged write is
 *       checked (the item is there, its last acknowledged price).
 * </ol>
 *
 * The configurations alternate over the rounds (every other round in reverse order); the table
 * shows medians over the rounds (counts: sums).
 */
public final class LiveBench {
    private static final String KEY = "bench-key";
    private static final String CATALOGUE = "live";
    private static final int K = 10;
    private static final int SEARCH_CONCURRENCY = 8;
    private static final long POLL_TIMEOUT_NS = 10_000_000_000L;
    private static final String HNSW = "HNSW32,Flat";
    private static final String HNSW_PARAMETERS = "efSearch=64";

    private LiveBench() {}

    /** A demo item with its vector and photo. */
    private record Item(BundleItem item, float[] vector, byte[] photo) {}

    private record Config(String index, String log) {
        String name() {
            return (index.equals("Flat") ? "Flat" : "HNSW32") + "/" + log;
        }
    }

    /** What one configuration measured. */
    private static final class Row {
        double putRate, putP50, putP99, putVisible;
        double patchRate, patchP50, patchP99, patchVisible;
        double visPutP50, visPutP99, visPatchP50, visPatchP99;
        int visTimeouts;
        double idleP95, loadedP95, ratio, loadedWriteRate, idleRate, loadedRate;
        double recall;
        int lost, staleAtStart;
        long behindAtReady;
        double catchUpMs;
    }

    private static int puts, patches, visPuts, visPatches, queries, writers;
    private static double searchSeconds;

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]).toAbsolutePath();
        Path demo = Path.of(args[1]).toAbsolutePath();
        Path demoImagesRoot = Path.of(args[2]).toAbsolutePath();
        Path conf = Path.of(args[3]).toAbsolutePath();
        Path models = Path.of(args[4]).toAbsolutePath();
        int base = Integer.parseInt(args[5]);
        queries = Integer.parseInt(args[6]);
        writers = Integer.parseInt(args[7]);
        patches = Integer.parseInt(args[8]);
        searchSeconds = Double.parseDouble(args[9]);
        int rounds = Integer.parseInt(args[10]);
        int added = base / 5;
        visPuts = Math.max(10, added / 5);
        puts = added - visPuts;
        visPatches = Math.max(10, patches / 10);

        BundleManifest demoManifest = Bundles.readManifest(demo);
        List<Item> all = demoItems(demo, demoImagesRoot);
        if (all.size() < base + added + queries)
            throw new IllegalArgumentException(
                    "the demo bundle has "
                            + all.size()
                            + " items; base "
                            + base
                            + " + added "
                            + added
                            + " + queries "
                            + queries
                            + " need more");
        Collections.shuffle(all, new Random(17));
        List<Item> baseItems = all.subList(0, base);
        List<Item> addedItems = all.subList(base, base + added);
        List<Item> queryItems = all.subList(base + added, base + added + queries);
        List<Item> fresh = new ArrayList<>(baseItems);
        fresh.addAll(addedItems);
        System.out.printf(
                Locale.ROOT,
                "demo bundle %s (%s, %d items, %s): base %d items, added through the API %d"
                        + " (%d by %d writer threads, %d one at a time for visibility), %d PATCHes"
                        + " (+%d for visibility), %d held-out queries, search c=%d for %.0f s idle"
                        + " and %.0f s while writing; %d round(s)%n",
                demo.getFileName(),
                demoManifest.index().factory(),
                all.size(),
                demoManifest.model().id(),
                base,
                added,
                puts,
                writers,
                visPuts,
                patches,
                visPatches,
                queries,
                SEARCH_CONCURRENCY,
                searchSeconds,
                searchSeconds,
                rounds);

        List<Config> configs =
                List.of(
                        new Config("Flat", "local"),
                        new Config("Flat", "kafka"),
                        new Config(HNSW, "local"),
                        new Config(HNSW, "kafka"));
        Map<String, List<Row>> rows = new LinkedHashMap<>();
        for (Config c : configs) rows.put(c.name(), new ArrayList<>());
        Map<String, List<List<String>>> freshResults = new LinkedHashMap<>();
        try (KafkaBroker broker = KafkaBroker.start()) {
            for (String index : List.of("Flat", HNSW)) {
                Path root = work.resolve("fresh-" + tag(index));
                bundle(root, demoImagesRoot, demoManifest, fresh, index);
                Service s = Service.start(root, conf, models, "live.log=off", "live.write-key=");
                try {
                    warmUp(s, queryItems);
                    List<List<String>> results = new ArrayList<>();
                    for (Item q : queryItems) results.add(s.search(q.photo()));
                    freshResults.put(index, results);
                } finally {
                    s.close();
                }
            }
            int run = 0;
            for (int round = 0; round < rounds; round++) {
                List<Config> order = new ArrayList<>(configs);
                if (round % 2 == 1) Collections.reverse(order);
                for (Config c : order) {
                    Path root =
                            work.resolve("run-" + (run++) + "-" + tag(c.index()) + "-" + c.log());
                    bundle(root, demoImagesRoot, demoManifest, baseItems, c.index());
                    List<String> logArgs =
                            c.log().equals("kafka")
                                    ? List.of(
                                            "live.log=kafka",
                                            "live.kafka.servers=" + broker.bootstrapServers(),
                                            "live.kafka.topic=bench-live-"
                                                    + run
                                                    + "-"
                                                    + System.nanoTime())
                                    : List.of("live.log=local");
                    Row row =
                            runConfig(
                                    root,
                                    conf,
                                    models,
                                    logArgs,
                                    baseItems,
                                    addedItems,
                                    queryItems,
                                    freshResults.get(c.index()));
                    rows.get(c.name()).add(row);
                    System.out.printf(
                            Locale.ROOT,
                            "  round %d %-13s upserts/s %.1f, ack p99 %.0f ms, visible p99 %.0f ms,"
                                    + " search p95 ratio %.2f, recall@10 %.3f, lost %d%n",
                            round + 1,
                            c.name(),
                            row.putRate,
                            row.putP99,
                            row.visPutP99,
                            row.ratio,
                            row.recall,
                            row.lost);
                }
            }
        }
        report(rows);
    }

    private static String tag(String index) {
        return index.equals("Flat") ? "flat" : "hnsw";
    }

    // ---- data --------------------------------------------------------------------------------

    private static List<Item> demoItems(Path demo, Path imagesRoot) throws IOException {
        List<BundleItem> items = Bundles.readItems(demo);
        List<Item> out = new ArrayList<>(items.size());
        try (FaissIndex index = FaissIndex.read(demo.resolve(BundleFiles.INDEX))) {
            for (int i = 0; i < items.size(); i++) {
                BundleItem item = items.get(i);
                float[] v =
                        index.reconstruct(i)
                                .orElseThrow(
                                        () ->
                                                new IllegalStateException(
                                                        "no vector for id in demo"));
                out.add(new Item(item, v, Files.readAllBytes(imagesRoot.resolve(item.image()))));
            }
        }
        return out;
    }

    /**
     * Publishes {@code items} with their demo vectors as a bundle of catalogue {@value CATALOGUE}
     * under {@code root/bundles}, images referenced through {@code root/images-root} (whose {@code
     * images} links to the demo's images; live writes store theirs beside it).
     */
    private static void bundle(
            Path root, Path demoImagesRoot, BundleManifest demo, List<Item> items, String factory)
            throws IOException {
        Path imagesRoot = Files.createDirectories(root.resolve("images-root"));
        try (var entries = Files.list(demoImagesRoot)) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                if (Files.isDirectory(p))
                    Files.createSymbolicLink(imagesRoot.resolve(p.getFileName().toString()), p);
            }
        }
        int dim = demo.model().dim();
        float[] vectors = new float[items.size() * dim];
        long[] ids = new long[items.size()];
        List<BundleItem> bundleItems = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            System.arraycopy(items.get(i).vector(), 0, vectors, i * dim, dim);
            ids[i] = i;
            bundleItems.add(items.get(i).item());
        }
        Path catalogueDir = root.resolve("bundles").resolve(CATALOGUE);
        String version = Bundles.newVersion();
        Path staging = Bundles.createStaging(catalogueDir, version);
        boolean hnsw = !factory.equals("Flat");
        long start = System.nanoTime();
        try (FaissIndex index = FaissIndex.create(dim, factory, Metric.INNER_PRODUCT)) {
            if (hnsw) index.setSearchParameters(HNSW_PARAMETERS);
            index.add(vectors, ids);
            double seconds = (System.nanoTime() - start) / 1e9;
            index.write(staging.resolve(BundleFiles.INDEX));
            Bundles.writeItems(staging, bundleItems.iterator());
            Bundles.writeManifest(
                    staging,
                    new BundleManifest(
                            BundleManifest.FORMAT_VERSION,
                            version,
                            Instant.now().toString(),
                            demo.model(),
                            new BundleManifest.Index(
                                    factory,
                                    "bench/live.sh",
                                    "inner_product",
                                    index.size(),
                                    hnsw ? HNSW_PARAMETERS : "",
                                    seconds,
                                    1.0,
                                    K,
                                    0,
                                    0.95,
                                    index.memoryUsageBytes()),
                            new BundleManifest.Catalogue(
                                    CATALOGUE,
                                    "bench/live.sh",
                                    items.size(),
                                    items.size(),
                                    Map.of())));
        }
        Bundles.seal(staging, version);
        Bundles.publish(catalogueDir, version);
    }

    // ---- one configuration ---------------------------------------------------------------------

    private static Row runConfig(
            Path root,
            Path conf,
            Path models,
            List<String> logArgs,
            List<Item> baseItems,
            List<Item> addedItems,
            List<Item> queryItems,
            List<List<String>> freshResults)
            throws Exception {
        Row row = new Row();
        Map<String, Double> ackedPrice = new ConcurrentHashMap<>(); // id -> last acknowledged price
        Set<String> ackedIds = ConcurrentHashMap.newKeySet();
        String[] args = logArgs.toArray(String[]::new);
        Service s = Service.start(root, conf, models, args);
        try {
            warmUp(s, queryItems);

            // 1. sustained upserts with embedding
            List<Item> sustained = addedItems.subList(0, puts);
            Timed put =
                    closedLoop(
                            writers,
                            sustained.size(),
                            i -> {
                                Item it = sustained.get(i);
                                JsonObject r = s.put(it);
                                acked(ackedIds, ackedPrice, it);
                                return r.get("visible").getAsBoolean();
                            });
            row.putRate = put.rate();
            row.putP50 = put.percentile(0.50);
            row.putP99 = put.percentile(0.99);
            row.putVisible = put.visibleShare();

            // 2. sustained metadata-only changes
            Timed patch =
                    closedLoop(
                            writers,
                            patches,
                            i -> {
                                Item it = baseItems.get(i % baseItems.size());
                                double price = 1000 + i;
                                JsonObject r = s.patchPrice(it.item().id(), price);
                                ackedIds.add(it.item().id());
                                ackedPrice.merge(it.item().id(), price, Math::max);
                                return r.get("visible").getAsBoolean();
                            });
            row.patchRate = patch.rate();
            row.patchP50 = patch.percentile(0.50);
            row.patchP99 = patch.percentile(0.99);
            row.patchVisible = patch.visibleShare();

            // 3. acknowledgement to visible, seen from outside
            List<Double> visPut = new ArrayList<>();
            for (Item it : addedItems.subList(puts, addedItems.size())) {
                s.put(it);
                long acked = System.nanoTime();
                acked(ackedIds, ackedPrice, it);
                double ms = Double.NaN;
                while (System.nanoTime() - acked < POLL_TIMEOUT_NS) {
                    if (s.search(it.photo()).contains(it.item().id())) {
                        ms = (System.nanoTime() - acked) / 1e6;
                        break;
                    }
                }
                if (Double.isNaN(ms)) row.visTimeouts++;
                else visPut.add(ms);
            }
            List<Double> visPatch = new ArrayList<>();
            for (int i = 0; i < visPatches; i++) {
                Item it = baseItems.get((patches + i) % baseItems.size());
                double price = 5000 + i;
                s.patchPrice(it.item().id(), price);
                long acked = System.nanoTime();
                ackedIds.add(it.item().id());
                ackedPrice.merge(it.item().id(), price, Math::max);
                double ms = Double.NaN;
                while (System.nanoTime() - acked < POLL_TIMEOUT_NS) {
                    JsonObject got = s.item(it.item().id());
                    if (got != null
                            && got.has("price")
                            && !got.get("price").isJsonNull()
                            && got.get("price").getAsDouble() == price) {
                        ms = (System.nanoTime() - acked) / 1e6;
                        break;
                    }
                }
                if (Double.isNaN(ms)) row.visTimeouts++;
                else visPatch.add(ms);
            }
            row.visPutP50 = percentile(visPut, 0.50);
            row.visPutP99 = percentile(visPut, 0.99);
            row.visPatchP50 = percentile(visPatch, 0.50);
            row.visPatchP99 = percentile(visPatch, 0.99);

            // 4. recall@10 of the live index against a fresh one, same held-out queries
            double overlap = 0;
            for (int q = 0; q < queryItems.size(); q++) {
                List<String> live = s.search(queryItems.get(q).photo());
                Set<String> want = new HashSet<>(freshResults.get(q));
                long same = live.stream().filter(want::contains).count();
                overlap += (double) same / Math.max(1, want.size());
            }
            row.recall = overlap / queryItems.size();

            // 5. search p95 at concurrency 8: idle, then while writing at half the upsert rate
            Timed idle = searchLoad(s, queryItems, 0, baseItems, null, null, null);
            row.idleP95 = idle.percentile(0.95);
            row.idleRate = idle.rate();
            double writeRate = row.putRate / 2;
            AtomicInteger written = new AtomicInteger();
            Timed loaded =
                    searchLoad(s, queryItems, writeRate, baseItems, written, ackedIds, ackedPrice);
            row.loadedP95 = loaded.percentile(0.95);
            row.loadedRate = loaded.rate();
            row.loadedWriteRate = written.get() / searchSeconds;
            row.ratio = row.loadedP95 / row.idleP95;
        } finally {
            s.close();
        }

        // 6. lost: restart on the same bundle and log, check every acknowledged write: once right
        // after start (what a restarted replica answers at once), then after it has applied the
        // log up to the last acknowledged position
        Service again = Service.start(root, conf, models, args);
        long t0 = System.nanoTime();
        try {
            long want = s.maxPosition.get();
            row.behindAtReady =
                    want - again.info().getAsJsonObject("live").get("applied_position").getAsLong();
            row.staleAtStart = lost(again, ackedIds, ackedPrice);
            long applied = -1;
            while (System.nanoTime() - t0 < 60_000_000_000L) {
                applied = again.info().getAsJsonObject("live").get("applied_position").getAsLong();
                if (applied >= want) break;
                Thread.sleep(5);
            }
            row.catchUpMs = (System.nanoTime() - t0) / 1e6;
            if (applied < want)
                System.out.printf(
                        Locale.ROOT,
                        "  warning: the restarted service applied up to %d after 60 s, %d acknowledged%n",
                        applied,
                        want);
            row.lost = lost(again, ackedIds, ackedPrice);
            long items = again.info().get("items").getAsLong();
            if (items != baseItems.size() + addedItems.size())
                System.out.printf(
                        Locale.ROOT,
                        "  warning: %d items after the restart, %d expected%n",
                        items,
                        baseItems.size() + addedItems.size());
        } finally {
            again.close();
        }
        return row;
    }

    /** Acknowledged writes the service does not answer as written (missing, or another price). */
    private static int lost(Service s, Set<String> ids, Map<String, Double> prices) {
        int lost = 0;
        for (String id : ids) {
            JsonObject got = s.item(id);
            Double price = prices.get(id);
            if (got == null) lost++;
            else if (price != null
                    && (!got.has("price")
                            || got.get("price").isJsonNull()
                            || got.get("price").getAsDouble() != price)) lost++;
        }
        return lost;
    }

    /** An acknowledged upsert: the item is there with exactly the fields sent (price or none). */
    private static void acked(Set<String> ids, Map<String, Double> prices, Item it) {
        ids.add(it.item().id());
        if (it.item().price() == null) prices.remove(it.item().id());
        else prices.put(it.item().id(), it.item().price());
    }

    private static void warmUp(Service s, List<Item> queryItems) throws Exception {
        closedLoop(2, 16, i -> !s.search(queryItems.get(i % queryItems.size()).photo()).isEmpty());
    }

    /**
     * {@value SEARCH_CONCURRENCY} search clients for {@code searchSeconds}, closed loop over the
     * query photos; with {@code writeRate > 0}, re-upserts of base items (their own photo and
     * fields) paced at that rate by two writer threads at the same time.
     */
    private static Timed searchLoad(
            Service s,
            List<Item> queryItems,
            double writeRate,
            List<Item> baseItems,
            AtomicInteger written,
            Set<String> ackedIds,
            Map<String, Double> ackedPrice)
            throws Exception {
        long end = System.nanoTime() + (long) (searchSeconds * 1e9);
        Timed timed = new Timed();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(SEARCH_CONCURRENCY + 2);
        try {
            List<Future<?>> futures = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < SEARCH_CONCURRENCY; t++) {
                futures.add(
                        pool.submit(
                                () -> {
                                    while (System.nanoTime() < end) {
                                        Item q =
                                                queryItems.get(
                                                        next.getAndIncrement() % queryItems.size());
                                        long a = System.nanoTime();
                                        s.search(q.photo());
                                        timed.add((System.nanoTime() - a) / 1e6, true);
                                    }
                                    return null;
                                }));
            }
            if (writeRate > 0) {
                AtomicLong slot = new AtomicLong();
                long interval = (long) (1e9 / writeRate);
                for (int t = 0; t < 2; t++) {
                    futures.add(
                            pool.submit(
                                    () -> {
                                        while (true) {
                                            long n = slot.getAndIncrement();
                                            long due = t0 + n * interval;
                                            if (due >= end) break;
                                            long wait = due - System.nanoTime();
                                            if (wait > 0) Thread.sleep(wait / 1_000_000);
                                            Item it = baseItems.get((int) (n % baseItems.size()));
                                            s.put(it);
                                            acked(ackedIds, ackedPrice, it);
                                            written.incrementAndGet();
                                        }
                                        return null;
                                    }));
                }
            }
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdownNow();
        }
        timed.seconds = searchSeconds;
        return timed;
    }

    // ---- timing ------------------------------------------------------------------------------

    private interface Op {
        /** One timed call; true when the service answered visible=true. */
        boolean run(int i) throws Exception;
    }

    private static final class Timed {
        private final List<Double> ms = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger visible = new AtomicInteger();
        private double seconds;

        void add(double millis, boolean wasVisible) {
            ms.add(millis);
            if (wasVisible) visible.incrementAndGet();
        }

        double rate() {
            return ms.size() / seconds;
        }

        double percentile(double p) {
            synchronized (ms) {
                return LiveBench.percentile(ms, p);
            }
        }

        double visibleShare() {
            return (double) visible.get() / ms.size();
        }
    }

    /** {@code n} calls of {@code op} by {@code threads} threads, each call timed. */
    private static Timed closedLoop(int threads, int n, Op op) throws Exception {
        Timed timed = new Timed();
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long start = System.nanoTime();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(
                        pool.submit(
                                () -> {
                                    for (int i = next.getAndIncrement();
                                            i < n;
                                            i = next.getAndIncrement()) {
                                        long a = System.nanoTime();
                                        boolean v = op.run(i);
                                        timed.add((System.nanoTime() - a) / 1e6, v);
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : futures) f.get();
        } finally {
            pool.shutdownNow();
        }
        timed.seconds = (System.nanoTime() - start) / 1e9;
        return timed;
    }

    /** Nearest-rank percentile; NaN for none. */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) return Double.NaN;
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int rank = (int) Math.ceil(p * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    private static double median(List<Row> rows, java.util.function.ToDoubleFunction<Row> f) {
        double[] v = rows.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    // ---- the service over HTTP -----------------------------------------------------------------

    private static final class Service implements AutoCloseable {
        private final ApiMain.Running running;
        private final HttpClient client =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10))
                        .build();
        private final String base;

        /** The highest position this client was acknowledged. */
        final AtomicLong maxPosition = new AtomicLong(-1);

        private Service(ApiMain.Running running) {
            this.running = running;
            this.base = "http://127.0.0.1:" + running.port();
        }

        static Service start(Path root, Path conf, Path models, String... more) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "--conf",
                                    conf.toString(),
                                    "model.dir=" + models,
                                    "bundles.dir=" + root.resolve("bundles"),
                                    "catalogue.name=" + CATALOGUE,
                                    "api.images-root=" + root.resolve("images-root"),
                                    "api.reload-interval-ms=3600000",
                                    "api.port=0",
                                    "api.host=127.0.0.1",
                                    "live.write-key=" + KEY));
            args.addAll(Arrays.asList(more));
            return new Service(ApiMain.start(args.toArray(String[]::new)));
        }

        private HttpResponse<String> send(HttpRequest.Builder b) {
            try {
                return client.send(
                        b.timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private static JsonObject ok(HttpResponse<String> r) {
            if (r.statusCode() != 200)
                throw new IllegalStateException(
                        r.request().method()
                                + " "
                                + r.request().uri()
                                + ": "
                                + r.statusCode()
                                + " "
                                + r.body());
            return JsonParser.parseString(r.body()).getAsJsonObject();
        }

        private static String q(String s) {
            return URLEncoder.encode(s, StandardCharsets.UTF_8);
        }

        /** The top-10 ids for a photo. */
        List<String> search(byte[] photo) {
            JsonObject r =
                    ok(
                            send(
                                    HttpRequest.newBuilder(URI.create(base + "/v1/search?k=" + K))
                                            .header("Content-Type", "image/jpeg")
                                            .POST(HttpRequest.BodyPublishers.ofByteArray(photo))));
            List<String> ids = new ArrayList<>();
            for (JsonElement e : r.getAsJsonArray("items"))
                ids.add(e.getAsJsonObject().get("id").getAsString());
            return ids;
        }

        private JsonObject written(JsonObject r) {
            maxPosition.accumulateAndGet(r.get("position").getAsLong(), Math::max);
            return r;
        }

        JsonObject put(Item it) {
            BundleItem b = it.item();
            StringBuilder query = new StringBuilder("?title=").append(q(b.title()));
            if (b.category() != null) query.append("&category=").append(q(b.category()));
            if (b.price() != null) query.append("&price=").append(b.price());
            if (b.labelGroup() != null) query.append("&label_group=").append(q(b.labelGroup()));
            return written(
                    ok(
                            send(
                                    HttpRequest.newBuilder(
                                                    URI.create(
                                                            base
                                                                    + "/v1/items/"
                                                                    + q(b.id())
                                                                    + query))
                                            .header("Content-Type", "image/jpeg")
                                            .header("X-API-Key", KEY)
                                            .PUT(
                                                    HttpRequest.BodyPublishers.ofByteArray(
                                                            it.photo())))));
        }

        JsonObject patchPrice(String id, double price) {
            return written(
                    ok(
                            send(
                                    HttpRequest.newBuilder(URI.create(base + "/v1/items/" + q(id)))
                                            .header("Content-Type", "application/json")
                                            .header("X-API-Key", KEY)
                                            .method(
                                                    "PATCH",
                                                    HttpRequest.BodyPublishers.ofString(
                                                            "{\"price\": " + price + "}")))));
        }

        /** GET /v1/items/{id}; null for 404. */
        JsonObject item(String id) {
            HttpResponse<String> r =
                    send(HttpRequest.newBuilder(URI.create(base + "/v1/items/" + q(id))).GET());
            return r.statusCode() == 404 ? null : ok(r);
        }

        JsonObject info() {
            return ok(send(HttpRequest.newBuilder(URI.create(base + "/v1/info")).GET()));
        }

        @Override
        public void close() {
            running.close();
        }
    }

    // ---- report ------------------------------------------------------------------------------

    private static void report(Map<String, List<Row>> rows) {
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "%-13s | %9s %8s %8s %6s | %9s %8s %8s %6s | %10s %10s | %10s %10s%n",
                "index/log",
                "upserts/s",
                "ack p50",
                "ack p99",
                "vis=t",
                "patches/s",
                "ack p50",
                "ack p99",
                "vis=t",
                "upsert→vis",
                "p99 ms",
                "patch→vis",
                "p99 ms");
        for (var e : rows.entrySet()) {
            List<Row> r = e.getValue();
            System.out.printf(
                    Locale.ROOT,
                    "%-13s | %9.1f %8.1f %8.1f %5.0f%% | %9.1f %8.1f %8.1f %5.0f%% | %10.1f %10.1f |"
                            + " %10.1f %10.1f%n",
                    e.getKey(),
                    median(r, x -> x.putRate),
                    median(r, x -> x.putP50),
                    median(r, x -> x.putP99),
                    100 * median(r, x -> x.putVisible),
                    median(r, x -> x.patchRate),
                    median(r, x -> x.patchP50),
                    median(r, x -> x.patchP99),
                    100 * median(r, x -> x.patchVisible),
                    median(r, x -> x.visPutP50),
                    median(r, x -> x.visPutP99),
                    median(r, x -> x.visPatchP50),
                    median(r, x -> x.visPatchP99));
        }
        System.out.println();
        System.out.printf(
                Locale.ROOT,
                "%-13s | %11s %11s %14s %14s %9s %7s | %10s | %12s %13s %13s %11s %5s%n",
                "index/log",
                "idle p95 ms",
                "searches/s",
                "writing p95 ms",
                "searches/s",
                "writes/s",
                "ratio",
                "recall@10",
                "vis timeouts",
                "behind@ready",
                "stale@restart",
                "catch-up ms",
                "lost");
        int lost = 0;
        for (var e : rows.entrySet()) {
            List<Row> r = e.getValue();
            int l = r.stream().mapToInt(x -> x.lost).sum();
            lost += l;
            System.out.printf(
                    Locale.ROOT,
                    "%-13s | %11.1f %11.1f %14.1f %14.1f %9.1f %7.2f | %10.3f | %12d %13.0f %13d %11.0f %5d%n",
                    e.getKey(),
                    median(r, x -> x.idleP95),
                    median(r, x -> x.idleRate),
                    median(r, x -> x.loadedP95),
                    median(r, x -> x.loadedRate),
                    median(r, x -> x.loadedWriteRate),
                    median(r, x -> x.ratio),
                    median(r, x -> x.recall),
                    r.stream().mapToInt(x -> x.visTimeouts).sum(),
                    median(r, x -> x.behindAtReady),
                    r.stream().mapToInt(x -> x.staleAtStart).sum(),
                    median(r, x -> x.catchUpMs),
                    l);
        }
        System.out.println();
        System.out.println(
                "ack: client-side time of the write request; vis=t: share of writes answered"
                        + " visible=true; upsert→vis / patch→vis: from the 200 to the answer of the"
                        + " first search (top 10 by the photo) / GET /v1/items/{id} that saw the change,"
                        + " one client, one poll after another (includes one search's own time);"
                        + " search at c=8 is a closed loop (8 clients, no think time): p95 idle and while"
                        + " writing, with the searches/s each reached; writes/s: re-upserts achieved"
                        + " while searching (target: half the upsert rate); ratio: writing p95 / idle p95;"
                        + " recall@10: top-10 overlap of the live index with a fresh bundle of the same"
                        + " type over base + added items, on held-out photos; behind@ready: log records a"
                        + " restarted service had not applied yet when ApiMain.start returned (/readyz"
                        + " answers ready from then on); stale@restart: acknowledged writes it answered"
                        + " wrongly (missing, old price) in a sweep right after; catch-up ms: from the"
                        + " start's return until it had applied the last acknowledged position;"
                        + " lost: acknowledged writes missing (or with another price) after that.");
        List<Row> head = rows.get("Flat/local");
        System.out.println(
                "headline: the Flat/local row (exact index, local fsynced log); lost is summed over"
                        + " all rows");
        System.out.printf(
                Locale.ROOT,
                "live: upserts_s=%.1f ack_p99_ms=%.1f visible_p99_ms=%.1f search_p95_ratio=%.2f"
                        + " recall10_live_vs_fresh=%.3f lost=%d%n",
                median(head, x -> x.putRate),
                median(head, x -> x.putP99),
                median(head, x -> x.visPutP99),
                median(head, x -> x.ratio),
                median(head, x -> x.recall),
                lost);
    }
}
