package dev.prodlens.core.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundle formats: this program reads format 1 (absolute images) and 2 (images relative to the
 * root), and refuses newer ones.
 */
class BundlesTest {
    @TempDir Path tmp;

    private Path manifest(int format) throws IOException {
        Path bundle = Files.createDirectories(tmp.resolve("v" + format));
        Files.writeString(
                bundle.resolve(BundleFiles.MANIFEST),
                """
                {"format_version": %d, "version": "v", "created_at": "2025-01-01T00:00:00Z",
                 "model": {"id": "m", "fingerprint": "f", "dim": 4, "engine": "ONNX_RUNTIME", "card": {}},
                 "index": {"factory": "Flat", "choice": "auto", "metric": "inner_product", "ntotal": 1, "search": {},
                           "build_seconds": 1.0, "recall": 1.0, "recall_k": 1, "recall_queries": 1, "target_recall": 0.95,
                           "memory_bytes": 16},
                 "catalogue": {"name": "shop", "source": "/data/shop.csv", "rows": 2, "indexed": 1, "failed": {"MISSING_FILE": 1}}}
                """
                        .formatted(format));
        return bundle;
    }

    @Test
    void aFormat1BundleStillLoads() throws IOException {
        Path bundle = manifest(1);
        Files.writeString(
                bundle.resolve(BundleFiles.ITEMS),
                "{\"id\":\"p1\",\"title\":\"Mug\",\"image\":\"/data/shop/images/p1.jpg\"}\n");
        BundleManifest m = Bundles.readManifest(bundle);
        assertEquals(1, m.formatVersion());
        assertNull(m.catalogue().warned(), "format 1 had no warnings");
        assertNull(m.catalogue().imagesRoot());
        assertEquals(
                List.of(new BundleItem("p1", "Mug", null, null, "/data/shop/images/p1.jpg", null)),
                Bundles.readItems(bundle));
    }

    @Test
    void aNewerFormatIsRefusedWithOneLine() throws IOException {
        BundleException e =
                assertThrows(
                        BundleException.class,
                        () -> Bundles.readManifest(manifest(BundleManifest.FORMAT_VERSION + 1)));
        assertTrue(
                e.getMessage()
                        .contains(
                                "newer than this program's "
                                        + BundleManifest.FORMAT_VERSION
                                        + "; upgrade prodlens"),
                e.getMessage());
    }
}
