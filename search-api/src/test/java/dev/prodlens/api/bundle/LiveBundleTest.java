package dev.prodlens.api.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.api.TestBundle;
import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.faiss.SearchOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live bundle searches at the manifest's tuned parameters, read as one ParameterSpace string by
 * {@link SearchOptions#parse}; a bundle whose string that parser refuses is refused with one line.
 */
class LiveBundleTest {
    @TempDir static Path tmp;
    private static Path version;
    private static ModelCard model;
    private static BundleManifest published;

    @BeforeAll
    static void publish() {
        version = TestBundle.publish(tmp, 3, null);
        model = ModelCard.read(TestBundle.embedderConfig(null).modelDir());
        published = Bundles.readManifest(version);
    }

    private static void withSearchParameters(String parameters) {
        BundleManifest m = published;
        BundleManifest.Index i = m.index();
        Bundles.writeManifest(
                version,
                new BundleManifest(
                        m.formatVersion(),
                        m.version(),
                        m.createdAt(),
                        m.model(),
                        new BundleManifest.Index(
                                i.factory(),
                                i.choice(),
                                i.metric(),
                                i.ntotal(),
                                parameters,
                                i.buildSeconds(),
                                i.recall(),
                                i.recallK(),
                                i.recallQueries(),
                                i.targetRecall(),
                                i.memoryBytes()),
                        m.catalogue()));
    }

    @Test
    void searchesAtTheManifestsParametersOnOneThread() {
        withSearchParameters("efSearch=48,k_factor_rf=2");
        LiveBundle live = LiveBundle.load(version, model);
        try {
            assertEquals(
                    SearchOptions.DEFAULT.withEfSearch(48).withRefineFactor(2).withThreads(1),
                    live.searchOptions());
        } finally {
            live.release();
        }
        withSearchParameters("");
        live = LiveBundle.load(version, model);
        try {
            assertEquals(SearchOptions.DEFAULT.withThreads(1), live.searchOptions());
        } finally {
            live.release();
        }
    }

    @Test
    void unknownParametersRefuseTheBundleWithOneLine() {
        withSearchParameters("nprobe=4,nprobes=8");
        BundleException e =
                assertThrows(BundleException.class, () -> LiveBundle.load(version, model));
        assertTrue(
                e.getMessage().contains("search parameters 'nprobe=4,nprobes=8': unknown name"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
