package dev.prodlens.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.testkit.HostileImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service as users run it (the jar, its JVM options) under a flood of heavy uploads: the decode
 * memory it reports never exceeds the budget, and its resident memory, as it reports it on
 * /metrics, rises by no more than the budget (and the allocator's slack) over what ordinary
 * searches and one of each bomb made it. The heap is made resident from the start, so what RSS
 * gains is native memory (libjpeg's coefficient buffers, libwebp's pixels), which the heap limit
 * does not bound and the decode budget must. Without the budget, three 7000x7000 bombs at once
 * exhausted a 2 GB heap (issue 15, finding 1); here 32 at a time come and go.
 */
class HostileUploadsIT {
    private static final int CLIENTS = 32;
    private static final int ROUNDS = 2;
    private static final long BUDGET = 512L << 20;

    /**
     * What RSS may rise beyond the decodes' own memory: glibc keeps part of what the decoders free
     * in its arenas (measured: 20-50 MB at 32 threads with MALLOC_ARENA_MAX=2, gone with a fixed
     * mmap threshold), and 32 requests hold their uploads and buffers. The decode memory itself is
     * asserted against the budget exactly, from the service's gauge. Measured rises (2 cores): 439
     * and 514 MB with MobileNetV2 FP32, 453, 455 and 624 MB with EfficientNet-Lite0 INT8; 64 MiB of
     * slack (a 604 MB ceiling) failed that last run.
     */
    private static final long ALLOCATOR_SLACK = 128L << 20;

    @TempDir Path tmp;

    @Test
    void residentMemoryStaysWithinTheDecodeBudget() throws Exception {
        TestBundle.publish(tmp, 3, null);
        // the whole heap resident from the start (-Xmx2g of the service's options): what RSS gains
        // is native memory
        ApiJarIT.Served served =
                ApiJarIT.serve(
                        List.of("-Xms2g", "-XX:+AlwaysPreTouch"),
                        TestBundle.args(tmp, "decode.memory-budget-bytes=" + BUDGET),
                        tmp.resolve("serve.log"));
        try {
            Http http = served.http();
            byte[] photo = Files.readAllBytes(TestBundle.photos(1).get(0));
            List<byte[]> bombs =
                    List.of(
                            HostileImages.heavyProgressiveJpeg(5000, 70),
                            HostileImages.lossyWebp(7000),
                            HostileImages.losslessWebp(7000),
                            HostileImages.pngBomb(7000),
                            HostileImages.heavyProgressiveJpeg(4000, 99));
            // measured from a service that has served concurrent searches and each kind of bomb
            // once (threads,
            // compiled code and classes of every path in place): what the flood adds is what it
            // holds at once
            flood(served, List.of(photo), new double[1]);
            for (byte[] bomb : bombs) http.postImage("/v1/search?k=1", bomb);
            double baseline = rss(http);
            double[] peaks = new double[2];
            int[] statuses = flood(served, bombs, peaks);
            System.out.printf(
                    Locale.ROOT,
                    "RSS baseline %.0f MB, peak %.0f MB under %d bombs (%d at a time); decode memory peak "
                            + "%.0f of %d MB; answers 200/413/503: %d/%d/%d%n",
                    baseline / 1e6,
                    peaks[0] / 1e6,
                    CLIENTS * ROUNDS,
                    CLIENTS,
                    peaks[1] / 1e6,
                    BUDGET >> 20,
                    statuses[0],
                    statuses[1],
                    statuses[2]);
            assertTrue(peaks[1] <= BUDGET, "decodes held " + peaks[1]);
            assertTrue(
                    peaks[0] - baseline <= BUDGET + ALLOCATOR_SLACK,
                    "RSS rose " + (peaks[0] - baseline) / 1e6 + " MB over " + baseline / 1e6);
            assertTrue(statuses[0] > 0, "some bombs are searched at reduced scale");
            assertEquals(0, http.metric("prodlens_decode_memory_in_use_bytes"));
            assertEquals(200, http.postImage("/v1/search?k=1", photo).status());
        } finally {
            served.stop();
        }
    }

    private static double rss(Http http) {
        return http.metric("process_resident_memory_bytes");
    }

    /**
     * {@value #ROUNDS} rounds of {@value #CLIENTS} concurrent searches with the images in turn;
     * peaks[0] the highest RSS and peaks[1] the highest decode memory seen meanwhile. Answers by
     * status: 200, 413, 503.
     */
    private static int[] flood(ApiJarIT.Served served, List<byte[]> images, double[] peaks)
            throws Exception {
        int[] statuses = new int[3];
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                List<Future<Http.Response>> answers = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    byte[] image = images.get(i % images.size());
                    answers.add(
                            clients.submit(() -> served.http().postImage("/v1/search?k=1", image)));
                }
                while (answers.stream().anyMatch(f -> !f.isDone())) {
                    peaks[0] = Math.max(peaks[0], rss(served.http()));
                    if (peaks.length > 1)
                        peaks[1] =
                                Math.max(
                                        peaks[1],
                                        served.http()
                                                .metric("prodlens_decode_memory_in_use_bytes"));
                }
                for (Future<Http.Response> answer : answers) {
                    int status = answer.get().status();
                    assertTrue(
                            status == 200 || status == 413 || status == 503, answer.get().text());
                    statuses[status == 200 ? 0 : status == 413 ? 1 : 2]++;
                }
            }
        } finally {
            clients.shutdownNow();
            assertTrue(clients.awaitTermination(1, TimeUnit.MINUTES));
        }
        return statuses;
    }
}
