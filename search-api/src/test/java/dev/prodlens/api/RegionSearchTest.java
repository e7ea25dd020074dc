package dev.prodlens.api;

import static dev.prodlens.api.ApiErrors.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.prodlens.testkit.HostileImages;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import dev.prodlens.testkit.ProductScenes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Region search over HTTP (issue 21, buyers' photos): a catalogue of clip-art products (real model,
 * real Faiss), the composite set made from them ({@link ProductScenes}: each product pasted into a
 * real photo at 25–60% of the frame, blurred, relit), searched with and without {@code regions}.
 * The recalls are measured here from real searches; the bar is that regions find clearly more
 * products, while a catalogue photo still finds its own item first with regions on, and hostile
 * uploads cost one decode and get the same answer as without regions.
 */
class RegionSearchTest {
    private static final int PRODUCTS = 120;
    private static final int SCENES = 60;
    private static final long SEED = 21;

    /** The products' longer side in pixels, as the demo catalogue stores its clip art. */
    private static final int MAX_SIDE = 512;

    /**
     * Recall@10 points regions must add on the composite set. Measured on this set (60 scenes,
     * efficientnet-lite0-int8): whole 0.817, regions 0.917 (49 against 55 scenes); the bar asks for
     * 3 scenes more.
     */
    private static final double MIN_GAIN = 0.05;

    @TempDir static Path tmp;
    private static ApiMain.Running service;
    private static Http http;
    private static List<BufferedImage> products;
    private static List<Path> catalogue;
    private static List<ProductScenes.Scene> scenes;

    @BeforeAll
    static void start() throws Exception {
        products = OfflineImages.clipArtProducts(PRODUCTS, MAX_SIDE);
        Path drawings = Files.createDirectories(tmp.resolve("clip-art"));
        catalogue = new ArrayList<>();
        for (int i = 0; i < products.size(); i++) {
            Path file = drawings.resolve(String.format(Locale.ROOT, "product-%03d.png", i));
            Files.write(file, ImageEdits.encodePng(products.get(i)));
            catalogue.add(file);
        }
        TestBundle.publishFiles(tmp, catalogue);
        service = ApiMain.start(TestBundle.args(tmp).toArray(String[]::new));
        http = new Http(service.port());
        scenes = ProductScenes.make(products, backgrounds(), SCENES, SEED);
    }

    @AfterAll
    static void stop() {
        if (service != null) service.close();
    }

    private static List<BufferedImage> backgrounds() {
        return OfflineImages.photos().stream().map(RegionSearchTest::read).toList();
    }

    private static BufferedImage read(Path file) {
        try {
            return ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Item i of the bundle is catalogue file i (TestBundle.publishFiles). */
    private static String itemOf(int product) {
        return String.format(Locale.ROOT, "item-%02d", product);
    }

    private static JsonObject search(byte[] image, String regions) {
        Http.Response r = http.postImage("/v1/search?k=10&regions=" + regions, image);
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    private static List<String> ids(JsonObject answer) {
        List<String> ids = new ArrayList<>();
        for (JsonElement e : answer.getAsJsonArray("items"))
            ids.add(e.getAsJsonObject().get("id").getAsString());
        return ids;
    }

    /** The share of scenes whose product is among the top 10. */
    private static double recall10(String regions) {
        int found = 0;
        for (ProductScenes.Scene scene : scenes) {
            if (ids(search(scene.jpeg(), regions)).contains(itemOf(scene.product()))) found++;
        }
        return (double) found / scenes.size();
    }

    @Test
    void theCompositeSetIsWhatItSays() {
        assertEquals(SCENES, scenes.size());
        for (ProductScenes.Scene s : scenes) {
            assertTrue(
                    s.share() >= ProductScenes.MIN_SHARE && s.share() <= ProductScenes.MAX_SHARE,
                    "area share " + s.share());
        }
        List<ProductScenes.Scene> again = ProductScenes.make(products, backgrounds(), 3, SEED);
        for (int i = 0; i < again.size(); i++)
            assertTrue(Arrays.equals(scenes.get(i).jpeg(), again.get(i).jpeg()), "deterministic");
    }

    @Test
    void regionsFindMoreProductsInBuyersPhotos() {
        double whole = recall10("off");
        double regions = recall10("on");
        System.out.printf(
                Locale.ROOT,
                "composite set, %d scenes: recall@10 whole %.3f, regions %.3f%n",
                scenes.size(),
                whole,
                regions);
        assertTrue(
                regions >= whole + MIN_GAIN,
                String.format(
                        Locale.ROOT,
                        "recall@10 with regions %.3f, whole photo %.3f: regions should add at least"
                                + " %.2f",
                        regions,
                        whole,
                        MIN_GAIN));
    }

    @Test
    void aCataloguePhotoStillFindsItsItemFirstWithRegions() throws IOException {
        for (int i = 0; i < PRODUCTS; i += 4) {
            JsonObject answer = search(Files.readAllBytes(catalogue.get(i)), "on");
            assertEquals(itemOf(i), ids(answer).get(0), "catalogue photo " + catalogue.get(i));
            assertEquals(13, answer.get("regions").getAsInt(), "the default layout's crops");
        }
        assertEquals(
                0, search(Files.readAllBytes(catalogue.get(0)), "off").get("regions").getAsInt());
    }

    @Test
    void aBadRegionsValueIsRefusedInOneLine() {
        Http.Response r =
                http.postImage("/v1/search?regions=yes", ProductScenes.class.getName().getBytes());
        assertError(r, 400, "bad_request");
        assertTrue(r.json().get("message").getAsString().contains("on"), r.text());
    }

    /**
     * A bomb, an over-budget JPEG and corrupt bytes get the same status, code and message with
     * regions as without, for one decode and no model run each; a huge legal photo is searched at
     * reduced scale with its crops, and every decode gives its memory back.
     */
    @Test
    void hostilePhotosCostOneDecodeWithRegions() {
        byte[] jpeg = scenes.get(0).jpeg();
        List<byte[]> hostile =
                List.of(
                        HostileImages.pngBomb(8000),
                        HostileImages.heavyProgressiveJpeg(7000, 99),
                        Arrays.copyOf(jpeg, jpeg.length / 3));
        for (byte[] bytes : hostile) {
            Http.Response off = http.postImage("/v1/search?regions=off", bytes);
            double decodes = decodes();
            double models = modelRuns();
            Http.Response on = http.postImage("/v1/search?regions=on", bytes);
            assertTrue(on.status() >= 400 && on.status() < 500, on.text());
            assertEquals(off.status(), on.status(), on.text());
            assertEquals(off.json(), on.json(), "the same one-line answer");
            assertEquals(decodes + 1, decodes(), "one decode for the photo and all its crops");
            assertEquals(models, modelRuns(), "nothing reached the model");
        }
        JsonObject big = search(HostileImages.lossyWebp(7000), "on");
        assertEquals(13, big.get("regions").getAsInt());
        assertEquals(0, http.metric("prodlens_decode_memory_in_use_bytes"));
    }

    private static double decodes() {
        return http.metric("prodlens_stage_seconds_count\\{stage=\"decode\"\\}");
    }

    private static double modelRuns() {
        return http.metric("prodlens_stage_seconds_count\\{stage=\"model\"\\}");
    }
}
