package dev.prodlens.jobs;

import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Small catalogues of real photos (Debian's, see {@link OfflineImages}) for the job tests. */
public final class TestCatalogue {
    /** The id of the row whose image does not exist, when {@link #write} adds one. */
    public static final String MISSING_ITEM = "item-missing";

    private TestCatalogue() {}

    /**
     * Copies the first {@code photos} photos to {@code dir/images/} and writes {@code
     * dir/catalogue.csv} ({@code posting_id,image,title,label_group}, image paths relative to the
     * catalogue) with ids {@code item-00, item-01, ...}, three label groups, and, when {@code
     * withMissingImage}, one more row {@value #MISSING_ITEM} naming an image that does not exist.
     */
    public static Path write(Path dir, int photos, boolean withMissingImage) {
        List<Path> sources = OfflineImages.photos();
        if (photos > sources.size())
            throw new IllegalArgumentException("at most " + sources.size() + " photos");
        try {
            Path images = Files.createDirectories(dir.resolve("images"));
            StringBuilder csv = new StringBuilder("posting_id,image,title,label_group\n");
            for (int i = 0; i < photos; i++) {
                Path source = sources.get(i);
                String name = String.format("photo-%02d-%s", i, source.getFileName());
                Files.copy(source, images.resolve(name));
                csv.append(
                        String.format(
                                "item-%02d,images/%s,photo %d,group-%d%n", i, name, i, i % 3));
            }
            if (withMissingImage)
                csv.append(MISSING_ITEM)
                        .append(",images/no-such-photo.jpg,missing photo,group-0\n");
            return Files.writeString(dir.resolve("catalogue.csv"), csv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
