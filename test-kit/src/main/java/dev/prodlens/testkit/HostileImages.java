package dev.prodlens.testkit;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The hostile image corpus of issue 15, made by the tests themselves: small files that declare or
 * demand far more than they weigh. Each maker says which finding it reproduces.
 *
 * <p>Most are built here byte by byte. Two need an encoder Java lacks, from Debian's packages:
 * libjpeg-turbo's {@code cjpeg} with a scan script (package libjpeg-turbo-progs) for a legal
 * progressive JPEG of many scans, and Pillow (package python3-pil, for {@code /usr/bin/python3})
 * for WebP. Those are cached in {@code ~/.cache/prodlens/hostile-images} (they are deterministic),
 * written under a temporary name and renamed into place.
 */
public final class HostileImages {
    private static final byte[] SOI = {(byte) 0xFF, (byte) 0xD8};
    private static final int SOS = 0xDA;
    private static final int EOI = 0xD9;
    private static final long TOOL_TIMEOUT_MINUTES = 5;

    private HostileImages() {}

    /**
     * Finding 3: a progressive JPEG whose scans (its last scan repeated up to {@code scans}) hide
     * behind {@code FF E0 00 00} after SOI: an APP0 with a length of 0, which libjpeg reads past
     * but a marker walk that stops at a bad length would take for the end.
     */
    public static byte[] hiddenScansJpeg(int scans) {
        return withHeaderAfterSoi(
                repeatedScans(scans), new byte[] {(byte) 0xFF, (byte) 0xE0, 0, 0});
    }

    /**
     * The same scans behind {@code FF 00 40 00}: libjpeg skips {@code FF 00} as stray bytes
     * (outside entropy data it is no marker), a walk that took it for a segment would skip 16 KB.
     */
    public static byte[] stuffedZeroScansJpeg(int scans) {
        return withHeaderAfterSoi(repeatedScans(scans), new byte[] {(byte) 0xFF, 0x00, 0x40, 0x00});
    }

    /**
     * A small progressive JPEG (64x48, the JDK's default progression) whose frame header declares
     * {@code side x side}: what a multi-scan JPEG of that size costs is judged from the header
     * alone, so it is refused before its (too short) data is read.
     */
    public static byte[] declaredHugeProgressiveJpeg(int side) {
        byte[] jpeg = progressiveJpeg(64, 48);
        int sof = indexOf(jpeg, new byte[] {(byte) 0xFF, (byte) 0xC2});
        putBigEndian16(jpeg, sof + 5, side);
        putBigEndian16(jpeg, sof + 7, side);
        return jpeg;
    }

    /**
     * Finding 4: a legal progressive JPEG, {@code side x side}, 4:4:4, of {@code scans} scans (one
     * DC scan, then one AC band per scan), of one flat colour: libjpeg keeps 6 bytes per pixel of
     * coefficients and passes over them once per scan (7000 and 99: 297 KB, 294 MB of
     * coefficients).
     */
    public static byte[] heavyProgressiveJpeg(int side, int scans) {
        return cached(
                "progressive-" + side + "-" + scans + ".jpg",
                file -> {
                    Path script = Files.createTempFile("scans", ".txt");
                    Path ppm = Files.createTempFile("flat", ".ppm");
                    try {
                        Files.writeString(script, scanScript(scans));
                        writeFlatPpm(ppm, side);
                        run(
                                List.of(
                                        "cjpeg",
                                        "-sample",
                                        "1x1",
                                        "-scans",
                                        script.toString(),
                                        "-outfile",
                                        file.toString(),
                                        ppm.toString()),
                                "cjpeg (Debian package libjpeg-turbo-progs)");
                    } finally {
                        Files.deleteIfExists(script);
                        Files.deleteIfExists(ppm);
                    }
                });
    }

    /** Finding 1: a lossy WebP of {@code side x side}, one flat colour (7000: about 90 KB). */
    public static byte[] lossyWebp(int side) {
        return pillowWebp(side, "quality=80", "lossy");
    }

    /** Finding 2: a lossless WebP of {@code side x side}, one flat colour (7000: about 2 KB). */
    public static byte[] losslessWebp(int side) {
        return pillowWebp(side, "lossless=True", "lossless");
    }

