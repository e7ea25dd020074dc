package dev.prodlens.jobs.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/**
 * Image references: resolved under the root without climbing out of it, stored relative to it when
 * under it.
 */
class ImageRefsTest {
    private static final String ROOT = "/data/shop/images";

    @Test
    void relativeReferencesResolveUnderTheRootAndNeverAbove() {
        assertEquals(ROOT + "/a/b.jpg", ImageRefs.resolve(ROOT, "a/./b.jpg"));
        assertEquals(ROOT + "/b.jpg", ImageRefs.resolve(ROOT, "a//../b.jpg"));
        assertNull(ImageRefs.resolve(ROOT, "../secret.txt"));
        assertNull(ImageRefs.resolve(ROOT, "a/../../../../etc/passwd"));
        assertNull(ImageRefs.resolve(ROOT, ".."));
        assertNull(ImageRefs.resolve(ROOT, " "));
        assertEquals(
                "/etc/passwd",
                ImageRefs.resolve(ROOT, "/etc/passwd"),
                "an absolute path is the catalogue's choice");
        assertEquals("s3a://bucket/x.jpg", ImageRefs.resolve(ROOT, "s3a://bucket/x.jpg"));
        assertEquals("hdfs://nn/img/a.jpg", ImageRefs.resolve("hdfs://nn/img/", "a.jpg"));
    }

    @Test
    void bundlesStoreImagesUnderTheRootRelativeToIt() {
        assertEquals("a/b.jpg", ImageRefs.bundleRef(ROOT, ROOT + "/a/b.jpg"));
        assertEquals("/data/shop/other/b.jpg", ImageRefs.bundleRef(ROOT, "/data/shop/other/b.jpg"));
        assertEquals(
                "/data/shop/images-old/b.jpg",
                ImageRefs.bundleRef(ROOT, "/data/shop/images-old/b.jpg"),
                "a sibling, not under");
        assertEquals(
                ROOT + "/../x.jpg",
                ImageRefs.bundleRef(ROOT, ROOT + "/../x.jpg"),
                "climbs out: kept as written");
        assertEquals("s3a://bucket/x.jpg", ImageRefs.bundleRef(ROOT, "s3a://bucket/x.jpg"));
        // what a bundle stores resolves back to the same file against the same root, and under
        // another root once moved
        assertEquals(
                ROOT + "/a/b.jpg",
                ImageRefs.resolve(ROOT, ImageRefs.bundleRef(ROOT, ROOT + "/a/b.jpg")));
        assertEquals(
                "/srv/images/a/b.jpg",
                ImageRefs.resolve("/srv/images", ImageRefs.bundleRef(ROOT, ROOT + "/a/b.jpg")));
    }

    @Test
    void theRootIsTheConfiguredOneElseTheCataloguesDirectory() {
        assertEquals(ROOT, ImageRefs.root(ROOT + "/", "/data/shop/catalogue.csv"));
        assertEquals("/data/shop", ImageRefs.root(null, "/data/shop/catalogue.csv"));
        assertEquals("/data/shop", ImageRefs.root(" ", "/data/shop/catalogue.csv"));
    }
}
