package dev.prodlens.core.live;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bytes of an update: round trips, one encoding per update, and what is refused. */
class UpdateCodecTest {
    private static final String SHA = "ab".repeat(32);

    private static Update.Upsert upsert(String id, Map<String, String> fields) {
        return new Update.Upsert(
                id, fields, "live/images/" + SHA + ".jpg", SHA, "fp-1", new float[] {0.6f, -0.8f});
    }

    private static final List<Update> SAMPLES =
            List.of(
                    upsert("p1", Map.of("title", "Red mug – ceramic", "price", "12.50")),
                    upsert("ünïcødé id", Map.of()),
                    new Update.MetadataChange("p1", Map.of("price", "9.99", "category", "")),
                    new Update.Delete("p1"));

    @Test
    void everyKindRoundTrips() {
        for (Update update : SAMPLES) {
            assertEquals(update, UpdateCodec.decode(7, UpdateCodec.encode(update)));
        }
    }

    @Test
    void anUpdateHasOneEncodingWhateverTheOrderItsFieldsCameIn() {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        assertArrayEquals(UpdateCodec.encode(upsert("p", ab)), UpdateCodec.encode(upsert("p", ba)));
    }

    @Test
    void aNewerFormatIsRefusedByItsVersion() {
        byte[] bytes = UpdateCodec.encode(new Update.Delete("p1"));
        bytes[0] = (byte) (UpdateCodec.VERSION + 1);
        UpdateLogException e =
                assertThrows(UpdateLogException.class, () -> UpdateCodec.decode(42, bytes));
        assertEquals(
                "update at log position 42 has format 2, this prodlens reads format 1; upgrade"
                        + " prodlens on this replica",
                e.getMessage());
    }

    @Test
    void everyCutOfAnUpdateAndTrailingBytesAreRefusedInOneLine() {
        for (Update update : SAMPLES) {
            byte[] whole = UpdateCodec.encode(update);
            for (int length = 0; length < whole.length; length++) {
                byte[] cut = Arrays.copyOf(whole, length);
                UpdateLogException e =
                        assertThrows(
                                UpdateLogException.class,
                                () -> UpdateCodec.decode(3, cut),
                                update + " cut at " + length);
                assertTrue(e.getMessage().startsWith("the record at log position 3 is not"));
            }
            byte[] longer = Arrays.copyOf(whole, whole.length + 1);
            assertThrows(UpdateLogException.class, () -> UpdateCodec.decode(3, longer));
        }
    }

    @Test
    void randomBytesDecodeToAnUpdateOrAreRefusedNeverAnythingElse() {
        Random random = new Random(17);
        int refused = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(64)];
            random.nextBytes(bytes);
            if (bytes.length > 1 && random.nextBoolean()) {
                bytes[0] = UpdateCodec.VERSION; // get past the version, into the kinds
                bytes[1] = (byte) (1 + random.nextInt(3));
            }
            try {
                UpdateCodec.decode(i, bytes);
            } catch (UpdateLogException e) {
                refused++;
            }
        }
        assertTrue(refused > 19_000, refused + " of 20000 random records refused");
    }

    @Test
    void theBoundsHoldWhenAnUpdateIsMade() {
        assertThrows(IllegalArgumentException.class, () -> new Update.Delete(" "));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Update.Delete("x".repeat(UpdateCodec.MAX_ID_BYTES + 1)));
        Map<String, String> many = new TreeMap<>();
        for (int i = 0; i <= UpdateCodec.MAX_FIELDS; i++) many.put("f" + i, "v");
        assertTrue(
                assertThrows(IllegalArgumentException.class, () -> upsert("p", many))
                        .getMessage()
                        .contains("over the 64 allowed"));
        assertThrows(
                IllegalArgumentException.class,
                () -> upsert("p", Map.of("title", "t".repeat(UpdateCodec.MAX_TEXT_BYTES + 1))));
        assertThrows(
                IllegalArgumentException.class, () -> new Update.MetadataChange("p", Map.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Update.Upsert("p", Map.of(), "ref", "AB".repeat(32), "fp", new float[1]));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Update.Upsert("p", Map.of(), "ref", SHA, "fp", new float[] {Float.NaN}));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Update.Upsert("p", Map.of(), "ref", SHA, "fp", new float[0]));
    }

    @Test
    void anUpsertKeepsItsOwnCopyOfTheVector() {
        float[] vector = {1f, 0f};
        Update.Upsert u = new Update.Upsert("p", Map.of(), "ref", SHA, "fp", vector);
        vector[0] = 5f;
        u.vector()[1] = 5f;
        assertArrayEquals(new float[] {1f, 0f}, u.vector());
    }

    @Test
    void updatesGoThroughTheLocalLogAndComeBackEqual(@TempDir Path dir) {
        List<Update> back = new ArrayList<>();
        try (UpdateLog log = new LocalUpdateLog(dir, 1 << 20, 1 << 16)) {
            for (Update update : SAMPLES) log.append(UpdateCodec.encode(update));
            log.read(0, (position, record) -> back.add(UpdateCodec.decode(position, record)));
        }
        assertEquals(SAMPLES, back);
    }
}