    /**
     * A PNG of {@code side x side} grey pixels whose rows are all zero bytes, deflated: 7000 makes
     * 147 MB of rows in about 150 KB.
     */
    public static byte[] pngBomb(int side) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        ByteBuffer header =
                ByteBuffer.allocate(13)
                        .putInt(side)
                        .putInt(side)
                        .put((byte) 8)
                        .put((byte) 2)
                        .put((byte) 0)
                        .put((byte) 0)
                        .put((byte) 0);
        chunk(png, "IHDR", header.array());
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        try (OutputStream z =
                new DeflaterOutputStream(idat, new Deflater(Deflater.BEST_COMPRESSION))) {
            byte[] row = new byte[1 + 3 * side]; // filter type 0, then RGB
            for (int y = 0; y < side; y++) {
                z.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chunk(png, "IDAT", idat.toByteArray());
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    /** A progressive JPEG of a few coloured squares, through the JDK's writer. */
    public static byte[] progressiveJpeg(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLUE);
        g.fillRect(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /**
     * The scans of a small progressive JPEG, the last one repeated until there are {@code scans}.
     */
    private static byte[] repeatedScans(int scans) {
        byte[] jpeg = progressiveJpeg(16, 16);
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == SOS) {
                starts.add(i);
            }
        }
        int last = starts.get(starts.size() - 1);
        int end = jpeg.length - 2; // before EOI
        if ((jpeg[end] & 0xFF) != 0xFF || (jpeg[end + 1] & 0xFF) != EOI) {
            throw new IllegalStateException("the JDK's JPEG writer ended without EOI");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, end);
        for (int i = starts.size(); i < scans; i++) {
            out.write(jpeg, last, end - last);
        }
        out.write(jpeg, end, 2);
        return out.toByteArray();
    }

    private static byte[] withHeaderAfterSoi(byte[] jpeg, byte[] inserted) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SOI);
        out.writeBytes(inserted);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /**
     * DC of all three components, then each AC coefficient of Y in its own scan, then Cb and Cr's
     * AC in bands.
     */
    private static String scanScript(int scans) {
        if (scans < 4 || scans > 190) {
            throw new IllegalArgumentException("scans must be in [4, 190], got " + scans);
        }
        List<String> lines = new ArrayList<>();
        lines.add("0,1,2: 0-0, 0, 0;");
        int left = scans - 1 - 2; // the two last lines: the rest of Cb and of Cr
        int lumaScans = Math.min(63, left);
        for (int k = 1; k <= lumaScans; k++) {
            lines.add("0: " + k + "-" + k + ", 0, 0;");
        }
        if (lumaScans < 63) {
            throw new IllegalArgumentException(
                    "at least 66 scans cover every coefficient; got " + scans);
        }
        left -= lumaScans;
        int chromaEach = left / 2;
        for (int c = 1; c <= 2; c++) {
            int bands = c == 1 ? chromaEach : left - chromaEach;
            for (int k = 1; k <= bands; k++) {
                lines.add(c + ": " + k + "-" + k + ", 0, 0;");
            }
            lines.add(c + ": " + (bands + 1) + "-63, 0, 0;");
        }
        return String.join("\n", lines) + "\n";
    }

    private static void writeFlatPpm(Path ppm, int side) throws IOException {
        try (OutputStream out = Files.newOutputStream(ppm)) {
            out.write(("P6\n" + side + " " + side + "\n255\n").getBytes(StandardCharsets.US_ASCII));
            byte[] row = new byte[3 * side];
            for (int x = 0; x < side; x++) {
                row[3 * x] = (byte) 200;
                row[3 * x + 1] = 100;
                row[3 * x + 2] = 50;
            }
            for (int y = 0; y < side; y++) {
                out.write(row);
            }
        }
    }

    private static byte[] pillowWebp(int side, String options, String kind) {
        return cached(
                kind + "-" + side + ".webp",
                file ->
                        run(
                                List.of(
                                        "/usr/bin/python3",
                                        "-c",
                                        "import sys\nfrom PIL import Image\n"
                                                + "Image.new('RGB', ("
                                                + side
                                                + ", "
                                                + side
                                                + "), (200, 100, 50)).save(sys.argv[1], 'WEBP', "
                                                + options
                                                + ")\n",
                                        file.toString()),
                                "Pillow (Debian package python3-pil)"));
    }

    /** What makes a cached file: writes it at the path it is given. */
    @FunctionalInterface
    private interface Maker {
        void make(Path file) throws IOException;
    }

    private static synchronized byte[] cached(String name, Maker maker) {
        Path dir = cacheDir();
        Path file = dir.resolve(name);
        try {
            if (!Files.isRegularFile(file)) {
                Files.createDirectories(dir);
                Path partial = Files.createTempFile(dir, name, ".part");
                try {
                    maker.make(partial);
                    Files.move(
                            partial,
                            file,
                            StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(partial);
                }
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("making " + file + ": " + e.getMessage(), e);
        }
    }

    private static Path cacheDir() {
        String cache = System.getenv("PRODLENS_CACHE");
        if (cache == null || cache.isBlank()) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base =
                    xdg == null || xdg.isBlank()
                            ? Path.of(System.getProperty("user.home"), ".cache")
                            : Path.of(xdg);
            return base.resolve("prodlens").resolve("hostile-images");
        }
        return Path.of(cache).resolve("hostile-images");
    }

    private static void run(List<String> command, String tool) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(
                    command.get(0) + " cannot run: install " + tool + " (make deps)", e);
        }
        try {
            String output =
                    new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(TOOL_TIMEOUT_MINUTES, TimeUnit.MINUTES)
                    || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(command.get(0) + " failed (" + tool + "): " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        png.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        png.writeBytes(name);
        png.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** Where {@code pattern} first occurs in {@code bytes}. */
    public static int indexOf(byte[] bytes, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= bytes.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (bytes[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("pattern not found");
    }

    private static void putBigEndian16(byte[] bytes, int offset, int value) {
        bytes[offset] = (byte) (value >> 8);
        bytes[offset + 1] = (byte) value;
    }
}
