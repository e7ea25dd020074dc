package dev.prodlens.jobs.embed;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;

/**
 * Reading catalogue images (in the executors, and for report thumbnails) from any Hadoop file
 * system, and naming their content.
 */
public final class ImageFiles {
    private static final int HASH_BUFFER = 1 << 16;

    private ImageFiles() {}

    /**
     * The file's bytes; a file over {@code maxBytes} is read only up to one byte past the cap, so
     * the Embedder refuses it without the executor holding a huge file.
     */
    public static byte[] read(String path, long maxBytes, Configuration hadoop) throws IOException {
        if (path == null || path.isBlank()) throw new FileNotFoundException("no image path");
        Path file;
        try {
            file = new Path(path);
        } catch (IllegalArgumentException e) {
            throw new FileNotFoundException("not a valid path: " + e.getMessage());
        }
        FileSystem fs = file.getFileSystem(hadoop);
        FileStatus status = fs.getFileStatus(file);
        if (status.isDirectory()) throw new IOException("it is a directory");
        int length = (int) Math.min(status.getLen(), maxBytes + 1);
        byte[] bytes = new byte[length];
        try (FSDataInputStream in = fs.open(file)) {
            in.readFully(0, bytes);
        }
        return bytes;
    }

    /**
     * The sha256 of the file's content, streamed (the file is not held in memory); empty when the
     * file cannot be read or is over {@code maxBytes} (the embed pass then records why).
     */
    static java.util.Optional<String> sha256(String path, long maxBytes, Configuration hadoop) {
        try {
            Path file = new Path(path);
            FileSystem fs = file.getFileSystem(hadoop);
            FileStatus status = fs.getFileStatus(file);
            if (status.isDirectory() || status.getLen() > maxBytes)
                return java.util.Optional.empty();
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[HASH_BUFFER];
            try (FSDataInputStream in = fs.open(file)) {
                for (int n; (n = in.read(buffer)) > 0; ) digest.update(buffer, 0, n);
            }
            return java.util.Optional.of(HexFormat.of().formatHex(digest.digest()));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            return java.util.Optional.empty();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether {@code bytes} is the whole file or a prefix cut at the cap (whose hash would
     * mislead).
     */
    static boolean complete(byte[] bytes, long maxBytes) {
        return bytes.length <= maxBytes;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The message of a file that is no image format the decoder knows. It never quotes the file,
     * which may be any file the catalogue names (the decoder's own message quotes a text file's
     * first line, which is right for an upload and wrong for a file of the machine).
     */
    static String unrecognised(String path) {
        return UNRECOGNISED_BEFORE + path + UNRECOGNISED_AFTER;
    }

    /** {@link #unrecognised(String)} as a column of {@code path}. */
    static Column unrecognised(Column path) {
        return concat(lit(UNRECOGNISED_BEFORE), path, lit(UNRECOGNISED_AFTER));
    }

    private static final String UNRECOGNISED_BEFORE = "image ";
    private static final String UNRECOGNISED_AFTER =
            " is not JPEG, PNG, WebP, GIF or BMP; convert it, or fix the catalogue's"
                    + " image reference";

    /** The message of a row whose image could not be read. */
    static String unreadable(String path, Exception e) {
        return "cannot read image "
                + path
                + " ("
                + e.getMessage()
                + "); check the catalogue's image column and catalogue.images-root";
    }
}
