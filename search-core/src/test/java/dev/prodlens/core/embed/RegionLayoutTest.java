package dev.prodlens.core.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RegionLayoutTest {
    @Test
    void theDefaultLayoutIsThirteenSquareCropsInsideTheImage() {
        RegionLayout layout = RegionLayout.parse("0.75:2,0.5:3");
        assertEquals(13, layout.count());
        for (int[] size : new int[][] {{640, 480}, {480, 640}, {300, 300}, {5000, 40}, {1, 1}}) {
            List<ImageRegion> regions = layout.regionsOf(size[0], size[1]);
            assertEquals(13, regions.size(), "the count never depends on the image");
            for (ImageRegion r : regions) {
                assertTrue(
                        r.x() + r.width() <= size[0] && r.y() + r.height() <= size[1],
                        r.toString());
                assertEquals(r.width(), r.height(), "square: the centre crop keeps it all");
            }
        }
    }

    @Test
    void cropsSpanTheImageFromEdgeToEdge() {
        List<ImageRegion> regions = RegionLayout.parse("0.5:3").regionsOf(400, 400);
        assertEquals(new ImageRegion(0, 0, 200, 200), regions.get(0));
        assertEquals(new ImageRegion(100, 100, 200, 200), regions.get(4));
        assertEquals(new ImageRegion(200, 200, 200, 200), regions.get(8));
    }

    @Test
    void badLayoutsAreRefusedWithWhatToWrite() {
        for (String bad : List.of("", "0.5", "2:2", "0.5:0", "half:2", "0.5:3;0.7:2")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> RegionLayout.parse(bad));
            assertTrue(e.getMessage().contains("0.75:2,0.5:3"), e.getMessage());
        }
        IllegalArgumentException tooMany =
                assertThrows(
                        IllegalArgumentException.class, () -> RegionLayout.parse("0.5:5,0.4:3"));
        assertTrue(tooMany.getMessage().contains("at most 32"), tooMany.getMessage());
    }
}
