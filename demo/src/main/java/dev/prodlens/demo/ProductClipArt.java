package dev.prodlens.demo;

import dev.prodlens.core.image.ImageDecodeException;
import dev.prodlens.core.image.ImageDecoder;
import dev.prodlens.testkit.CatalogueWriter;
import dev.prodlens.testkit.ImageEdits;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The "demo" catalogues: openclipart's drawings of things a shop sells, each one product (a label
 * group) of its original plus 1 to 3 copies edited the ways sellers alter a product photo ({@link
 * ImageEdits}), so the evaluation has near-duplicate ground truth. "demo" lists every photo on its
 * own; "demo-products" gives a product's first listing two photos ({@link Listings}). Titles come
 * from the file names ({@link ClipArtTitles}), prices from the category's range. Deterministic.
 */
final class ProductClipArt {
    private static final Category CLOTHING = new Category("clothing", 8, 90);
    private static final Category FOOD = new Category("food", 1, 15);
    private static final Category DRINKS = new Category("drinks", 1, 30);
    private static final Category TOYS = new Category("toys & games", 5, 60);
    private static final Category SPORTS = new Category("sports", 8, 150);
    private static final Category MUSIC = new Category("music", 10, 600);
    private static final Category ELECTRONICS = new Category("electronics", 15, 900);
    private static final Category HOUSEHOLD = new Category("household", 4, 200);
    private static final Category OFFICE = new Category("office & school", 1, 40);
    private static final Category PARTY = new Category("party", 2, 30);

    /**
     * The folders of openclipart-png whose drawings are products, by category; only the files
     * directly in a folder count, so each wanted subfolder is listed. Left out as not products (or
     * as hundreds of near-identical drawings that would crowd the search): animals, people, plants,
     * buildings, vehicles, weapons, flags, signs, shapes, computer icons, decorations, playing
     * cards, holiday scenes.
     */
    static final List<Map.Entry<String, Category>> FOLDERS =
            List.of(
                    Map.entry("people/clothing", CLOTHING),
                    Map.entry("people/clothing/hats", CLOTHING),
                    Map.entry("people/clothing/jewelry", CLOTHING),
                    Map.entry("people/clothing/pantyhose", CLOTHING),
                    Map.entry("food", FOOD),
                    Map.entry("food/fruit", FOOD),
                    Map.entry("food/vegetables", FOOD),
                    Map.entry("food/desserts", FOOD),
                    Map.entry("food/breads_and_carbs", FOOD),
                    Map.entry("food/meats_and_eggs", FOOD),
                    Map.entry("food/dairy", FOOD),
                    Map.entry("food/beverages", DRINKS),
                    Map.entry("food/beverages/alcohol", DRINKS),
                    Map.entry("recreation/toys", TOYS),
                    Map.entry("tools/toys", TOYS),
                    Map.entry("recreation/games", TOYS),
                    Map.entry("recreation/games/chess", TOYS),
                    Map.entry("recreation/games/dice", TOYS),
                    Map.entry("recreation/sports", SPORTS),
                    Map.entry("recreation/music", MUSIC),
                    Map.entry("recreation/music/CD_Player", MUSIC),
                    Map.entry("electronics", ELECTRONICS),
                    Map.entry("electronics/battery", ELECTRONICS),
                    Map.entry("electronics/bulb", ELECTRONICS),
                    Map.entry("computer/hardware", ELECTRONICS),
                    Map.entry("office/telephone", ELECTRONICS),
                    Map.entry("buildings/furniture", HOUSEHOLD),
                    Map.entry("containers", HOUSEHOLD),
                    Map.entry("tools", HOUSEHOLD),
                    Map.entry("office", OFFICE),
                    Map.entry("education", OFFICE),
                    Map.entry("education/books", OFFICE),
                    Map.entry("recreation/party", PARTY));

    /** Edited copies per product: 1 to this many. */
    private static final int MAX_COPIES = 3;

