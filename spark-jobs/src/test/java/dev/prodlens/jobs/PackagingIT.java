package dev.prodlens.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.ProductJars;
import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What spark-jobs/target/prodlens-jobs.jar holds, and bin/prodlens-jobs' own errors. */
class PackagingIT {
    private static final boolean WITH_PYTORCH = Boolean.getBoolean("prodlens.jar.with-pytorch");

    private static List<String> entries(JarFile jar) {
        return jar.stream().map(JarEntry::getName).filter(n -> !n.endsWith("/")).toList();
    }

    @Test
    void jarRunsMainAndCarriesOurLibrariesButNotSparks() throws IOException {
        try (JarFile jar = new JarFile(JobsRuntime.jobsJar().toFile())) {
            assertEquals(
                    "dev.prodlens.jobs.Main",
                    jar.getManifest().getMainAttributes().getValue("Main-Class"));
            List<String> names = entries(jar);
            for (String needed :
                    List.of(
                            "dev/prodlens/jobs/Main.class",
                            "dev/prodlens/core/embed/Embedder.class",
                            "native/linux-x86_64/libprodlens_faiss.so",
                            "native/linux-x86_64/libprodlens_jpeg.so",
                            "native/linux-x86_64/libprodlens_webp.so",
                            "ai/onnxruntime/native/linux-x64/libonnxruntime.so",
                            "com/sun/jna/linux-x86-64/libjnidispatch.so",
                            "dev/prodlens/shaded/gson/Gson.class")) {
                assertTrue(names.contains(needed), needed);
            }
            for (String prefix :
                    List.of(
                            "org/apache/spark/",
                            "scala/",
                            "org/apache/hadoop/",
                            "org/slf4j/",
                            "com/google/gson/",
                            "org/apache/commons/compress/",
                            "org/apache/commons/codec/",
                            "ai/onnxruntime/native/osx-",
                            "ai/onnxruntime/native/win-",
                            "com/sun/jna/win32-",
                            "com/sun/jna/darwin-")) {
                List<String> found =
                        names.stream().filter(n -> n.startsWith(prefix)).limit(5).toList();
                assertTrue(found.isEmpty(), () -> "the jar holds " + prefix + "*: " + found);
            }
            List<String> signatures =
                    names.stream()
                            .filter(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)"))
                            .toList();
            assertTrue(
                    signatures.isEmpty(),
                    () -> "signature files of the merged jars: " + signatures);
            assertTrue(
                    names.stream()
                            .noneMatch(
                                    n ->
                                            n.equals(
                                                            "META-INF/services/org.slf4j.spi.SLF4JServiceProvider")
                                                    || n.startsWith("org/slf4j/impl/")),
                    "an SLF4J binding in the jar");

            JarEntry engines = jar.getJarEntry("META-INF/services/ai.djl.engine.EngineProvider");
            assertNotNull(engines, "DJL's engine services");
            String providers =
                    new String(jar.getInputStream(engines).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(
                    providers.contains("ai.djl.onnxruntime.engine.OrtEngineProvider"), providers);
            assertEquals(
                    WITH_PYTORCH,
                    providers.contains("ai.djl.pytorch.engine.PtEngineProvider"),
                    providers);
            assertEquals(
                    WITH_PYTORCH,
                    names.stream()
                            .anyMatch(n -> n.startsWith("pytorch/") && n.contains("libtorch")),
                    "libtorch in the jar only with -Pwith-pytorch");
        }
    }

    /**
     * No test fixture, no demo generator and no /usr/share path in prodlens-jobs.jar (the fixtures
     * live in test-kit and search-core's test-jar, the generator in the demo module).
     */
    @Test
    void jarHoldsNoFixtureNoDemoAndNoUsrShare() {
        ProductJars.assertClean(JobsRuntime.jobsJar());
    }

    /**
     * Spark's classes come first on a cluster: a copy of one in our jar would be shadowed or clash.
     */
    @Test
    void noClassThatSparksClasspathAlsoHas() throws IOException {
        Set<String> ours = new HashSet<>();
        try (JarFile jar = new JarFile(JobsRuntime.jobsJar().toFile())) {
            entries(jar).stream().filter(n -> n.endsWith(".class")).forEach(ours::add);
        }
        assertTrue(ours.size() > 1000, "the jar holds its libraries: " + ours.size() + " classes");
        List<String> clashes = new ArrayList<>();
        for (String entry : JobsRuntime.sparkClasspath()) {
            if (!entry.endsWith(".jar")) continue;
            try (JarFile spark = new JarFile(entry)) {
                long n = entries(spark).stream().filter(ours::contains).count();
                if (n > 0)
                    clashes.add(
                            Path.of(entry).getFileName()
                                    + " ("
                                    + n
                                    + " classes, e.g. "
                                    + entries(spark).stream()
                                            .filter(ours::contains)
                                            .findFirst()
                                            .orElseThrow()
                                    + ")");
            }
        }
        assertTrue(
                clashes.isEmpty(),
                () -> "classes in prodlens-jobs.jar that Spark's classpath has too: " + clashes);
    }

    @Test
    void launcherNamesTheMissingBuildInOneLine(@TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path script = Files.copy(JobsRuntime.launcherScript(), bin.resolve("prodlens-jobs"));
        JobProcess.Result r =
                JobProcess.start(
                                "launcher without a build",
                                new ProcessBuilder("bash", script.toString(), "embed"),
                                tmp.resolve("out.log"))
                        .waitFor(java.time.Duration.ofMinutes(1));
        assertEquals(2, r.exitCode(), r.output());
        assertEquals(1, r.output().strip().lines().count(), r.output());
        assertTrue(
                r.output().contains("spark-jobs/target/prodlens-jobs.jar is missing")
                        && r.output().contains("make build"),
                r.output());
    }

    @Test
    void launcherRefusesAMissingCommandAndItsOwnClass(@TempDir Path tmp) {
        for (List<String> args :
                List.of(List.of("--master", "local[1]"), List.of("--class", "x.Y", "embed"))) {
            List<String> command =
                    new ArrayList<>(List.of("bash", JobsRuntime.launcherScript().toString()));
            command.addAll(args);
            JobProcess.Result r =
                    JobProcess.start(
                                    "launcher " + args,
                                    new ProcessBuilder(command),
                                    tmp.resolve("out.log"))
                            .waitFor(java.time.Duration.ofMinutes(1));
            assertEquals(2, r.exitCode(), r.output());
            assertTrue(
                    r.output().startsWith("prodlens-jobs: ") && r.output().contains("usage:"),
                    r.output());
        }
    }

    /**
     * The default jar has no PyTorch engine: asking for it fails on the driver, before any task,
     * exit code 2.
     */
    @Test
    void defaultJarRefusesThePyTorchEngineUpFront(@TempDir Path tmp) {
        Assumptions.assumeFalse(WITH_PYTORCH, "built with -Pwith-pytorch");
        Path conf = Repo.root().resolve("conf/prodlens.properties");
        JobProcess.Result r =
                JobsRuntime.runLocal(
                        tmp,
                        tmp.resolve("out.log"),
                        List.of(
                                "embed",
                                "--conf",
                                conf.toString(),
                                "model.dir=" + JobsRuntime.models(),
                                "model.engine=PyTorch",
                                "jobs.work-dir=" + tmp.resolve("work")));
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(
                r.output()
                        .contains(
                                "prodlens: model.engine = PyTorch, but DJL's PyTorch engine is not on the classpath"),
                r.output());
        assertTrue(!Files.exists(tmp.resolve("work")), "nothing written");
    }
}
