package dev.prodlens.core.faiss;

import dev.prodlens.core.nativelib.JarLibrary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads the binding from the jar, linked with one of Faiss's three builds:
 * libprodlens_faiss_avx512.so (AVX-512 F/CD/VL/DQ/BW on top of AVX2) on CPUs that have those
 * instructions, else libprodlens_faiss_avx2.so (AVX2 + FMA + F16C + POPCNT) where they are, else
 * libprodlens_faiss.so (the x86-64 baseline). System property {@code prodlens.faiss.simd} = auto
 * (default) | avx512 | avx2 | generic overrides the choice. Extraction and loading: {@link
 * JarLibrary}.
 */
final class NativeLibrary {
    static final String SIMD_PROPERTY = "prodlens.faiss.simd";

    /** CPU flags (as /proc/cpuinfo names them) the avx2 variant is compiled for. */
    static final Set<String> AVX2_FLAGS = Set.of("avx2", "fma", "f16c", "popcnt");

    /**
     * CPU flags the avx512 variant is compiled for (Faiss's -mavx512f -mavx512cd ... on AVX2's).
     */
    static final Set<String> AVX512_FLAGS =
            union(AVX2_FLAGS, Set.of("avx512f", "avx512cd", "avx512vl", "avx512dq", "avx512bw"));

    private static volatile String variant;

    private NativeLibrary() {}

    static void load() {
        if (variant != null) {
            return;
        }
        synchronized (NativeLibrary.class) {
            if (variant != null) {
                return;
            }
            String chosen = chooseVariant(System.getProperty(SIMD_PROPERTY, "auto"), cpuFlags());
            JarLibrary.load(
                    chosen.equals("generic")
                            ? "libprodlens_faiss.so"
                            : "libprodlens_faiss_" + chosen + ".so",
                    "the Faiss binding",
                    "install its runtime "
                            + "libraries: apt-get install libopenblas0-openmp libgomp1");
            variant = chosen;
        }
    }

    /** "avx512", "avx2" or "generic": the variant loaded (loading it if needed). */
    static String variant() {
        load();
        return variant;
    }

    /** The variant for a requested setting on a CPU with these flags. */
    static String chooseVariant(String requested, Set<String> cpuFlags) {
        boolean avx2 = cpuFlags.containsAll(AVX2_FLAGS);
        boolean avx512 = cpuFlags.containsAll(AVX512_FLAGS);
        return switch (requested.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> avx512 ? "avx512" : avx2 ? "avx2" : "generic";
            case "generic" -> "generic";
            case "avx2" -> requireFlags("avx2", avx2, AVX2_FLAGS);
            case "avx512" -> requireFlags("avx512", avx512, AVX512_FLAGS);
            default ->
                    throw new UnsatisfiedLinkError(
                            SIMD_PROPERTY
                                    + " must be auto, avx512, avx2 or "
                                    + "generic, got '"
                                    + requested
                                    + "'");
        };
    }

    private static String requireFlags(String variant, boolean present, Set<String> flags) {
        if (!present) {
            throw new UnsatisfiedLinkError(
                    SIMD_PROPERTY
                            + "="
                            + variant
                            + " but this CPU lacks some of "
                            + flags
                            + ": use auto or generic");
        }
        return variant;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    /** The CPU's feature flags from /proc/cpuinfo (empty if unreadable: the generic variant). */
    static Set<String> cpuFlags() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .map(l -> Set.of(l.substring(l.indexOf(':') + 1).strip().split("\\s+")))
                    .orElse(Set.of());
        } catch (IOException | UncheckedIOException e) {
            return Set.of();
        }
    }
}