    private static final List<ImageEdits> EDITS = List.of(ImageEdits.values());

    /** How a product's photos (its original and edited copies) become listings. */
    enum Listings {
        /** "demo": every photo its own listing, one image each. */
        PHOTO_PER_LISTING,
        /**
         * "demo-products": the first listing has two photos (the original and the first copy), each
         * further copy is a duplicate listing of the product with one photo.
         */
        PHOTOS_PER_PRODUCT
    }

    /** A clip-art file and the category of its folder. */
    record Source(Path file, Category category) {}

    private ProductClipArt() {}

    /**
     * Adds up to {@code maxProducts} products (0: all) from the clip art under {@code root} to
     * {@code out}, each image scaled to at most {@code maxSide} pixels. A file that appears in
     * several folders becomes one product (of its first folder); a file {@code decoder} refuses
     * (damaged, over the pixel or byte cap) is skipped, as the embed job would refuse it.
     */
    static DemoCatalogue.Generated write(
            Path root,
            CatalogueWriter out,
            ImageDecoder decoder,
            int maxProducts,
            int maxSide,
            Listings listings)
            throws IOException {
        Set<String> seen = new HashSet<>();
        int groups = 0;
        int skipped = 0;
        int rowsBefore = out.rows();
        List<Source> sources = sources(root);
        if (sources.isEmpty()) {
            throw new IllegalStateException(
                    "no clip art under "
                            + root
                            + ": install openclipart-png (scripts/install-deps.sh data)");
        }
        for (Source source : sources) {
            if (maxProducts > 0 && groups == maxProducts) break;
            Path file = source.file();
            Category category = source.category();
            byte[] bytes = Files.readAllBytes(file);
            if (!seen.add(sha256(bytes))) continue;
            BufferedImage image;
            try {
                image = ImageEdits.fit(decoder.decode(bytes), maxSide);
            } catch (ImageDecodeException e) {
                skipped++;
                continue;
            }
            String key = root.relativize(file).toString();
            String title = ClipArtTitles.title(file.getFileName().toString(), category.label());
            String group = String.format(Locale.ROOT, "demo-%04d", groups++);
            double price = category.price(key);
            long hash = Category.hash(key);
            int copies = 1 + (int) (hash % MAX_COPIES);
            List<byte[]> photos = new ArrayList<>();
            photos.add(ImageEdits.encodePng(image));
            for (int c = 0; c < copies; c++) {
                ImageEdits edit = EDITS.get((int) ((hash / MAX_COPIES + c) % EDITS.size()));
                photos.add(edit.apply(image));
            }
            if (listings == Listings.PHOTOS_PER_PRODUCT) {
                // the seller's listing shows the original and its first edited copy; the other
                // copies are duplicate listings of the same product by other sellers
                out.add(title, group, category.label(), price, photos.subList(0, 2));
                for (byte[] copy : photos.subList(2, photos.size()))
                    out.add(title, group, category.label(), price, copy);
            } else {
                for (byte[] photo : photos) out.add(title, group, category.label(), price, photo);
            }
        }
        return new DemoCatalogue.Generated(out.rows() - rowsBefore, groups, skipped);
    }

    /**
     * The PNG files of {@link #FOLDERS} under {@code root}, folder by folder in that order, sorted
     * by name within one.
     */
    static List<Source> sources(Path root) throws IOException {
        List<Source> sources = new ArrayList<>();
        for (Map.Entry<String, Category> folder : FOLDERS) {
            Path dir = root.resolve(folder.getKey());
            if (!Files.isDirectory(dir)) continue;
            try (Stream<Path> listing = Files.list(dir)) {
                listing.filter(
                                p ->
                                        p.getFileName().toString().endsWith(".png")
                                                && Files.isRegularFile(p))
                        .sorted()
                        .forEach(file -> sources.add(new Source(file, folder.getValue())));
            }
        }
        return sources;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
