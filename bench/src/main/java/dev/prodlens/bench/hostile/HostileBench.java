package dev.prodlens.bench.hostile;

import dev.prodlens.core.image.DecodeDeadline;
import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.core.image.ImageDecodeException;
import dev.prodlens.core.image.ImageDecoder;
import dev.prodlens.testkit.HostileImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What each file of issue 15's hostile corpus costs the decoder the service and the jobs use
 * (default limits, the model's 224 target): its outcome (the decoded size, or the refusal and the
 * HTTP status the service answers it with), the wall and CPU time of one decode (median of the
 * rounds), the decode memory reserved from the budget, and how far the process's resident memory
 * rose during it (peak VmRSS sampled every millisecond, minus the level before; the heap is
 * pre-touched by the script, so this is native memory plus whatever the heap did not already hold).
 * Then the concurrent case: many heavy decodes at once against the budget. A table, then one
 * summary line.
 */
public final class HostileBench {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private HostileBench() {}

    /** One corpus entry. */
    private record Case(String finding, String name, Supplier<byte[]> bytes) {}

    /** One decode's measurements. */
    private record Run(
            String outcome, double wallMs, double cpuMs, long reservedBytes, long rssRiseBytes) {}

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        Path photo = Path.of(args[1]);
        List<Case> cases =
                List.of(
                        new Case("-", "photo " + photo.getFileName(), () -> read(photo)),
                        new Case("1", "lossy WebP 7000x7000", () -> HostileImages.lossyWebp(7000)),
                        new Case(
                                "2",
                                "lossless WebP 7000x7000",
                                () -> HostileImages.losslessWebp(7000)),
                        new Case(
                                "3",
                                "hidden scans 1000 (FF E0 00 00)",
                                () -> HostileImages.hiddenScansJpeg(1000)),
                        new Case(
                                "3",
                                "hidden scans 5000 (FF E0 00 00)",
                                () -> HostileImages.hiddenScansJpeg(5000)),
                        new Case(
                                "3",
                                "scans behind FF 00, 1000",
                                () -> HostileImages.stuffedZeroScansJpeg(1000)),
                        new Case(
                                "4",
                                "progressive 7000x7000, 99 scans",
                                () -> HostileImages.heavyProgressiveJpeg(7000, 99)),
                        new Case(
                                "4",
                                "progressive 5000x5000, 70 scans",
                                () -> HostileImages.heavyProgressiveJpeg(5000, 70)),
                        new Case(
                                "-",
                                "PNG 7000x7000 of zero rows",
                                () -> HostileImages.pngBomb(7000)));
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
        System.out.printf(
                Locale.ROOT,
                "%-7s  %-34s  %9s  %-44s  %8s  %8s  %9s  %9s%n",
                "finding",
                "file",
                "bytes",
                "outcome",
                "wall ms",
                "cpu ms",
                "reserved",
                "RSS rise");
        double worstWall = 0;
        long worstRss = 0;
        for (Case c : cases) {
            byte[] bytes = c.bytes().get();
            decode(decoder, bytes); // warm up: classes, JIT, the native libraries
            List<Run> runs = new ArrayList<>();
            for (int i = 0; i < rounds; i++) runs.add(measure(decoder, bytes));
            Run median =
                    runs.stream()
                            .sorted((a, b) -> Double.compare(a.wallMs(), b.wallMs()))
                            .toList()
                            .get(rounds / 2);
            long rss = runs.stream().mapToLong(Run::rssRiseBytes).max().orElse(0);
            long reserved = runs.stream().mapToLong(Run::reservedBytes).max().orElse(0);
            System.out.printf(
                    Locale.ROOT,
                    "%-7s  %-34s  %9d  %-44s  %8.1f  %8.1f  %8.0fM  %8.0fM%n",
                    c.finding(),
                    c.name(),
                    bytes.length,
                    median.outcome(),
                    median.wallMs(),
                    median.cpuMs(),
                    reserved / 1e6,
                    rss / 1e6);
            if (!c.finding().equals("-")) {
                worstWall = Math.max(worstWall, median.wallMs());
                worstRss = Math.max(worstRss, rss);
            }
        }
        long concurrentRise = concurrent(decoder, HostileImages.heavyProgressiveJpeg(5000, 70), 8);
        System.out.printf(
                Locale.ROOT,
                "%nconcurrent: 8 threads x 3 decodes of the 5000x5000 70-scan JPEG: RSS rose %.0f MB, "
                        + "budget %d MB%n",
                concurrentRise / 1e6,
                DecodeLimits.DEFAULTS.memoryBudgetBytes() / 1_000_000);
        System.out.printf(
                Locale.ROOT,
                "summary: worst hostile file %.0f ms and %.0f MB RSS per decode; 8 concurrent heavy decodes "
                        + "%.0f MB against a %d MB budget%n",
                worstWall,
                worstRss / 1e6,
                concurrentRise / 1e6,
                DecodeLimits.DEFAULTS.memoryBudgetBytes() / 1_000_000);
    }

    private static Run measure(ImageDecoder decoder, byte[] bytes) throws Exception {
        System.gc();
        long before = rss();
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong peak = new AtomicLong(before);
        AtomicLong reserved = new AtomicLong();
        Thread sampler =
                new Thread(
                        () -> {
                            while (!done.get()) {
                                peak.accumulateAndGet(rss(), Math::max);
                                reserved.accumulateAndGet(decoder.budget().inUseBytes(), Math::max);
                                try {
                                    Thread.sleep(1);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        });
        sampler.start();
        long cpu = THREADS.getCurrentThreadCpuTime();
        long wall = System.nanoTime();
        String outcome = decode(decoder, bytes);
        double wallMs = (System.nanoTime() - wall) / 1e6;
        double cpuMs = (THREADS.getCurrentThreadCpuTime() - cpu) / 1e6;
        done.set(true);
        sampler.join();
        return new Run(outcome, wallMs, cpuMs, reserved.get(), Math.max(0, peak.get() - before));
    }

    /** The decoded size, or the refusal with the status the service gives it. */
    private static String decode(ImageDecoder decoder, byte[] bytes) {
        try {
            BufferedImage image =
                    decoder.decode(bytes, DecodeDeadline.after(decoder.limits().timeout()));
            return "decoded " + image.getWidth() + "x" + image.getHeight();
        } catch (ImageDecodeException e) {
            return switch (e.reason()) {
                case CORRUPT -> "422 corrupt_image";
                case OVER_BUDGET -> "413 decode_over_budget";
                case TIMED_OUT -> "413 decode_timeout";
                case BUSY -> "503 decode_busy";
                case TOO_MANY_PIXELS -> "413 too_many_pixels";
                default -> e.reason().name();
            };
        }
    }

    /** The RSS rise while {@code threads} threads each decode {@code bytes} three times. */
    private static long concurrent(ImageDecoder decoder, byte[] bytes, int threads)
            throws Exception {
        System.gc();
        long before = rss();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<String>> all = new ArrayList<>();
        for (int i = 0; i < threads * 3; i++) all.add(pool.submit(() -> decode(decoder, bytes)));
        long peak = before;
        while (all.stream().anyMatch(f -> !f.isDone())) {
            peak = Math.max(peak, rss());
            Thread.sleep(1);
        }
        pool.shutdown();
        List<String> outcomes = new ArrayList<>();
        for (Future<String> f : all) outcomes.add(f.get());
        System.out.println(
                "concurrent outcomes: "
                        + Arrays.toString(
                                outcomes.stream()
                                        .distinct()
                                        .map(
                                                o ->
                                                        o
                                                                + " x"
                                                                + outcomes.stream()
                                                                        .filter(o::equals)
                                                                        .count())
                                        .toArray()));
        return peak - before;
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:"))
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return 0;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
