package dev.prodlens.core.faiss;

import dev.prodlens.core.nativelib.JarLibrary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads the binding from the jar: libprodlens_faiss_avx2.so (Faiss's distance kernels built for
 * AVX2 + FMA) on CPUs that have those instructions, else libprodlens_faiss.so (Debian's generic
 * build). System property {@code prodlens.faiss.simd} = auto (default) | avx2 | generic overrides
 * the choice. Extraction and loading: {@link JarLibrary}.
 */
final class NativeLibrary {
    static final String SIMD_PROPERTY = "prodlens.faiss.simd";

    /** CPU flags (as /proc/cpuinfo names them) the avx2 variant is compiled for. */
    static final Set<String> AVX2_FLAGS = Set.of("avx2", "fma", "f16c", "popcnt");

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
                    chosen.equals("avx2") ? "libprodlens_faiss_avx2.so" : "libprodlens_faiss.so",
                    "the Faiss binding",
                    "install its runtime "
                            + "libraries: apt-get install libopenblas0-openmp libgomp1");
            variant = chosen;
        }
    }

    /** "avx2" or "generic": the variant loaded (loading it if needed). */
    static String variant() {
        load();
        return variant;
    }

    /** The variant for a requested setting on a CPU with these flags. */
    static String chooseVariant(String requested, Set<String> cpuFlags) {
        boolean avx2 = cpuFlags.containsAll(AVX2_FLAGS);
        return switch (requested.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> avx2 ? "avx2" : "generic";
            case "generic" -> "generic";
            case "avx2" -> {
                if (!avx2) {
                    throw new UnsatisfiedLinkError(
                            SIMD_PROPERTY
                                    + "=avx2 but this CPU lacks some of "
                                    + AVX2_FLAGS
                                    + ": use auto or generic");
                }
                yield "avx2";
            }
            default ->
                    throw new UnsatisfiedLinkError(
                            SIMD_PROPERTY
                                    + " must be auto, avx2 or "
                                    + "generic, got '"
                                    + requested
                                    + "'");
        };
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
