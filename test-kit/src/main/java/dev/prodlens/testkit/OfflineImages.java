package dev.prodlens.testkit;

import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Images that Debian packages put on the machine (no download at run time), for evaluation, tests
 * and the demo catalogue: real photos (python3-skimage, python3-sklearn, darknet), clip art
 * (openclipart-png) and Fashion-MNIST (dataset-fashion-mnist). {@code scripts/install-deps.sh data}
 * installs them.
 */
public final class OfflineImages {
    private static final String INSTALL_HINT = "; install them with scripts/install-deps.sh data";
    private static final Path SKIMAGE = Path.of("/usr/lib/python3/dist-packages/skimage/data");
    private static final Path SKLEARN =
            Path.of("/usr/lib/python3/dist-packages/sklearn/datasets/images");
    private static final Path DARKNET = Path.of("/usr/share/darknet/data");
    public static final Path OPENCLIPART = Path.of("/usr/share/openclipart/png");
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    /** Fashion-MNIST's images are this many pixels square. */
    public static final int FASHION_SIDE = 28;

    /** Fashion-MNIST's class names, by label. */
    public static final List<String> FASHION_CLASSES =
            List.of(
                    "T-shirt/top",
                    "Trouser",
                    "Pullover",
                    "Dress",
                    "Coat",
                    "Sandal",
                    "Shirt",
                    "Sneaker",
                    "Bag",
                    "Ankle boot");

    private OfflineImages() {}

    /** Real, distinct photos (colour and grey), in a fixed order. */
    public static List<Path> photos() {
        List<Path> photos = new ArrayList<>();
        for (String name :
                List.of(
                        "astronaut.png",
                        "chelsea.png",
                        "coffee.png",
                        "rocket.jpg",
                        "motorcycle_left.png",
                        "hubble_deep_field.jpg",
                        "retina.jpg",
                        "ihc.png",
                        "camera.png",
                        "coins.png",
                        "moon.png",
                        "brick.png")) {
            photos.add(SKIMAGE.resolve(name));
        }
        photos.add(SKLEARN.resolve("china.jpg"));
        photos.add(SKLEARN.resolve("flower.jpg"));
        for (String name :
                List.of(
                        "dog.jpg",
                        "eagle.jpg",
                        "giraffe.jpg",
                        "horses.jpg",
                        "kite.jpg",
                        "person.jpg",
                        "scream.jpg")) {
            photos.add(DARKNET.resolve(name));
        }
        for (Path p : photos) requireFile(p);
        return photos;
    }

    /** Every clip-art PNG under {@code openclipart/png}, sorted by path. */
    public static List<Path> clipArt() {
        requireFile(OPENCLIPART);
        try (Stream<Path> files = Files.walk(OPENCLIPART)) {
            return files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code count} clip-art files spread evenly over the sorted list (so over all categories). */
    public static List<Path> clipArtSample(int count) {
        List<Path> all = clipArt();
        List<Path> sample = new ArrayList<>(count);
        for (int i = 0; i < count && i < all.size(); i++)
            sample.add(all.get((int) ((long) i * all.size() / count)));
        return sample;
    }

    /** Clip art larger than this many pixels is passed over by {@link #clipArtProducts}. */
    private static final long MAX_CLIP_ART_PIXELS = 8_000_000;

    /**
     * {@code count} clip-art drawings spread over all categories as {@link #clipArtSample} picks
     * them, each read with its transparency and scaled to at most {@code maxSide} pixels; drawings
     * over {@value #MAX_CLIP_ART_PIXELS} pixels (a few are posters of 100+ MP) and unreadable ones
     * are passed over for the next.
     */
    public static List<BufferedImage> clipArtProducts(int count, int maxSide) {
        List<BufferedImage> products = new ArrayList<>(count);
        for (Path file : clipArtSample(count * 2)) {
            if (products.size() == count) break;
            BufferedImage image = readSmall(file);
            if (image != null) products.add(fitKeepingAlpha(image, maxSide));
        }
        return products;
    }

    private static BufferedImage readSmall(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) return null;
            ImageReader reader = readers.next();
            try {
                reader.setInput(in);
                if ((long) reader.getWidth(0) * reader.getHeight(0) > MAX_CLIP_ART_PIXELS)
                    return null;
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            return null;
        }
    }

    private static BufferedImage fitKeepingAlpha(BufferedImage image, int maxSide) {
        int longer = Math.max(image.getWidth(), image.getHeight());
        double scale = Math.min(1, (double) maxSide / longer);
        int w = Math.max(1, (int) Math.round(image.getWidth() * scale));
        int h = Math.max(1, (int) Math.round(image.getHeight() * scale));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(image.getScaledInstance(w, h, Image.SCALE_AREA_AVERAGING), 0, 0, null);
        g.dispose();
        return out;
    }

    /** A Fashion-MNIST split: 28×28 grey images (row-major, 0..255) and their labels. */
    public record FashionMnist(byte[][] images, int[] labels) {
        public int size() {
            return labels.length;
        }
    }

    /** Reads {@code train} or {@code t10k}, the first {@code limit} items. */
    public static FashionMnist fashionMnist(String split, int limit) {
        Path images = FASHION_MNIST.resolve(split + "-images-idx3-ubyte.gz");
        Path labels = FASHION_MNIST.resolve(split + "-labels-idx1-ubyte.gz");
        requireFile(images);
        requireFile(labels);
        try (DataInputStream in = gz(images);
                DataInputStream lin = gz(labels)) {
            if (in.readInt() != 2051 || lin.readInt() != 2049)
                throw new IOException("not an IDX file");
            int n = Math.min(limit, in.readInt());
            lin.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            byte[][] pixels = new byte[n][rows * cols];
            int[] label = new int[n];
            for (int i = 0; i < n; i++) {
                in.readFully(pixels[i]);
                label[i] = lin.readUnsignedByte();
            }
            return new FashionMnist(pixels, label);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read Fashion-MNIST from " + FASHION_MNIST + ": " + e.getMessage(), e);
        }
    }

    /**
     * One Fashion-MNIST image ({@link FashionMnist#images()}) as a grey image {@code side} pixels
     * square, bicubic when enlarged.
     */
    public static BufferedImage fashionImage(byte[] pixels, int side) {
        BufferedImage grey =
                new BufferedImage(FASHION_SIDE, FASHION_SIDE, BufferedImage.TYPE_BYTE_GRAY);
        System.arraycopy(
                pixels,
                0,
                ((DataBufferByte) grey.getRaster().getDataBuffer()).getData(),
                0,
                pixels.length);
        if (side == FASHION_SIDE) return grey;
        BufferedImage scaled = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = scaled.createGraphics();
        g.setRenderingHint(
                RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        g.drawImage(grey, 0, 0, side, side, null);
        g.dispose();
        return scaled;
    }

    private static DataInputStream gz(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        return new DataInputStream(
                new java.io.BufferedInputStream(new GZIPInputStream(raw, 1 << 16)));
    }

    private static void requireFile(Path p) {
        if (!Files.exists(p))
            throw new IllegalStateException(
                    p + " is missing: it comes from a Debian package" + INSTALL_HINT);
    }
}
