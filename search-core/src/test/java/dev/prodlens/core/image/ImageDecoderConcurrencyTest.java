package dev.prodlens.core.image;

import static dev.prodlens.core.image.TestImages.fixture;
import static dev.prodlens.core.image.TestImages.pixels;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** One decoder, many threads, different images: the same pixels as one thread gets. */
class ImageDecoderConcurrencyTest {
    static final int THREADS = 8;
    static final int DECODES_PER_THREAD = 60;

    @Test
    void concurrentDecodesMatchSequentialOnes() throws Exception {
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
        List<String> names = new ArrayList<>(ImageDecoderSafetyTest.SMALL);
        names.add("large_2000x1500.jpg");
        names.add("orientation_8.jpg");
        byte[][] images = new byte[names.size()][];
        int[][] expected = new int[names.size()][];
        for (int i = 0; i < images.length; i++) {
            images[i] = fixture(names.get(i));
            expected[i] = pixels(decoder.decode(images[i]));
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                SplittableRandom random = new SplittableRandom(t);
                results.add(
                        pool.submit(
                                (Callable<Integer>)
                                        () -> {
                                            for (int n = 0; n < DECODES_PER_THREAD; n++) {
                                                int i = random.nextInt(images.length);
                                                assertArrayEquals(
                                                        expected[i],
                                                        pixels(decoder.decode(images[i])),
                                                        names.get(i));
                                            }
                                            return DECODES_PER_THREAD;
                                        }));
            }
            int done = 0;
            for (Future<Integer> result : results) {
                done += result.get();
            }
            assertEquals(THREADS * DECODES_PER_THREAD, done);
        } finally {
            pool.shutdownNow();
        }
    }
}
