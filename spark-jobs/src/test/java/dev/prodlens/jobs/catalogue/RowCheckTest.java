package dev.prodlens.jobs.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * One row's checks, as pure functions of its text: an error refuses the row, a warning keeps it.
 */
class RowCheckTest {
    private static final RowCheck CHECK = new RowCheck(CatalogueColumns.SHOPEE, "/shop/images");

    private static Row check(String id, String image, String price, String title) {
        return CHECK.check("catalogue.csv", id, image, price, title, null, null);
    }

    private static String field(Row r, String name) {
        return r.getString(RowCheck.RESULT.fieldIndex(name));
    }

    @Test
    void aGoodRowIsReadUnderTheRootAndStoredRelativeToIt() {
        Row r = check("p1", "a/b.jpg", "12.50", "Mug");
        assertEquals("/shop/images/a/b.jpg", field(r, "path"));
        assertEquals("a/b.jpg", field(r, "image_ref"));
        assertEquals(12.5, r.getDouble(RowCheck.RESULT.fieldIndex("price")), 1e-9);
        assertNull(field(r, "error_code"));
        assertNull(field(r, "warning_code"));
    }

    @Test
    void rowsWithoutIdOrImageOrWithAnImageAboveTheRootAreRefused() {
        for (String id : new String[] {null, "", "  \t"}) {
            Row r = check(id, "a.jpg", null, null);
            assertEquals("MISSING_ID", field(r, "error_code"));
            assertEquals(
                    "a row of catalogue.csv has no item id (posting_id is empty; its image: 'a.jpg'): give every row a unique id",
                    field(r, "error"));
            assertNull(field(r, "path"), "a refused row is not read");
        }
        Row noImage = check("p2", " ", null, null);
        assertEquals("MISSING_IMAGE", field(noImage, "error_code"));
        assertEquals(
                "item 'p2' has no image (image is empty): give every row an image path",
                field(noImage, "error"));
        Row above = check("p3", "../../etc/passwd", null, null);
        assertEquals("IMAGE_OUTSIDE_ROOT", field(above, "error_code"));
        assertTrue(
                field(above, "error")
                        .startsWith(
                                "item 'p3''s image '../../etc/passwd' climbs out of the images root"),
                field(above, "error"));
        assertNull(field(above, "path"));
    }

    @Test
    void imagesPastTheCapAreRefusedUnread() {
        RowCheck two = new RowCheck(CatalogueColumns.SHOPEE, "/shop/images", 2);
        Row second = two.check("catalogue.csv", "p1", "b.jpg", 1, null, null, null, null);
        assertNull(field(second, "error_code"), "the second of two is kept");
        Row third = two.check("catalogue.csv", "p1", "c.jpg", 2, "x", null, null, null);
        assertEquals("TOO_MANY_IMAGES", field(third, "error_code"));
        assertEquals(
                "item 'p1''s image 'c.jpg' is its image number 3, over catalogue.max-images = 2;"
                        + " it was not read: raise catalogue.max-images or list fewer images",
                field(third, "error"));
        assertNull(field(third, "path"), "not read");
        assertEquals("INVALID_PRICE", field(third, "warning_code"), "the row's warning is kept");
    }

    @Test
    void aPriceThatIsNotANumberIsAWarningAndNoPrice() {
        for (String bad :
                new String[] {"abc", "12,50", "-3", "$4", "NaN", "Infinity", "1e400", "0x10"}) {
            Row r = check("p1", "a.jpg", bad, null);
            assertNull(field(r, "error_code"), bad + " does not refuse the row");
            assertEquals("INVALID_PRICE", field(r, "warning_code"), bad);
            assertTrue(r.isNullAt(RowCheck.RESULT.fieldIndex("price")), bad);
            assertTrue(
                    field(r, "warning")
                            .startsWith(
                                    "price '"
                                            + bad
                                            + "' (price) is not a plain non-negative number; the item is "
                                            + "indexed without a price"),
                    field(r, "warning"));
        }
        assertEquals(3.0, RowCheck.price(" 3 "), 1e-9);
        assertEquals(1000.0, RowCheck.price("1e3"), 1e-9);
        assertEquals(0.5, RowCheck.price(".5"), 1e-9);
        assertNull(RowCheck.price(""), "no price is no warning");
        assertNull(field(check("p1", "a.jpg", null, null), "warning_code"));
    }

    @Test
    void textThatWasNotUtf8IsAWarningNamingTheColumns() {
        Row r = CHECK.check("catalogue.csv", "p1", "a.jpg", "abc", "Caf\uFFFD", "D\uFFFDcor", null);
        assertNull(field(r, "error_code"));
        assertEquals("INVALID_PRICE,NOT_UTF8", field(r, "warning_code"));
        assertTrue(
                field(r, "warning").contains("; title, category of this row is not UTF-8 text"),
                field(r, "warning"));
    }

    @Test
    void quotedCatalogueTextIsOneShortLine() {
        assertEquals("'a b'", RowCheck.shown("a\nb"));
        assertEquals("'" + "x".repeat(40) + "…'", RowCheck.shown("x".repeat(100)));
        assertEquals(
                "item id 'p1' is on an earlier row too, which is kept (image 'z.jpg' in c.csv); this row (image 'a.jpg') is "
                        + "skipped: make ids unique",
                RowCheck.duplicate("p1", "z.jpg", "c.csv", "a.jpg"));
    }
}
