package dev.prodlens.jobs.evaluate;

import dev.prodlens.jobs.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

/**
 * Writes the evaluation report, a directory people open in a browser: {@code index.html} (tables,
 * charts, the worst queries with thumbnails), {@code metrics.json} ({@link MetricsJson}), PNG
 * charts and {@code thumbs/}. Everything is written into a temporary sibling directory and renamed
 * into place, so a reader sees the previous report or the complete new one, never half of one.
 * Thumbnails that cannot be made become placeholders with a note; they never fail the report.
 */
public final class ReportWriter {
    static final String INDEX = "index.html";

    static {
        // charts and thumbnails draw off-screen; Spark drivers and CI have no display
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private final ImageSource images;

    public ReportWriter(ImageSource images) {
        this.images = Objects.requireNonNull(images, "images");
    }

    /**
     * Writes the report of {@code result} (measured on {@code data}) to {@code reportDirectory},
     * replacing a previous report there; returns the path of its index.html.
     */
    public Path write(EvalResult result, EvalData data, Path reportDirectory) {
        Path target = reportDirectory.toAbsolutePath().normalize();
        Path parent = target.getParent();
        Path temp = parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(parent);
            Files.createDirectory(temp);
            MetricsJson.write(result, temp);
            writeCharts(result, temp);
            Thumbnails thumbnails = new Thumbnails(images, data, temp);
            String html =
                    new ReportPage(
                                    result,
                                    thumbnails,
                                    Instant.now().truncatedTo(ChronoUnit.SECONDS),
                                    duplicates(target))
                            .render();
            Files.writeString(temp.resolve(INDEX), html, StandardCharsets.UTF_8);
            replace(temp, target);
            return target.resolve(INDEX);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write the evaluation report to "
                            + target
                            + ": "
                            + e.getMessage()
                            + " (check that the directory is writable and the disk has room)",
                    e);
        } finally {
            FileTrees.deleteQuietly(temp);
        }
    }

    /**
     * What the match job wrote beside the report ({@code ../duplicates/summary.json}, in a bundle
     * reindex made with match on); null when there is none.
     */
    private static com.google.gson.JsonObject duplicates(Path report) throws IOException {
        Path summary =
                report.resolveSibling(dev.prodlens.core.bundle.BundleFiles.DUPLICATES)
                        .resolve("summary.json");
        if (!Files.isRegularFile(summary)) return null;
        return com.google.gson.JsonParser.parseString(Files.readString(summary)).getAsJsonObject();
    }

    private static void writeCharts(EvalResult result, Path directory) throws IOException {
        Charts.recallAtK(result, directory.resolve(Charts.RECALL));
        if (result.exact().shopee() != null) {
            Charts.shopeeF1(result, directory.resolve(Charts.SHOPEE));
        }
        if (!result.exact().retrieval().perCategory().isEmpty()) {
            Charts.categoryRecall(result, directory.resolve(Charts.CATEGORIES));
        }
        Charts.scoreHistogram(result, directory.resolve(Charts.SCORES));
    }

    /**
     * Moves the finished directory into place. A directory cannot be renamed over a non-empty one,
     * so an old report is first renamed aside and deleted after.
     */
    private static void replace(Path finished, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(target, old);
        }
        try {
            Files.move(finished, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(finished, target);
        }
        if (old != null) {
            FileTrees.deleteQuietly(old);
        }
    }
}
