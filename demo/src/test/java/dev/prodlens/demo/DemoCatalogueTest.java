package dev.prodlens.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.core.image.ImageDecoder;
import dev.prodlens.jobs.JobException;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.testkit.CatalogueWriter;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import dev.prodlens.testkit.Repo;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DemoCatalogueTest {
    private static final Set<String> CATEGORIES =
            Set.of(
                    "clothing",
                    "food",
                    "drinks",
                    "toys & games",
                    "sports",
                    "music",
                    "electronics",
                    "household",
                    "office & school",
                    "party");

    @TempDir Path tmp;

    @Test
    void theSameSettingsWriteTheSameFiles() throws IOException {
        DemoCatalogue.Result first =
                DemoCatalogue.make(jobSettings(demo(tmp.resolve("a/catalogue.csv"), 4)));
        DemoCatalogue.Result second =
                DemoCatalogue.make(jobSettings(demo(tmp.resolve("b/catalogue.csv"), 4)));
        assertTrue(first.written() && second.written());
        assertEquals(Files.readString(first.csv()), Files.readString(second.csv()));
        assertEquals(
                fileHashes(first.csv().resolveSibling("images")),
                fileHashes(second.csv().resolveSibling("images")));
        assertEquals(first.items(), fileHashes(first.csv().resolveSibling("images")).size());

        DemoCatalogue.Result fashion =
                DemoCatalogue.make(jobSettings(fashion(tmp.resolve("f1/catalogue.csv"), 25)));
        DemoCatalogue.Result again =
                DemoCatalogue.make(jobSettings(fashion(tmp.resolve("f2/catalogue.csv"), 25)));
        assertEquals(Files.readString(fashion.csv()), Files.readString(again.csv()));
        assertEquals(
                fileHashes(fashion.csv().resolveSibling("images")),
                fileHashes(again.csv().resolveSibling("images")));
    }

    @Test
    void demoProductsAreGroupsOfAnOriginalAndOneToThreeEditedCopies() throws IOException {
        DemoCatalogue.Result result =
                DemoCatalogue.make(jobSettings(demo(tmp.resolve("demo/catalogue.csv"), 12)));
        List<Row> rows = rows(result.csv());
        assertEquals(result.items(), rows.size());
        Map<String, List<Row>> groups =
                rows.stream()
                        .collect(
                                Collectors.groupingBy(
                                        Row::labelGroup, TreeMap::new, Collectors.toList()));
        assertEquals(12, groups.size());
        for (List<Row> group : groups.values()) {
            assertTrue(
                    group.size() >= 2 && group.size() <= 4, "an original and 1-3 copies: " + group);
            assertEquals(
                    1,
                    group.stream().filter(r -> r.image().endsWith(".png")).count(),
                    "one PNG original: " + group);
            assertEquals(
                    1,
                    group.stream().map(Row::title).distinct().count(),
                    "one title per product: " + group);
            assertEquals(
                    1,
                    group.stream().map(Row::price).distinct().count(),
                    "one price per product: " + group);
            assertEquals(
                    group.size(),
                    group.stream()
                            .map(r -> hash(result.csv().resolveSibling(r.image())))
                            .distinct()
                            .count(),
                    "the copies differ from the original: " + group);
        }
        for (Row row : rows) {
            assertTrue(CATEGORIES.contains(row.category()), row.toString());
            assertTrue(
                    row.title().toLowerCase(Locale.ROOT).endsWith(" – " + row.category())
                            && row.title().length() > 4 + row.category().length(),
                    row.toString());
            assertTrue(
                    row.price() >= 1.99
                            && row.price() <= 900.99
                            && Math.round(row.price() * 100) % 100 == 99,
                    row.toString());
            BufferedImage image = ImageIO.read(result.csv().resolveSibling(row.image()).toFile());
            assertTrue(
                    Math.max(image.getWidth(), image.getHeight()) <= 512,
                    row + " is " + image.getWidth() + "x" + image.getHeight());
        }
    }

    @Test
    void demoProductsGiveAProductsFirstListingTwoPhotosAndTheRestOneEach() throws IOException {
        DemoCatalogue.Result single =
                DemoCatalogue.make(jobSettings(demo(tmp.resolve("demo/catalogue.csv"), 12)));
        DemoCatalogue.Result products =
                DemoCatalogue.make(
                        jobSettings(
                                catalogue(
                                        DemoCatalogue.DEMO_PRODUCTS,
                                        tmp.resolve("demo-products/catalogue.csv"),
                                        "demo.products",
                                        12)));
        Map<String, List<Row>> photosByGroup =
                rows(single.csv()).stream().collect(Collectors.groupingBy(Row::labelGroup));
        Map<String, List<Row>> listingsByGroup =
                rows(products.csv()).stream().collect(Collectors.groupingBy(Row::labelGroup));
        assertEquals(photosByGroup.keySet(), listingsByGroup.keySet());
        int multi = 0;
        for (var group : listingsByGroup.entrySet()) {
            List<Row> listings = group.getValue();
            List<String> photos = new ArrayList<>();
            for (Row listing : listings) photos.addAll(List.of(listing.image().split("\\|")));
            assertEquals(2, listings.get(0).image().split("\\|").length, "first: two photos");
            for (Row duplicate : listings.subList(1, listings.size()))
                assertEquals(1, duplicate.image().split("\\|").length, "duplicates: one each");
            if (listings.size() > 1) multi++;
            // the same photos as the demo catalogue's listings of the product, in the same order
            List<Row> demoRows = photosByGroup.get(group.getKey());
            assertEquals(demoRows.size(), photos.size());
            for (int i = 0; i < photos.size(); i++)
                assertEquals(
                        hash(single.csv().resolveSibling(demoRows.get(i).image())),
                        hash(products.csv().resolveSibling(photos.get(i))),
                        group.getKey() + " photo " + i);
        }
        assertTrue(multi > 0, "some products have duplicate listings");
    }

    @Test
    void fashionMnistIsLabelledByClass() throws IOException {
        DemoCatalogue.Result result =
                DemoCatalogue.make(jobSettings(fashion(tmp.resolve("fm/catalogue.csv"), 40)));
        List<Row> rows = rows(result.csv());
        assertEquals(40, rows.size());
        int[] labels = OfflineImages.fashionMnist("train", 40).labels();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            assertEquals("fashion-" + labels[i], row.labelGroup());
            assertEquals(OfflineImages.FASHION_CLASSES.get(labels[i]), row.category());
            assertTrue(row.title().startsWith(row.category() + " #"), row.toString());
            BufferedImage image = ImageIO.read(result.csv().resolveSibling(row.image()).toFile());
            assertEquals(112, image.getWidth());
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, image.getType());
        }
        assertTrue(
                rows.stream().map(Row::labelGroup).distinct().count() > 5,
                "the first 40 images span most classes");
    }

    @Test
    void sourcesThatDoNotDecodeAreOverTheCapOrRepeatAreSkipped(@TempDir Path clipArt)
            throws IOException {
        byte[] apple = png(200, 150, Color.RED);
        write(clipArt.resolve("food/fruit/apple_bitten_dan_gerhard_01.png"), apple);
        write(
                clipArt.resolve("food/fruit/broken.png"),
                "not a PNG at all".getBytes(StandardCharsets.US_ASCII));
        write(
                clipArt.resolve("food/fruit/poster.png"),
                png(600, 600, Color.GREEN)); // over the 100,000-pixel cap below
        write(
                clipArt.resolve("recreation/toys/apple_bitten_dan_gerhard_01.png"),
                apple); // filed twice: one product
        write(clipArt.resolve("tools/hammer_peterm_.png"), png(120, 300, Color.BLUE));
        write(
                clipArt.resolve("animals/cat.png"),
                png(100, 100, Color.BLACK)); // not a product folder
        ImageDecoder decoder = new ImageDecoder(new DecodeLimits(1 << 20, 100_000, 64));
        Path csv = tmp.resolve("bad/catalogue.csv");
        DemoCatalogue.Generated generated;
        try (CatalogueWriter out = new CatalogueWriter(csv)) {
            generated =
                    ProductClipArt.write(
                            clipArt,
                            out,
                            decoder,
                            0,
                            128,
                            ProductClipArt.Listings.PHOTO_PER_LISTING);
        }
        assertEquals(2, generated.groups());
        assertEquals(2, generated.skipped());
        List<Row> rows = rows(csv);
        assertEquals(generated.items(), rows.size());
        assertEquals(
                Set.of("Apple Bitten – Food", "Hammer – Household"),
                rows.stream().map(Row::title).collect(Collectors.toSet()));
        BufferedImage hammer =
                ImageIO.read(
                        csv.resolveSibling(
                                        rows.stream()
                                                .filter(r -> r.category().equals("household"))
                                                .findFirst()
                                                .orElseThrow()
                                                .image())
                                .toFile());
        assertEquals(128, hammer.getHeight(), "scaled to demo.max-side");
    }

    @Test
    void pricesStayInTheirCategorysRangeAndEndIn99() {
        Category category = new Category("music", 10, 600);
        Set<Double> prices = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            double price = category.price("recreation/music/item-" + i + ".png");
            assertTrue(
                    price >= 10.99 && price <= 600.99 && Math.round(price * 100) % 100 == 99,
                    Double.toString(price));
            prices.add(price);
        }
        assertTrue(
                prices.size() > 400,
                "spread over the range: " + prices.size() + " distinct prices");
        assertEquals(category.price("same key"), category.price("same key"));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "apple_bitten_dan_gerhard_01.png | food | Apple Bitten – Food",
                "camicia_in_seta_architet_01.png | clothing | Camicia In Seta – Clothing",
                "45_rpm_record_gerald_g._01.png | music | 45 Rpm Record – Music",
                "cake1_jarno_vasamaa_01.png | food | Cake – Food",
                "pin_-_blue_nicu_buculei_01.png | office & school | Pin Blue – Office & School",
                "baseball_cap_bw_ganson.png | clothing | Baseball Cap – Clothing",
                "_01.png | food | Item – Food"
            })
    void titlesKeepTheSubjectOfTheFileName(String file, String category, String title) {
        assertEquals(title, ClipArtTitles.title(file, category));
    }

    @Test
    void aCompleteCatalogueIsKeptAndOneWithOtherSettingsReplaced() throws IOException {
        Path csv = tmp.resolve("data/demo/catalogue.csv");
        DemoCatalogue.Result first = DemoCatalogue.make(jobSettings(demo(csv, 2)));
        String text = Files.readString(csv);
        Files.writeString(
                csv, text + "marker\n"); // a second run that rewrote the file would drop this
        DemoCatalogue.Result second = DemoCatalogue.make(jobSettings(demo(csv, 2)));
        assertFalse(second.written());
        assertEquals(first.items(), second.items());
        assertTrue(Files.readString(csv).endsWith("marker\n"));

        DemoCatalogue.Result bigger = DemoCatalogue.make(jobSettings(demo(csv, 3)));
        assertTrue(bigger.written());
        assertTrue(bigger.items() > first.items());
        assertTrue(Files.readString(csv).startsWith(text), "the first products come first again");
        try (Stream<Path> siblings = Files.list(csv.getParent().getParent())) {
            assertEquals(
                    List.of("demo"),
                    siblings.map(p -> p.getFileName().toString()).toList(),
                    "no staging or old copy is left");
        }
    }

    @Test
    void aKilledRunLeavesNothingThatLooksComplete() throws IOException {
        Path csv = tmp.resolve("data/demo/catalogue.csv");
        Path staging = tmp.resolve("data/.demo.staging");
        write(
                staging.resolve("catalogue.csv"),
                (CatalogueWriter.HEADER + "\nitem-000000,images/000000.png,x,g,food,1.99\n")
                        .getBytes(StandardCharsets.UTF_8));
        DemoCatalogue.Result result = DemoCatalogue.make(jobSettings(demo(csv, 2)));
        assertTrue(result.written());
        assertFalse(Files.exists(staging));
        assertEquals(result.items(), rows(csv).size());
        assertTrue(Files.exists(csv.resolveSibling(DemoCatalogue.MANIFEST)));
    }

    @Test
    void refusesADirectoryItDidNotWriteAndOtherCatalogueNames() throws IOException {
        Path csv = tmp.resolve("shop/catalogue.csv");
        write(csv, "posting_id,image\n".getBytes(StandardCharsets.UTF_8));
        JobException notOurs =
                assertThrows(
                        JobException.class, () -> DemoCatalogue.make(jobSettings(demo(csv, 2))));
        assertTrue(
                notOurs.getMessage().contains("not written by demo-catalogue"),
                notOurs.getMessage());
        assertEquals("posting_id,image\n", Files.readString(csv));

        Map<String, String> other = demo(tmp.resolve("x/catalogue.csv"), 2);
        other.put("catalogue.name", "shop");
        JobException name =
                assertThrows(JobException.class, () -> DemoCatalogue.make(jobSettings(other)));
        assertTrue(name.getMessage().contains("catalogue.name = shop"), name.getMessage());
    }

    private static Map<String, String> demo(Path csv, int products) {
        return catalogue(DemoCatalogue.DEMO, csv, "demo.products", products);
    }

    private static Map<String, String> fashion(Path csv, int items) {
        return catalogue(DemoCatalogue.FASHION_MNIST, csv, "demo.fashion-mnist.items", items);
    }

    /**
     * Settings (mutable) for catalogue {@code name} written to {@code csv}, of {@code count} rows.
     */
    private static Map<String, String> catalogue(
            String name, Path csv, String countKey, int count) {
        Map<String, String> settings = new HashMap<>();
        settings.put("catalogue.name", name);
        settings.put("catalogue.path", csv.toString());
        settings.put(countKey, Integer.toString(count));
        return settings;
    }

    record Row(
            String id,
            String image,
            String title,
            String labelGroup,
            String category,
            double price) {}

    /**
     * The generated CSV's rows; none of the generated fields holds a comma, so a plain split reads
     * them.
     */
    private static List<Row> rows(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        assertEquals(CatalogueWriter.HEADER, lines.get(0));
        return lines.subList(1, lines.size()).stream()
                .map(
                        line -> {
                            String[] f = line.split(",", -1);
                            assertEquals(6, f.length, line);
                            return new Row(f[0], f[1], f[2], f[3], f[4], Double.parseDouble(f[5]));
                        })
                .toList();
    }

    private static Map<String, String> fileHashes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.collect(
                    Collectors.toMap(
                            p -> p.getFileName().toString(),
                            DemoCatalogueTest::hash,
                            (a, b) -> a,
                            TreeMap::new));
        }
    }

    private static String hash(Path file) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] png(int width, int height, Color colour) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(colour);
        g.fillOval(width / 8, height / 8, width * 3 / 4, height * 3 / 4);
        g.dispose();
        return ImageEdits.encodePng(image);
    }

    private static void write(Path file, byte[] bytes) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    /**
     * The repository's configuration with {@code overrides} (paths into a test directory), as
     * bin/prodlens-demo reads it.
     */
    private static JobSettings jobSettings(Map<String, String> overrides) {
        Path repo = Repo.root();
        Map<String, String> all = new HashMap<>(overrides);
        all.putIfAbsent("model.dir", repo.resolve("models").toString());
        return JobSettings.from(
                Config.load(repo.resolve("conf/prodlens.properties")).with(all), repo);
    }
}
