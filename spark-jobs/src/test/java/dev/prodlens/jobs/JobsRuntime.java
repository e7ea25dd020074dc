package dev.prodlens.jobs;

import dev.prodlens.testkit.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the build made for running the jobs outside Maven (the integration tests' view of {@code mvn
 * package}): the shaded jar, Spark's classpath and JVM options that bin/prodlens-jobs reads, and
 * child processes started from them on 127.0.0.1. Paths come from the system properties failsafe
 * sets, else from the repository layout.
 */
public final class JobsRuntime {
    /** Spark options that keep a driver on 127.0.0.1 and without its web UI. */
    public static final List<String> LOOPBACK_CONF =
            List.of(
                    "--conf", "spark.driver.host=127.0.0.1",
                    "--conf", "spark.driver.bindAddress=127.0.0.1",
                    "--conf", "spark.ui.enabled=false");

    /** Longest a job of the tests may run before it is stopped and the test fails. */
    public static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);

    private JobsRuntime() {}

    /** The exported models (the repository's {@code models/}). */
    public static Path models() {
        return Path.of(System.getProperty("prodlens.models", "models")).toAbsolutePath();
    }

    /** spark-jobs/target/prodlens-jobs.jar. */
    public static Path jobsJar() {
        return required(
                Path.of(
                        System.getProperty(
                                "prodlens.jobs.jar",
                                Repo.root()
                                        .resolve("spark-jobs/target/prodlens-jobs.jar")
                                        .toString())));
    }

    /** bin/prodlens-jobs. */
    public static Path launcherScript() {
        return required(Repo.root().resolve("bin/prodlens-jobs"));
    }

    /** Spark's jars, as the build resolved them (target/launcher/spark-classpath). */
    public static List<String> sparkClasspath() {
        return Arrays.stream(read("spark-classpath").strip().split(java.io.File.pathSeparator))
                .filter(s -> !s.isBlank())
                .toList();
    }

    /** The JVM options Spark needs on Java 17 (target/launcher/jvm-options). */
    public static List<String> jvmOptions() {
        return Arrays.stream(read("jvm-options").strip().split("\\s+"))
                .filter(s -> !s.isBlank())
                .toList();
    }

    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * {@code java <Spark's options> -Xmx<heap> -Djava.io.tmpdir=<tmpDir> -cp <Spark> mainClass
     * args...} in {@code workingDir}, with the loopback environment. Spark's scratch directories
     * and the native libraries the engines unpack go to {@code tmpDir} (created), not the machine's
     * /tmp.
     */
    public static ProcessBuilder sparkJvm(
            Path workingDir, Path tmpDir, String heap, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(java());
        command.addAll(jvmOptions());
        command.add("-Xmx" + heap);
        command.add("-Djava.io.tmpdir=" + directory(tmpDir));
        command.add("-cp");
        command.add(String.join(java.io.File.pathSeparator, sparkClasspath()));
        command.add(mainClass);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile());
        loopbackEnvironment(builder.environment());
        return builder;
    }

    /**
     * Everything listens on 127.0.0.1 only; no Spark or Hadoop configuration of the machine leaks
     * in.
     */
    public static void loopbackEnvironment(Map<String, String> env) {
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        for (String key :
                List.of(
                        "SPARK_HOME",
                        "SPARK_CONF_DIR",
                        "SPARK_CLASSPATH",
                        "SPARK_DIST_CLASSPATH",
                        "HADOOP_CONF_DIR",
                        "YARN_CONF_DIR",
                        "MASTER")) {
            env.remove(key);
        }
    }

    /**
     * Starts {@code bin/prodlens-jobs [local[2] on 127.0.0.1, 1 GB driver] sparkOptions args} in
     * {@code workingDir} (relative paths of the configuration resolve there; its {@code tmp/} is
     * the JVM's temporary directory).
     */
    public static JobProcess launch(
            Path workingDir, Path log, List<String> sparkOptions, List<String> args) {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                "bash",
                                launcherScript().toString(),
                                "--master",
                                "local[2]",
                                "--driver-memory",
                                "1g",
                                "--driver-java-options",
                                "-Djava.io.tmpdir=" + directory(workingDir.resolve("tmp"))));
        command.addAll(LOOPBACK_CONF);
        command.addAll(sparkOptions);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(workingDir.toFile());
        loopbackEnvironment(builder.environment());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return JobProcess.start("prodlens-jobs " + String.join(" ", args), builder, log);
    }

    /** {@link #launch} and wait for the end. */
    public static JobProcess.Result runLocal(Path workingDir, Path log, List<String> args) {
        return launch(workingDir, log, List.of(), args).waitFor(JOB_TIMEOUT);
    }

    private static String read(String launcherFile) {
        Path dir =
                Path.of(
                        System.getProperty(
                                "prodlens.launcher.dir",
                                Repo.root().resolve("spark-jobs/target/launcher").toString()));
        try {
            return Files.readString(required(dir.resolve(launcherFile)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path directory(Path dir) {
        try {
            return Files.createDirectories(dir.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path required(Path file) {
        if (!Files.exists(file))
            throw new IllegalStateException(
                    file + " is missing: run `mvn package` (make build) first");
        return file;
    }
}
