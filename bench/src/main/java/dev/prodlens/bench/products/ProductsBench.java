package dev.prodlens.bench.products;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.api.ApiMain;
import dev.prodlens.testkit.OfflineImages;
import dev.prodlens.testkit.ProductScenes;
import java.awt.image.BufferedImage;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Region search on the demo catalogue through the real service over HTTP (ApiMain in this JVM, the
 * configured model, batching as configured), one query at a time (concurrency 1): the composite set
 * ({@link ProductScenes}: a demo product pasted into an offline photo at 25–60% of the frame,
 * blurred, relit; relevant: its label group) and whole catalogue photos (the demo's edited copies,
 * each searched with itself excluded; relevant: the other photos of its group), each with {@code
 * regions=off} and {@code regions=on}. Prints a table (recall@1, recall@10, p50 and p95 latency as
 * the client sees it) and the summary line of bench/products.sh.
 *
 * <p>Arguments: the catalogue CSV (posting_id,image,...,label_group), scenes, catalogue queries,
 * the seed, then service arguments ({@code --conf file key=value...}).
 */
public final class ProductsBench {
    private static final int K = 10;
    private static final int WARMUP = 10;

    private final HttpClient client =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final String base;
    private final Map<String, String> groupOf;

    private ProductsBench(int port, Map<String, String> groupOf) {
        this.base = "http://127.0.0.1:" + port;
        this.groupOf = groupOf;
    }

    /** One query: its image, the group that counts as found, the id it must not find itself by. */
    private record Query(byte[] image, String group, String exclude) {}

    /** What one set of queries measured in one mode. */
    private record Row(
            String set,
            String regions,
            int queries,
            double r1,
            double r10,
            double p50,
            double p95,
            double[] stages) {}

    /** The stages of the service's timing_ms, averaged per query in the table. */
    private static final List<String> STAGES = List.of("decode", "queue", "model", "index");

    /** One answer: the ids found and the service's own timing_ms by {@link #STAGES}. */
    private record Answer(List<String> ids, double[] stages) {}

