package dev.prodlens.core.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.faiss.SearchOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bundle formats: this program reads format 1 (absolute images), 2 (images relative to the root)
 * and 3 (search parameters as one ParameterSpace string instead of a map), and refuses newer ones.
 */
class BundlesTest {
    @TempDir Path tmp;

    private Path manifest(int format) throws IOException {
        return manifest(format, format < 3 ? "\"search\": {}" : "\"search_parameters\": \"\"");
    }

    /** A manifest of {@code format} whose index has {@code search} (its search parameters). */
    private Path manifest(int format, String search) throws IOException {
        Path bundle = Files.createTempDirectory(tmp, "v" + format);
        Files.writeString(
                bundle.resolve(BundleFiles.MANIFEST),
                """
                {"format_version": %d, "version": "v", "created_at": "2025-01-01T00:00:00Z",
                 "model": {"id": "m", "fingerprint": "f", "dim": 4, "engine": "ONNX_RUNTIME", "card": {}},
                 "index": {"factory": "Flat", "choice": "auto", "metric": "inner_product", "ntotal": 1, %s,
                           "build_seconds": 1.0, "recall": 1.0, "recall_k": 1, "recall_queries": 1, "target_recall": 0.95,
                           "memory_bytes": 16},
                 "catalogue": {"name": "shop", "source": "/data/shop.csv", "rows": 2, "indexed": 1, "failed": {"MISSING_FILE": 1}}}
                """
                        .formatted(format, search));
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
    void theSearchMapOfFormats1And2IsReadAsOneParameterString() throws IOException {
        assertEquals("", Bundles.readManifest(manifest(2)).index().searchParameters());
        assertEquals(
                "",
                Bundles.readManifest(manifest(2, "\"unrelated\": 1")).index().searchParameters(),
                "no map: the index's own settings");
        BundleManifest m = Bundles.readManifest(manifest(2, "\"search\": {\"nprobe\": 16}"));
        assertEquals("nprobe=16", m.index().searchParameters());
        assertEquals(SearchOptions.DEFAULT.withNprobe(16), m.index().searchOptions());
        assertEquals(
                "efSearch=64",
                Bundles.readManifest(manifest(1, "\"search\": {\"efSearch\": 64}"))
                        .index()
                        .searchParameters());
    }

    @Test
    void format3KeepsTheParameterString() throws IOException {
        Path bundle = manifest(3, "\"search_parameters\": \"nprobe=8,k_factor_rf=2\"");
        BundleManifest m = Bundles.readManifest(bundle);
        assertEquals("nprobe=8,k_factor_rf=2", m.index().searchParameters());
        Bundles.writeManifest(bundle, m);
        assertEquals(m, Bundles.readManifest(bundle));
        assertTrue(
                Files.readString(bundle.resolve(BundleFiles.MANIFEST))
                        .contains("\"search_parameters\": \"nprobe=8,k_factor_rf=2\""));
    }

    @Test
    void badSearchParametersAreRefusedWithOneLineNamingThem() throws IOException {
        for (String search :
                List.of(
                        "\"search_parameters\": \"nprobe=8,bogus=1\"",
                        "\"search\": {\"bogus\": 1}")) {
            BundleException e =
                    assertThrows(
                            BundleException.class,
                            () ->
                                    Bundles.readManifest(
                                            manifest(search.contains("{") ? 2 : 3, search)));
            assertTrue(e.getMessage().contains("unknown name 'bogus'"), e.getMessage());
            assertTrue(e.getMessage().contains("search parameters '"), e.getMessage());
            assertTrue(e.getMessage().endsWith("; rebuild the bundle"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        BundleException missing =
                assertThrows(
                        BundleException.class,
                        () -> Bundles.readManifest(manifest(3, "\"unrelated\": 1")));
        assertTrue(
                missing.getMessage().contains("index.search_parameters missing"),
                missing.getMessage());
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
