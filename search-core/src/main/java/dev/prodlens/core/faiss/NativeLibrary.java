package dev.prodlens.core.faiss;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads the binding from the jar: libprodlens_faiss_avx2.so (Faiss's distance kernels built for
 * AVX2 + FMA) on CPUs that have those instructions, else libprodlens_faiss.so (Debian's generic
 * build). System property {@code prodlens.faiss.simd} = auto (default) | avx2 | generic overrides
 * the choice. Each load extracts to its own temporary file, so two class loaders in one JVM (Spark
 * executors, app servers) can each load the library.
 */
final class NativeLibrary {
    static final String SIMD_PROPERTY = "prodlens.faiss.simd";
    /** CPU flags (as /proc/cpuinfo names them) the avx2 variant is compiled for. */
    static final Set<String> AVX2_FLAGS = Set.of("avx2", "fma", "f16c", "popcnt");
    private static final String DIRECTORY = "/native/linux-x86_64/";
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
            String os = System.getProperty("os.name", "").toLowerCase();
            String arch = System.getProperty("os.arch", "");
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
                throw new UnsatisfiedLinkError("the Faiss binding ships for linux-x86_64 only, not "
                        + os + "-" + arch);
            }
            String chosen = chooseVariant(System.getProperty(SIMD_PROPERTY, "auto"), cpuFlags());
            Path file = extract(DIRECTORY + (chosen.equals("avx2") ? "libprodlens_faiss_avx2.so"
                    : "libprodlens_faiss.so"));
            try {
                System.load(file.toString());
            } catch (UnsatisfiedLinkError e) {
                throw new UnsatisfiedLinkError("cannot load the Faiss binding (" + e.getMessage()
                        + "): install its runtime libraries: apt-get install libopenblas0-openmp libgomp1");
            } finally {
                try {
                    Files.deleteIfExists(file); // already mapped: the file name is no longer needed
                } catch (IOException ignored) {
                    file.toFile().deleteOnExit();
                }
            }
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
                    throw new UnsatisfiedLinkError(SIMD_PROPERTY + "=avx2 but this CPU lacks some of "
                            + AVX2_FLAGS + ": use auto or generic");
                }
                yield "avx2";
            }
            default -> throw new UnsatisfiedLinkError(SIMD_PROPERTY + " must be auto, avx2 or "
                    + "generic, got '" + requested + "'");
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

    private static Path extract(String resource) {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError(resource + " is missing from the classpath: "
                        + "build search-core with Maven (it compiles the native code)");
            }
            Path file = Files.createTempFile("prodlens_faiss", ".so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("cannot extract the Faiss binding to a temporary file: "
                    + e.getMessage() + " (check java.io.tmpdir)");
        }
    }
}