    public static void main(String[] args) throws Exception {
        Path csv = Path.of(args[0]);
        int scenes = Integer.parseInt(args[1]);
        int copies = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        String[] serviceArgs = Arrays.copyOfRange(args, 4, args.length);

        Catalogue catalogue = Catalogue.read(csv);
        List<Query> sceneQueries = sceneQueries(catalogue, scenes, seed);
        List<Query> copyQueries = copyQueries(catalogue, copies);
        System.out.printf(
                Locale.ROOT,
                "catalogue %s: %d photos, %d products; composite set %d scenes (seed %d), %d catalogue photos%n",
                csv,
                catalogue.rows().size(),
                catalogue.groups().size(),
                sceneQueries.size(),
                seed,
                copyQueries.size());
        List<Row> rows = new ArrayList<>();
        try (ApiMain.Running service = ApiMain.start(serviceArgs)) {
            ProductsBench bench = new ProductsBench(service.port(), catalogue.groupOf());
            for (int i = 0; i < WARMUP; i++) {
                bench.search(sceneQueries.get(i % sceneQueries.size()), "on");
                bench.search(sceneQueries.get(i % sceneQueries.size()), "off");
            }
            for (String mode : List.of("off", "on"))
                rows.add(bench.run("composite", sceneQueries, mode));
            for (String mode : List.of("off", "on"))
                rows.add(bench.run("catalogue", copyQueries, mode));
        }
        System.out.printf(
                Locale.ROOT,
                "%-10s %-8s %8s %9s %10s %8s %8s   %s%n",
                "set",
                "regions",
                "queries",
                "recall@1",
                "recall@10",
                "p50_ms",
                "p95_ms",
                "service mean ms: " + String.join(" / ", STAGES));
        for (Row r : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "%-10s %-8s %8d %9.3f %10.3f %8.1f %8.1f   %.1f / %.1f / %.1f / %.1f%n",
                    r.set(),
                    r.regions(),
                    r.queries(),
                    r.r1(),
                    r.r10(),
                    r.p50(),
                    r.p95(),
                    r.stages()[0],
                    r.stages()[1],
                    r.stages()[2],
                    r.stages()[3]);
        }
        System.out.printf(
                Locale.ROOT,
                "regions: scene_recall10_whole=%.3f"
                        + " scene_recall10_regions=%.3f regions_p95_ms=%.1f whole_p95_ms=%.1f"
                        + " scene_recall1_whole=%.3f scene_recall1_regions=%.3f"
                        + " catalogue_recall1_whole=%.3f catalogue_recall1_regions=%.3f%n",
                rows.get(0).r10(),
                rows.get(1).r10(),
                rows.get(1).p95(),
                rows.get(0).p95(),
                rows.get(0).r1(),
                rows.get(1).r1(),
                rows.get(2).r1(),
                rows.get(3).r1());
    }

    /**
     * The composite set from the main photo of {@code count} products spread evenly over the
     * catalogue's groups.
     */
    private static List<Query> sceneQueries(Catalogue catalogue, int count, long seed)
            throws IOException {
        List<String> groups = new ArrayList<>(catalogue.groups().keySet());
        List<String> picked = new ArrayList<>(count);
        List<BufferedImage> products = new ArrayList<>(count);
        for (int i = 0; i < count && i < groups.size(); i++) {
            String group = groups.get((int) ((long) i * groups.size() / count));
            picked.add(group);
            products.add(ImageIO.read(catalogue.groups().get(group).get(0).toFile()));
        }
        List<BufferedImage> backgrounds = new ArrayList<>();
        for (Path p : OfflineImages.photos()) backgrounds.add(ImageIO.read(p.toFile()));
        List<Query> queries = new ArrayList<>();
        for (ProductScenes.Scene s :
                ProductScenes.make(products, backgrounds, products.size(), seed))
            queries.add(new Query(s.jpeg(), picked.get(s.product()), null));
        return queries;
    }

    /** Up to {@code count} edited copies (not a group's main photo) spread over the catalogue. */
    private static List<Query> copyQueries(Catalogue catalogue, int count) throws IOException {
        List<Catalogue.Row> copies = catalogue.rows().stream().filter(r -> !r.main()).toList();
        List<Query> queries = new ArrayList<>(count);
        for (int i = 0; i < count && i < copies.size(); i++) {
            Catalogue.Row row = copies.get((int) ((long) i * copies.size() / count));
            queries.add(new Query(Files.readAllBytes(row.image()), row.group(), row.id()));
        }
        return queries;
    }

    private Row run(String set, List<Query> queries, String regions) {
        int at1 = 0;
        int at10 = 0;
        double[] ms = new double[queries.size()];
        double[] stages = new double[STAGES.size()];
        for (int i = 0; i < queries.size(); i++) {
            Query q = queries.get(i);
            long t = System.nanoTime();
            Answer answer = search(q, regions);
            ms[i] = (System.nanoTime() - t) / 1e6;
            for (int s = 0; s < stages.length; s++)
                stages[s] += answer.stages()[s] / queries.size();
            List<String> groups = answer.ids().stream().map(groupOf::get).toList();
            if (!groups.isEmpty() && q.group().equals(groups.get(0))) at1++;
            if (groups.contains(q.group())) at10++;
        }
        Arrays.sort(ms);
        int n = queries.size();
        return new Row(
                set,
                regions,
                n,
                (double) at1 / n,
                (double) at10 / n,
                percentile(ms, 0.5),
                percentile(ms, 0.95),
                stages);
    }

    private static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** The ids of the top {@value #K} items for the query, the raw image as the body. */
    private Answer search(Query q, String regions) {
        String uri = base + "/v1/search?k=" + K + "&regions=" + regions;
        if (q.exclude() != null)
            uri += "&exclude=" + URLEncoder.encode(q.exclude(), StandardCharsets.UTF_8);
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(uri))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "image/jpeg")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(q.image()))
                        .build();
        try {
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200)
                throw new IllegalStateException(
                        "search answered " + r.statusCode() + ": " + r.body());
            JsonObject answer = JsonParser.parseString(r.body()).getAsJsonObject();
            List<String> ids = new ArrayList<>();
            for (JsonElement e : answer.getAsJsonArray("items"))
                ids.add(e.getAsJsonObject().get("id").getAsString());
            JsonObject timing = answer.getAsJsonObject("timing_ms");
            double[] stages = new double[STAGES.size()];
            for (int s = 0; s < stages.length; s++)
                stages[s] = timing.get(STAGES.get(s)).getAsDouble();
            return new Answer(ids, stages);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The demo catalogue's rows: id, image file, label group; a group's first row is its main
     * photo.
     */
    record Catalogue(List<Row> rows, Map<String, List<Path>> groups) {
        record Row(String id, Path image, String group, boolean main) {}

        Map<String, String> groupOf() {
            Map<String, String> map = new LinkedHashMap<>();
            for (Row r : rows) map.put(r.id(), r.group());
            return map;
        }

        static Catalogue read(Path csv) throws IOException {
            List<String> lines = Files.readAllLines(csv);
            List<String> header = Arrays.asList(lines.get(0).split(","));
            int id = header.indexOf("posting_id");
            int image = header.indexOf("image");
            int group = header.indexOf("label_group");
            List<Row> rows = new ArrayList<>();
            Map<String, List<Path>> groups = new LinkedHashMap<>();
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split(",");
                Path file = csv.resolveSibling(f[image]);
                List<Path> members = groups.computeIfAbsent(f[group], g -> new ArrayList<>());
                rows.add(new Row(f[id], file, f[group], members.isEmpty()));
                members.add(file);
            }
            return new Catalogue(rows, groups);
        }
    }
}
