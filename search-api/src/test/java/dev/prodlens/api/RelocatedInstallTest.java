package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bundle stores images relative to the images root, so an install copied elsewhere serves its
 * item images there.
 */
class RelocatedInstallTest {
    @TempDir Path tmp;

    @Test
    void aCopiedInstallServesItsItemImages() throws IOException {
        Path original = tmp.resolve("original");
        Path bundle = TestBundle.publish(original, 3, null);
        assertFalse(
                Files.readString(bundle.resolve("items.jsonl")).contains(original.toString()),
                "no absolute image path");
        Path copy = tmp.resolve("copy");
        copyTree(original, copy);
        deleteTree(original); // nothing may point back at the old place
        try (ApiMain.Running service =
                ApiMain.start(TestBundle.args(copy).toArray(String[]::new))) {
            Http http = new Http(service.port());
            List<Path> photos = TestBundle.photos(3);
            for (int i = 0; i < photos.size(); i++) {
                Http.Response image = http.get("/v1/items/item-0" + i + "/image");
                assertEquals(200, image.status(), image.text());
                assertArrayEquals(Files.readAllBytes(photos.get(i)), image.body());
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
