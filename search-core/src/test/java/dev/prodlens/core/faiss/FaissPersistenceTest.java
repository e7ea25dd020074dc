package dev.prodlens.core.faiss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Files, bytes and memory-mapped reads give back the same index. */
class FaissPersistenceTest {
    static final int D = 32;
    static final int N = 5_000;
    static final TestVectors.Data V =
            new TestVectors.Data(N, 50, D, 40, 2, false, TestVectors.ids(N, 42));

    @TempDir Path dir;

    static FaissIndex built(String factory) {
        FaissIndex index = TestVectors.filled(factory, D, Metric.L2, V.base, V.ids);
        if (factory.startsWith("IVF")) {
            index.setSearchParameters("nprobe=4");
        } else if (factory.startsWith("HNSW")) {
            index.setSearchParameters("efSearch=32");
        }
        return index;
    }

    @ParameterizedTest
    @ValueSource(strings = {"Flat", "HNSW16", "IVF32,Flat", "IVF32,PQ8np"})
    void writeThenReadSearchesTheSame(String factory) {
        Path file = dir.resolve("index.faiss");
        try (FaissIndex index = built(factory)) {
            SearchResult before = index.search(V.queries, 10);
            index.write(file);
            try (FaissIndex read = FaissIndex.read(file)) {
                assertEquals(N, read.size());
                assertEquals(D, read.dimension());
                assertEquals(Metric.L2, read.metric());
                // search parameters travel with the file (nprobe / efSearch)
                assertArrayEquals(before.rawIds(), read.search(V.queries, 10).rawIds());
            }
            try (FaissIndex decoded = FaissIndex.fromBytes(index.toBytes())) {
                assertArrayEquals(before.rawIds(), decoded.search(V.queries, 10).rawIds());
            }
        }
    }

    @Test
    void mmapReadOfIvfSearchesTheSameAndIsReadOnly() {
        Path file = dir.resolve("ivf.faiss");
        try (FaissIndex index = built("IVF32,Flat")) {
            SearchResult before = index.search(V.queries, 10);
            index.write(file);
            try (FaissIndex mapped = FaissIndex.read(file, true)) {
                assertEquals(N, mapped.size());
                SearchResult after = mapped.search(V.queries, 10);
                assertArrayEquals(before.rawIds(), after.rawIds());
                assertArrayEquals(before.rawScores(), after.rawScores(), 0f);
                // the inverted lists live in the file: RAM use is the quantizer, not the vectors
                assertTrue(
                        mapped.memoryUsageBytes() < index.memoryUsageBytes() / 10,
                        mapped.memoryUsageBytes() + " vs " + index.memoryUsageBytes());
                UnsupportedOperationException e =
                        assertThrows(
                                UnsupportedOperationException.class,
                                () ->
                                        mapped.add(
                                                TestVectors.rows(V.base, D, 0, 1), new long[] {1}));
                assertTrue(e.getMessage().contains("read-only"), e.getMessage());
                assertThrows(UnsupportedOperationException.class, () -> mapped.remove(V.ids[0]));
                assertArrayEquals(
                        index.reconstruct(V.ids[3]).orElseThrow(),
                        mapped.reconstruct(V.ids[3]).orElseThrow(),
                        0f);
            }
        }
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("index.faiss");
        try (FaissIndex small = FaissIndex.create(D, "Flat", Metric.L2);
                FaissIndex full = built("Flat")) {
            small.add(TestVectors.rows(V.base, D, 0, 10), Arrays.copyOf(V.ids, 10));
            small.write(file);
            full.write(file);
            try (FaissIndex read = FaissIndex.read(file)) {
                assertEquals(N, read.size());
            }
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(file), files.toList());
            }
        }
    }

    @Test
    void writeIntoMissingDirectoryFailsClearly() {
        try (FaissIndex index = built("Flat")) {
            FaissException e =
                    assertThrows(
                            FaissException.class,
                            () -> index.write(dir.resolve("no/such/dir/index.faiss")));
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        }
    }

    @Test
    void missingFileIsAClearError() {
        FaissException e =
                assertThrows(
                        FaissException.class, () -> FaissIndex.read(dir.resolve("absent.faiss")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void truncatedFileIsAClearError(boolean mmap) throws IOException {
        Path file = dir.resolve("index.faiss");
        try (FaissIndex index = built("IVF32,Flat")) {
            index.write(file);
        }
        byte[] bytes = Files.readAllBytes(file);
        for (int keep : new int[] {0, 3, 100, bytes.length / 2, bytes.length - 1}) {
            Files.write(file, Arrays.copyOf(bytes, keep));
            FaissException e =
                    assertThrows(
                            FaissException.class,
                            () -> FaissIndex.read(file, mmap),
                            "truncated to " + keep + " bytes");
            assertTrue(e.getMessage().contains("corrupt, truncated"), e.getMessage());
        }
    }

    @Test
    void garbageIsAClearError() throws IOException {
        Path file = dir.resolve("garbage.faiss");
        byte[] junk = new byte[4096];
        new java.util.Random(7).nextBytes(junk);
        Files.write(file, junk);
        assertThrows(FaissException.class, () -> FaissIndex.read(file));
        assertThrows(FaissException.class, () -> FaissIndex.read(file, true));
        assertThrows(FaissException.class, () -> FaissIndex.fromBytes(junk));
        assertThrows(FaissException.class, () -> FaissIndex.fromBytes(new byte[0]));
    }

    @Test
    void corruptListSizesInAMappedFileFailAtRead() throws IOException {
        Path file = dir.resolve("ivf.faiss");
        try (FaissIndex index = built("IVF32,Flat")) {
            index.write(file);
        }
        byte[] bytes = Files.readAllBytes(file);
        // Faiss 1.7.3 layout: "ilar", nlist, code_size, "full", count, then one size per list.
        // Blow the first list's size up so it points far past the end of the file.
        int ilar = indexOf(bytes, "ilar".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(ilar > 0, "inverted lists header found");
        assertEquals(
                "full",
                new String(bytes, ilar + 20, 4, java.nio.charset.StandardCharsets.US_ASCII));
        int firstSize = ilar + 4 + 8 + 8 + 4 + 8;
        bytes[firstSize + 5] = 0x7f;
        Files.write(file, bytes);
        assertThrows(FaissException.class, () -> FaissIndex.read(file, true));
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
