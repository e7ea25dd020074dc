package dev.prodlens.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process of the tests (a Spark daemon, a driver, bin/prodlens-jobs) with its standard
 * output and error captured in one log file. Every one still running when the test JVM exits is
 * stopped by a shutdown hook, with its descendants (a Worker's executors), so a failed or
 * interrupted test run leaves nothing behind.
 */
public final class JobProcess {
    private static final Set<JobProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final Duration GRACE = Duration.ofSeconds(20);

    static {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(() -> LIVE.forEach(JobProcess::stop), "stop-test-processes"));
    }

    /** How a process ended: its exit code and everything it printed. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private final String name;
    private final Process process;
    private final Path log;

    private JobProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command}; standard output and error go to {@code log}. */
    public static JobProcess start(String name, ProcessBuilder command, Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process process =
                    command.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            JobProcess started = new JobProcess(name, process, log);
            LIVE.add(started);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command.command(), e);
        }
    }

    public String name() {
        return name;
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the process printed so far. */
    public String output() {
        try {
            return Files.exists(log)
                    ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8)
                    : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last {@code lines} lines of the output, for failure messages. */
    public String outputTail(int lines) {
        List<String> all = output().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /**
     * Waits until the output contains {@code text}; false when the process ends first or the
     * timeout passes (to act at a point of a run, e.g. kill a job once a stage has started).
     */
    public boolean awaitOutput(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (output().contains(text)) return true;
            if (!process.isAlive()) return output().contains(text);
            Thread.sleep(200);
        }
        return false;
    }

    /**
     * Waits for the process to end. One still running after {@code timeout} is stopped and an
     * {@link IllegalStateException} names it, with the end of its output.
     */
    public Result waitFor(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop();
                throw new IllegalStateException(
                        name
                                + " did not end within "
                                + timeout
                                + " and was stopped; its output ends:\n"
                                + outputTail(60));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
        LIVE.remove(this);
        return new Result(process.exitValue(), output());
    }

    /** SIGKILL to the process and its descendants at once: a crash, no shutdown hooks run. */
    public void kill() {
        List<ProcessHandle> tree = process.descendants().toList();
        process.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(process.toHandle(), GRACE);
        LIVE.remove(this);
    }

    /**
     * SIGTERM (a Spark Worker then stops its executors), SIGKILL after a grace period; the same for
     * any descendant still alive afterwards.
     */
    public void stop() {
        List<ProcessHandle> tree = process.descendants().toList();
        if (process.isAlive()) {
            process.destroy();
            if (!awaitExit(process.toHandle(), GRACE)) {
                process.destroyForcibly();
                awaitExit(process.toHandle(), GRACE);
            }
        }
        for (ProcessHandle child : tree) {
            if (child.isAlive()) child.destroy();
        }
        for (ProcessHandle child : tree) {
            if (!awaitExit(child, GRACE)) child.destroyForcibly();
        }
        LIVE.remove(this);
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", log " + log + ")";
    }
}
