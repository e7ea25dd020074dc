package dev.prodlens.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.bundle.BundleFiles;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.faiss.FaissIndex;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18 end to end, with the processes a user runs: a demo catalogue, {@code reindex} with
 * {@code adapt.method = auto}, then the packaged service on the bundle. The stage tried every
 * method on the validation groups and recorded it; the index holds vectors of the chosen dimension;
 * the report compares before and after on the test groups only; and the service projects each query
 * through the bundle's projection, so a search by an item's own photo finds that item at cosine 1
 * (the API's vector is the one the jobs indexed).
 */
class AdaptReindexIT {
    @Test
    void reindexLearnsChoosesAndTheServiceProjectsQueriesTheSameWay(@TempDir Path tmp)
            throws Exception {
        Path csv = tmp.resolve("catalogue/catalogue.csv");
        List<String> settings =
                PackagedProcesses.settings(
                        tmp,
                        csv,
                        "demo", // demo-catalogue makes the catalogues named demo and fashion-mnist
                        "demo.products=160",
                        "adapt.method=auto",
                        "adapt.dims=64,256");
        PackagedProcesses.run(tmp, "prodlens-demo", "demo-catalogue", settings, "catalogue.log");
        String log =
                PackagedProcesses.run(tmp, "prodlens-jobs", "reindex", settings, "reindex.log");

        Path catalogueDir = tmp.resolve("bundles/demo");
        Path bundle =
                catalogueDir.resolve(Files.readString(catalogueDir.resolve("CURRENT")).strip());
        BundleManifest.Adapt adapt = Bundles.readManifest(bundle).adapt();
        // the model's vectors, then each method at two dimensions, all scored on validation
        assertEquals(5, adapt.candidates().size(), adapt.toString());
        assertEquals(BundleManifest.Adapt.NONE, adapt.candidates().get(0).method());
        assertTrue(adapt.split().testGroups() >= 20, adapt.split().toString());
        assertTrue(log.contains("adapt: "), log);
        int dim;
        try (FaissIndex index = FaissIndex.read(bundle.resolve(BundleFiles.INDEX))) {
            dim = index.dimension();
        }
        assertEquals(adapt.dim(), dim, "the index holds vectors of the chosen dimension");
        assertEquals(adapt.projected(), Files.exists(bundle.resolve(BundleFiles.PROJECTION)));
        if (adapt.projected()) {
            Projection p = Projection.read(bundle.resolve(BundleFiles.PROJECTION));
            assertEquals(adapt.method(), p.method());
            assertEquals(dim, p.outputDimension());
        }

        JsonObject metrics =
                JsonParser.parseString(Files.readString(bundle.resolve("report/metrics.json")))
                        .getAsJsonObject();
        JsonObject test = metrics.getAsJsonObject("adapt").getAsJsonObject("test");
        assertTrue(test.get("items").getAsInt() > 0, test.toString());
        for (String side : List.of("before", "after")) {
            double mapR = test.getAsJsonObject(side).get("map@r").getAsDouble();
            assertTrue(mapR > 0 && mapR <= 1, side + " " + test);
        }
        assertTrue(
                Files.readString(bundle.resolve("report/index.html"))
                        .contains("Learned projection: before and after"));

        List<String> apiArgs = new ArrayList<>(settings);
        apiArgs.add("api.port=0");
        try (PackagedProcesses.Service api =
                PackagedProcesses.Service.start(apiArgs, tmp.resolve("api.log"), null)) {
            JsonObject info = api.info().getAsJsonObject("adapt");
            assertEquals(adapt.method(), info.get("method").getAsString());
            if (adapt.projected()) assertEquals(adapt.dim(), info.get("dim").getAsInt());
            // search by three items' own photos: each finds itself first at cosine ~1
            List<String> rows = Files.readAllLines(csv);
            for (String row :
                    List.of(rows.get(1), rows.get(rows.size() / 2), rows.get(rows.size() - 1))) {
                String[] cells = row.split(",");
                byte[] photo = Files.readAllBytes(csv.getParent().resolve(cells[1]));
                HttpResponse<String> r =
                        api.send(
                                "POST",
                                "/v1/search?k=3",
                                HttpRequest.BodyPublishers.ofByteArray(photo),
                                "application/octet-stream");
                assertEquals(200, r.statusCode(), r.body());
                JsonArray items =
                        JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonArray("items");
                JsonObject first = items.get(0).getAsJsonObject();
                assertEquals(cells[0], first.get("id").getAsString(), r.body());
                assertTrue(first.get("score").getAsDouble() > 0.999, r.body());
                assertNotEquals(0, items.size());
            }
        }
    }
}
