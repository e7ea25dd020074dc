package dev.prodlens.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster on 127.0.0.1 for the integration tests: a Master and N Workers
 * (one core, 2 GB for executors each) as child JVMs from the build's Spark classpath, and jobs
 * submitted to it with {@code SparkSubmit} and the shaded jobs jar, as on a real cluster (executors
 * fetch the jar from the driver).
 *
 * <pre>{@code
 * try (StandaloneCluster cluster = StandaloneCluster.start(tmp.resolve("cluster"), 2)) {
 *     JobProcess.Result r = cluster.submit(List.of("embed", "--conf", conf.toString(), "catalogue.path=" + csv));
 *     assertEquals(0, r.exitCode(), r.output() + cluster.executorLogs());
 *     JobProcess job = cluster.launch(List.of(), List.of("reindex", ...));   // to kill it mid-way
 *     job.awaitOutput("embed:", Duration.ofMinutes(5));
 *     job.kill();
 * }
 * }</pre>
 *
 * Workers launch executors as a Spark distribution does, from {@code SPARK_HOME/jars}: the cluster
 * makes a Spark home under its directory whose {@code jars/} links to the build's Spark jars.
 * Drivers run in {@link #driverDir()}, which links {@code models} to the repository's models, so
 * the stock {@code conf/prodlens.properties} ({@code model.dir = models}) works. {@link #close()}
 * stops drivers, workers (and their executors) and the master; a JVM shutdown hook does the same if
 * the tests never get there.
 */
public final class StandaloneCluster implements AutoCloseable {
    /** How long the master and workers get to come up and register. */
    public static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private static final String DAEMON_HEAP = "512m";
    private static final String DRIVER_HEAP = "1g";
    private static final Pattern ALIVE_WORKERS = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");

    private final Path dir;
    private final Path sparkHome;
    private final Path driverDir;
    private final int port;
    private final int webUiPort;
    private final List<JobProcess> daemons = new ArrayList<>();
    private final List<Path> workerDirs = new ArrayList<>();
    private final List<JobProcess> drivers = new CopyOnWriteArrayList<>();
    private final AtomicInteger submissions = new AtomicInteger();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private StandaloneCluster(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir.toAbsolutePath());
        this.sparkHome = sparkHome(this.dir.resolve("spark-home"));
        this.driverDir = Files.createDirectories(this.dir.resolve("driver"));
        if (Files.isDirectory(JobsRuntime.models())
                && !Files.exists(
                        driverDir.resolve("models"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(driverDir.resolve("models"), JobsRuntime.models());
        }
        this.port = freePort();
        this.webUiPort = freePort();
    }

    /**
     * Starts a master and {@code workers} workers under {@code dir} and waits until all workers
     * have registered with the master.
     */
    public static StandaloneCluster start(Path dir, int workers) {
        StandaloneCluster cluster;
        try {
            cluster = new StandaloneCluster(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a cluster under " + dir, e);
        }
        try {
            cluster.startMaster();
            for (int i = 1; i <= workers; i++) cluster.startWorker(i);
            cluster.awaitWorkers(workers);
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** {@code spark://127.0.0.1:<port>}. */
    public String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    /** The master's state as JSON (workers, applications). */
    public URI masterJson() {
        return URI.create("http://127.0.0.1:" + webUiPort + "/json/");
    }

    /** The master's count of alive workers; -1 while its web UI does not answer. */
    public int aliveWorkers() {
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(masterJson())
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            Matcher m = ALIVE_WORKERS.matcher(response.body());
            return response.statusCode() == 200 && m.find() ? Integer.parseInt(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Where drivers run: relative paths of a job's configuration resolve here. Holds a {@code
     * models} link.
     */
    public Path driverDir() {
        return driverDir;
    }

    /** The Spark options every submission gets before its own (which may override them). */
    public List<String> defaultSparkOptions() {
        List<String> options =
                new ArrayList<>(
                        List.of(
                                "--master",
                                masterUrl(),
                                "--deploy-mode",
                                "client",
                                "--class",
                                "dev.prodlens.jobs.Main",
                                "--conf",
                                "spark.executor.memory=1g",
                                "--conf",
                                "spark.executor.extraJavaOptions=-Djava.io.tmpdir=" + tmpDir(),
                                // wait for every executor before the first task, so that work
                                // spreads over the workers
                                "--conf",
                                "spark.scheduler.minRegisteredResourcesRatio=1.0"));
        options.addAll(JobsRuntime.LOOPBACK_CONF);
        return options;
    }

    /**
     * Starts {@code SparkSubmit <default options> sparkOptions prodlens-jobs.jar args} in a child
     * JVM and returns at once (see {@link JobProcess#awaitOutput}, {@link JobProcess#kill}).
     */
    public JobProcess launch(List<String> sparkOptions, List<String> args) {
        List<String> submit = new ArrayList<>(defaultSparkOptions());
        submit.addAll(sparkOptions);
        submit.add(JobsRuntime.jobsJar().toString());
        submit.addAll(args);
        ProcessBuilder builder =
                JobsRuntime.sparkJvm(
                        driverDir,
                        tmpDir(),
                        DRIVER_HEAP,
                        "org.apache.spark.deploy.SparkSubmit",
                        submit);
        int n = submissions.incrementAndGet();
        JobProcess driver =
                JobProcess.start(
                        "driver " + n + " (" + String.join(" ", args) + ")",
                        builder,
                        dir.resolve("logs/driver-" + n + ".log"));
        drivers.add(driver);
        return driver;
    }

    /**
     * Submits {@code args} (the jobs' command line: command, --conf FILE, key=value ...) and waits
     * for the end.
     */
    public JobProcess.Result submit(List<String> args) {
        return submit(List.of(), args);
    }

    /**
     * Submits with extra Spark options and waits for the end (at most {@link
     * JobsRuntime#JOB_TIMEOUT}).
     */
    public JobProcess.Result submit(List<String> sparkOptions, List<String> args) {
        return launch(sparkOptions, args).waitFor(JobsRuntime.JOB_TIMEOUT);
    }

    /**
     * The temporary directory of every JVM of the cluster (Spark's scratch space, unpacked native
     * libraries).
     */
    public Path tmpDir() {
        return dir.resolve("tmp");
    }

    /** The workers' work directories ({@code worker-<i>}). */
    public List<Path> workerDirs() {
        return Collections.unmodifiableList(workerDirs);
    }

    /**
     * Every executor directory the workers made ({@code worker-<i>/app-*}/<executor id>), sorted.
     */
    public List<Path> executorDirs() {
        List<Path> executors = new ArrayList<>();
        for (Path worker : workerDirs) {
            if (!Files.isDirectory(worker)) continue;
            try (Stream<Path> apps = Files.list(worker)) {
                for (Path app :
                        apps.filter(p -> p.getFileName().toString().startsWith("app-")).toList()) {
                    try (Stream<Path> ids = Files.list(app)) {
                        ids.filter(Files::isDirectory).forEach(executors::add);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Collections.sort(executors);
        return executors;
    }

    /** The end of every executor's stderr, for failure messages. */
    public String executorLogs() {
        StringBuilder logs = new StringBuilder();
        for (Path executor : executorDirs()) {
            Path stderr = executor.resolve("stderr");
            if (!Files.exists(stderr)) continue;
            try {
                List<String> lines = Files.readAllLines(stderr);
                logs.append("\n--- ")
                        .append(dir.relativize(stderr))
                        .append(" (last 40 lines)\n")
                        .append(
                                String.join(
                                        "\n",
                                        lines.subList(
                                                Math.max(0, lines.size() - 40), lines.size())));
            } catch (IOException e) {
                logs.append("\n--- ").append(stderr).append(": ").append(e.getMessage());
            }
        }
        return logs.toString();
    }

    /** Stops the drivers still running, the workers (they stop their executors) and the master. */
    @Override
    public void close() {
        drivers.forEach(JobProcess::stop);
        for (int i = daemons.size() - 1; i >= 0; i--) daemons.get(i).stop();
        try {
            Files.deleteIfExists(driverDir.resolve("models"));
        } catch (IOException e) {
            // the link lives in a temporary directory; its removal is a courtesy
        }
    }

    private void startMaster() {
        daemons.add(
                JobProcess.start(
                        "master",
                        daemon(
                                "org.apache.spark.deploy.master.Master",
                                List.of(
                                        "--host",
                                        "127.0.0.1",
                                        "--port",
                                        Integer.toString(port),
                                        "--webui-port",
                                        Integer.toString(webUiPort))),
                        dir.resolve("logs/master.log")));
    }

    private void startWorker(int i) {
        Path work = dir.resolve("worker-" + i);
        workerDirs.add(work);
        daemons.add(
                JobProcess.start(
                        "worker " + i,
                        daemon(
                                "org.apache.spark.deploy.worker.Worker",
                                List.of(
                                        "--host",
                                        "127.0.0.1",
                                        "--cores",
                                        "1",
                                        "--memory",
                                        "2g",
                                        "--work-dir",
                                        work.toString(),
                                        "--webui-port",
                                        Integer.toString(freePort()),
                                        masterUrl())),
                        dir.resolve("logs/worker-" + i + ".log")));
    }

    private ProcessBuilder daemon(String mainClass, List<String> args) {
        ProcessBuilder builder = JobsRuntime.sparkJvm(dir, tmpDir(), DAEMON_HEAP, mainClass, args);
        builder.environment().put("SPARK_HOME", sparkHome.toString());
        // what bin/load-spark-env.sh sets in a distribution; the worker's command builder needs it
        builder.environment().put("SPARK_SCALA_VERSION", "2.13");
        return builder;
    }

    private void awaitWorkers(int workers) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        int alive = -1;
        while (System.nanoTime() < deadline) {
            for (JobProcess daemon : daemons) {
                if (!daemon.isAlive()) {
                    throw new IllegalStateException(
                            daemon.name()
                                    + " exited with "
                                    + daemon.process().exitValue()
                                    + "; its output ends:\n"
                                    + daemon.outputTail(40));
                }
            }
            alive = aliveWorkers();
            if (alive == workers) return;
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the cluster started", e);
            }
        }
        StringBuilder logs = new StringBuilder();
        for (JobProcess daemon : daemons)
            logs.append("\n--- ").append(daemon.name()).append('\n').append(daemon.outputTail(20));
        throw new IllegalStateException(
                "the master at "
                        + masterJson()
                        + " saw "
                        + alive
                        + " of "
                        + workers
                        + " workers after "
                        + START_TIMEOUT
                        + logs);
    }

    /**
     * A Spark home as a distribution lays it out, as far as workers look: jars/ with Spark's jars.
     */
    private static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        int i = 0;
        for (String entry : JobsRuntime.sparkClasspath()) {
            Path jar = Path.of(entry);
            if (!jar.toString().endsWith(".jar")) continue;
            Path link = jars.resolve(jar.getFileName());
            if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(jar)) continue;
            if (Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                link = jars.resolve((i++) + "-" + jar.getFileName());
            Files.createSymbolicLink(link, jar);
        }
        return home;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }
}
