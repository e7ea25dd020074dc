package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.UserError;
import dev.prodlens.testkit.Repo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every misuse ends in a Java exception with a useful message, never a JVM crash. Some cases call
 * the JNI layer directly, bypassing the Java checks, to prove the native checks hold on their own.
 */
class FaissErrorTest {
    static final int D = 8;
    static final float[] ONE = new float[D];

    static <T extends Throwable> T fails(Class<T> type, String fragment, Executable call) {
        T e = assertThrows(type, call);
        assertTrue(
                e.getMessage() != null && e.getMessage().contains(fragment),
                "message '" + e.getMessage() + "' should mention '" + fragment + "'");
        return e;
    }

    static FaissIndex flatWithOne() {
        FaissIndex index = FaissIndex.create(D, "Flat", Metric.L2);
        index.add(ONE, new long[] {1});
        return index;
    }

    /** FaissNative.search with the default options and one-result output arrays. */
    static void nativeSearch(long index, float[] queries, int n, int k) {
        FaissNative.search(index, queries, n, k, 0, 0, 0, 0, 0, new float[1], new long[1]);
    }

    @Test
    void badFactoryStringsCarryFaissMessage() {
        fails(
                IllegalArgumentException.class,
                "could not parse",
                () -> FaissIndex.create(D, "NotAnIndex", Metric.L2));
        // PQ sub-quantizers must divide the dimension: Faiss's own check, reported as such
        fails(
                IllegalArgumentException.class,
                "cannot create index 'PQ3'",
                () -> FaissIndex.create(D, "PQ3", Metric.L2));
        fails(IllegalArgumentException.class, "blank", () -> FaissIndex.create(D, " ", Metric.L2));
        fails(
                IllegalArgumentException.class,
                "dimension",
                () -> FaissIndex.create(0, "Flat", Metric.L2));
        assertThrows(NullPointerException.class, () -> FaissIndex.create(D, null, Metric.L2));
        assertThrows(NullPointerException.class, () -> FaissIndex.create(D, "Flat", null));
    }

    @Test
    void wrongDimensionIsRefused() {
        try (FaissIndex index = flatWithOne()) {
            fails(
                    IllegalArgumentException.class,
                    "not a multiple of the dimension",
                    () -> index.add(new float[D + 1], new long[] {2}));
            fails(
                    IllegalArgumentException.class,
                    "not a multiple of the dimension",
                    () -> index.search(new float[D - 1], 1));
            fails(
                    IllegalArgumentException.class,
                    "one id per vector",
                    () -> index.add(new float[2 * D], new long[] {2}));
            fails(
                    IllegalArgumentException.class,
                    "not a multiple of the dimension",
                    () ->
                            index.search(
                                    direct(D + 3),
                                    1,
                                    SearchOptions.DEFAULT,
                                    direct(1),
                                    directLongs(1)));
        }
        try (FaissIndex a = FaissIndex.create(D, "IVF2,Flat", Metric.L2);
                FaissIndex b = FaissIndex.create(2 * D, "IVF2,Flat", Metric.L2)) {
            fails(IllegalArgumentException.class, "dimensions differ", () -> a.mergeFrom(b));
        }
    }

    @Test
    void untrainedIndexSaysSo() {
        try (FaissIndex index = FaissIndex.create(D, "IVF4,Flat", Metric.L2)) {
            assertTrue(!index.isTrained());
            fails(IllegalStateException.class, "not trained", () -> index.add(ONE, new long[] {1}));
            fails(IllegalStateException.class, "not trained", () -> index.search(ONE, 1));
            fails(IllegalArgumentException.class, "at least one", () -> index.train(new float[0]));
            // fewer training points than centroids: Faiss's own message
            fails(FaissException.class, "training points", () -> index.train(ONE));
        }
    }

    @Test
    void badKIsRefused() {
        try (FaissIndex index = flatWithOne()) {
            fails(IllegalArgumentException.class, "k must be > 0", () -> index.search(ONE, 0));
            fails(IllegalArgumentException.class, "k must be > 0", () -> index.search(ONE, -3));
            fails(
                    IllegalArgumentException.class,
                    "smaller batches",
                    () -> index.search(new float[D * 1000], Integer.MAX_VALUE / 10));
        }
    }

    @Test
    void nullsAreRefused() {
        try (FaissIndex index = flatWithOne()) {
            assertThrows(NullPointerException.class, () -> index.add((float[]) null, new long[0]));
            assertThrows(NullPointerException.class, () -> index.add(ONE, null));
            assertThrows(NullPointerException.class, () -> index.search((float[]) null, 1));
            assertThrows(NullPointerException.class, () -> index.search(ONE, 1, null));
            assertThrows(NullPointerException.class, () -> index.setSearchParameters(null));
            assertThrows(NullPointerException.class, () -> index.remove((long[]) null));
            assertThrows(NullPointerException.class, () -> IdFilter.allowList((long[]) null));
        }
    }

