package dev.prodlens.api.live;

import dev.prodlens.core.image.ImageFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Where the images of items written through the API are kept: under the images root, named by their
 * content's SHA-256 ({@code live-images/ab/ab12….jpg}), so the same image sent twice is stored
 * once, a reference never names two contents, and reindex and the image route read them as they
 * read the catalogue's images (relative to the images root). A file is written under a temporary
 * name, forced to disk, and renamed, and the directory is forced: an image is whole and durable
 * before the log records the change that names it.
 */
public final class ImageStore {
    /** The directory under the images root. */
    public static final String DIRECTORY = "live-images";

    private final Path root;

    /**
     * @param imagesRoot the service's images root
     */
    public ImageStore(Path imagesRoot) {
        this.root = imagesRoot;
    }

    /** An image's SHA-256 as 64 lower-case hex digits. */
    public static String sha256(byte[] image) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Stores the image (once per content) and returns its reference relative to the images root.
     *
     * @param sha256 {@link #sha256} of {@code image}
     * @param format the format sniffed from the content (the file's extension)
     */
    public String store(byte[] image, String sha256, ImageFormat format) {
        String name = sha256 + "." + format.name().toLowerCase(Locale.ROOT);
        String reference = DIRECTORY + "/" + sha256.substring(0, 2) + "/" + name;
        Path file = root.resolve(reference);
        if (Files.isRegularFile(file)) return reference;
        Path dir = file.getParent();
        try {
            Files.createDirectories(dir);
            Path temporary = Files.createTempFile(dir, ".incoming-", ".tmp");
            try {
                try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                    ByteBuffer bytes = ByteBuffer.wrap(image);
                    while (bytes.hasRemaining()) out.write(bytes);
                    out.force(true);
                }
                try {
                    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    if (!Files.isRegularFile(file)) throw e; // else: stored by a concurrent write
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
            return reference;
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot store an item image under " + root.resolve(DIRECTORY) + ": " + e, e);
        }
    }
}
