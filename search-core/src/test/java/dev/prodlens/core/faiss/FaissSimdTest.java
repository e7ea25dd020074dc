package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.ChildJvm;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Faiss's builds (generic, AVX2, AVX-512): which one loads, and that they answer alike. */
class FaissSimdTest {
    @TempDir Path dir;

    @Test
    void variantFollowsTheCpuAndTheProperty() {
        Set<String> all = NativeLibrary.AVX2_FLAGS;
        assertEquals("avx2", NativeLibrary.chooseVariant("auto", all));
        assertEquals("generic", NativeLibrary.chooseVariant("auto", Set.of("avx2", "sse4_2")));
        assertEquals("generic", NativeLibrary.chooseVariant("generic", all));
        assertEquals("avx2", NativeLibrary.chooseVariant(" AVX2 ", all));
        UnsatisfiedLinkError noAvx =
                assertThrows(
                        UnsatisfiedLinkError.class,
                        () -> NativeLibrary.chooseVariant("avx2", Set.of("sse2")));
        assertTrue(noAvx.getMessage().contains("lacks"), noAvx.getMessage());
        UnsatisfiedLinkError bad =
                assertThrows(
                        UnsatisfiedLinkError.class, () -> NativeLibrary.chooseVariant("fast", all));
        assertTrue(bad.getMessage().contains("auto, avx512, avx2 or generic"), bad.getMessage());
    }

    @Test
    void avx512VariantNeedsEveryAvx512FlagOnTopOfAvx2() {
        Set<String> all = NativeLibrary.AVX512_FLAGS;
        assertTrue(all.containsAll(NativeLibrary.AVX2_FLAGS));
        assertEquals("avx512", NativeLibrary.chooseVariant("auto", all));
        assertEquals("avx512", NativeLibrary.chooseVariant("avx512", all));
        assertEquals("avx2", NativeLibrary.chooseVariant("avx2", all));
        assertEquals("generic", NativeLibrary.chooseVariant("generic", all));
        // a CPU with AVX-512 F but not BW (Knights Landing): the AVX2 build
        Set<String> noBw = new java.util.HashSet<>(all);
        noBw.remove("avx512bw");
        assertEquals("avx2", NativeLibrary.chooseVariant("auto", noBw));
        UnsatisfiedLinkError missing =
                assertThrows(
                        UnsatisfiedLinkError.class,
                        () -> NativeLibrary.chooseVariant("avx512", noBw));
        assertTrue(missing.getMessage().contains("lacks"), missing.getMessage());
        UnsatisfiedLinkError onAvx2 =
                assertThrows(
                        UnsatisfiedLinkError.class,
                        () -> NativeLibrary.chooseVariant("AVX512", NativeLibrary.AVX2_FLAGS));
        assertTrue(onAvx2.getMessage().contains("avx512f"), onAvx2.getMessage());
    }

    @Test
    void everyVariantIsInTheJar() {
        for (String lib :
                List.of(
                        "libprodlens_faiss.so",
                        "libprodlens_faiss_avx2.so",
                        "libprodlens_faiss_avx512.so")) {
            assertTrue(
                    NativeLibrary.class.getResource("/native/linux-x86_64/" + lib) != null,
                    lib + " missing from the classpath");
        }
    }

    @Test
    void loadedVariantIsTheCpusChoice() {
        String requested = System.getProperty(NativeLibrary.SIMD_PROPERTY, "auto");
        assertEquals(
                NativeLibrary.chooseVariant(requested, NativeLibrary.cpuFlags()),
                Faiss.simdLevel());
    }

    @Test
    void genericVariantInAnotherJvmGivesTheSameResults() throws Exception {
        Path out = dir.resolve("generic.bin");
        Process child =
                ChildJvm.onThisClasspath(
                                List.of("-D" + NativeLibrary.SIMD_PROPERTY + "=generic"),
                                SimdProbe.class,
                                out.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("child.log").toFile())
                        .start();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, child.exitValue(), () -> "child JVM failed: " + log());

        SearchResult[] here = SimdProbe.results();
        try (DataInputStream in = new DataInputStream(Files.newInputStream(out))) {
            assertEquals("generic", in.readUTF());
            for (SearchResult r : here) {
                for (int i = 0; i < r.rawIds().length; i++) {
                    long id = in.readLong();
                    float score = in.readFloat();
                    // summation order differs between the kernels: scores agree to rounding, and
                    // ids wherever two neighbours are not tied to within it
                    assertEquals(r.rawScores()[i], score, 1e-3f * Math.max(1, Math.abs(score)));
                    if (!tied(r, i)) {
                        assertEquals(r.rawIds()[i], id, "rank " + i);
                    }
                }
            }
        }
    }

    /** Whether entry i's score is within rounding of a neighbouring rank's (its order may flip). */
    private static boolean tied(SearchResult r, int i) {
        float[] s = r.rawScores();
        int rank = i % r.k();
        return (rank > 0 && Math.abs(s[i] - s[i - 1]) <= 1e-3f)
                || (rank < r.k() - 1 && Math.abs(s[i + 1] - s[i]) <= 1e-3f);
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("child.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