    @Test
    void nativeLayerChecksArgumentsOnItsOwn() {
        try (FaissIndex index = flatWithOne()) {
            index.shared(
                    p -> {
                        fails(
                                IllegalArgumentException.class,
                                "must not be null",
                                () -> nativeSearch(p, null, 1, 1));
                        fails(
                                IllegalArgumentException.class,
                                "shorter",
                                () -> nativeSearch(p, new float[D - 1], 1, 1));
                        fails(
                                IllegalArgumentException.class,
                                "shorter",
                                () -> nativeSearch(p, ONE, 1, 2));
                        fails(
                                IllegalArgumentException.class,
                                "k must be > 0",
                                () -> nativeSearch(p, ONE, 1, 0));
                        fails(
                                IllegalArgumentException.class,
                                "shorter",
                                () -> FaissNative.add(p, ONE, new long[0], 1));
                        fails(
                                IllegalArgumentException.class,
                                "shorter",
                                () -> FaissNative.add(p, new float[D - 1], new long[1], 1));
                        fails(
                                IllegalArgumentException.class,
                                "must not be null",
                                () -> FaissNative.train(p, null, 1));
                        fails(
                                IllegalArgumentException.class,
                                "direct buffer",
                                () ->
                                        FaissNative.addDirect(
                                                p, FloatBuffer.allocate(D), directLongs(1), 1));
                        fails(
                                IllegalArgumentException.class,
                                "too small",
                                () -> FaissNative.addDirect(p, direct(D - 1), directLongs(1), 1));
                        fails(
                                IllegalArgumentException.class,
                                "too small",
                                () ->
                                        FaissNative.searchDirect(
                                                p,
                                                direct(D),
                                                1,
                                                4,
                                                0,
                                                0,
                                                0,
                                                0,
                                                0,
                                                direct(1),
                                                directLongs(4)));
                        fails(
                                IllegalArgumentException.class,
                                "unknown metric",
                                () -> FaissNative.create(D, "Flat", 7));
                        return null;
                    });
        }
        fails(IllegalStateException.class, "closed", () -> FaissNative.ntotal(0));
        fails(IllegalStateException.class, "closed", () -> FaissNative.filterNot(0));
    }

    @Test
    void buffersMustBeDirectAndNativeOrder() {
        try (FaissIndex index = flatWithOne()) {
            fails(
                    IllegalArgumentException.class,
                    "direct",
                    () -> index.add(FloatBuffer.allocate(D), directLongs(1)));
            FloatBuffer bigEndian =
                    ByteBuffer.allocateDirect(D * 4)
                            .order(
                                    ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN
                                            ? ByteOrder.LITTLE_ENDIAN
                                            : ByteOrder.BIG_ENDIAN)
                            .asFloatBuffer();
            fails(
                    IllegalArgumentException.class,
                    "native byte order",
                    () -> index.add(bigEndian, directLongs(1)));
            fails(
                    IllegalArgumentException.class,
                    "fewer than ids",
                    () -> index.add(direct(D), directLongs(2)));
            fails(
                    IllegalArgumentException.class,
                    "n x k",
                    () ->
                            index.search(
                                    direct(D),
                                    5,
                                    SearchOptions.DEFAULT,
                                    direct(4),
                                    directLongs(5)));
        }
    }

    @Test
    void useAfterCloseThrowsInJava() {
        FaissIndex index = flatWithOne();
        index.close();
        index.close(); // idempotent
        fails(IllegalStateException.class, "closed", () -> index.search(ONE, 1));
        fails(IllegalStateException.class, "closed", () -> index.add(ONE, new long[] {3}));
        fails(IllegalStateException.class, "closed", index::size);
        fails(IllegalStateException.class, "closed", index::toBytes);
        assertEquals("FaissIndex(closed)", index.toString());
    }

    @Test
    void badSearchParametersAreRefused() {
        try (FaissIndex index = FaissIndex.create(D, "HNSW8", Metric.L2)) {
            fails(FaissException.class, "nprobe", () -> index.setSearchParameters("nprobe=4"));
            fails(FaissException.class, "bogus", () -> index.setSearchParameters("bogus=1"));
            fails(FaissException.class, "", () -> index.setSearchParameters("efSearch"));
            index.setSearchParameters("efSearch=64");
        }
        fails(IllegalArgumentException.class, ">= 0", () -> SearchOptions.DEFAULT.withNprobe(-1));
        fails(
                IllegalArgumentException.class,
                "refineFactor",
                () -> SearchOptions.DEFAULT.withRefineFactor(0.5f));
    }

    static FloatBuffer direct(int floats) {
        return TestVectors.floatBuffer(new float[floats]);
    }

    static LongBuffer directLongs(int longs) {
        return TestVectors.longBuffer(new long[longs]);
    }

    /**
     * Every exception class the JNI layer throws by name exists (FindClass of a missing one would
     * leave a NoClassDefFoundError instead), and only Faiss's own errors are user errors: out of
     * native memory and unknown native errors are internal failures.
     */
    @Test
    void theExceptionsTheNativeLayerThrowsExistAndInternalOnesAreNoUserErrors() throws Exception {
        String jni =
                Files.readString(Repo.root().resolve("search-core/src/main/native/faiss_jni.cpp"));
        Matcher named =
                Pattern.compile("\"((?:java|dev)/[A-Za-z/]+(?:Exception|Error))\"").matcher(jni);
        Set<String> classes = new TreeSet<>();
        while (named.find()) classes.add(named.group(1).replace('/', '.'));
        assertTrue(
                classes.contains(FaissInternalException.class.getName())
                        && classes.contains(FaissException.class.getName()),
                classes.toString());
        for (String name : classes)
            assertTrue(RuntimeException.class.isAssignableFrom(Class.forName(name)), name);
        assertTrue(UserError.class.isAssignableFrom(FaissException.class));
        assertFalse(UserError.class.isAssignableFrom(FaissInternalException.class));
    }
}
