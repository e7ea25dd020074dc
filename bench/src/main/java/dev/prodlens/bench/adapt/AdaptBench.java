package dev.prodlens.bench.adapt;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.EmbedderConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Issue 18's benchmark: on each labelled catalogue (a published bundle, Fashion-MNIST with held-out
 * classes, the offline sample catalogue), the raw embedding against every {@link Method} at every
 * dimension, learned on the train part, chosen on the validation part and scored on the test part
 * only. Prints a table per catalogue and a last summary line (the demo's choice and the demo's and
 * Fashion-MNIST's test mAP@R).
 *
 * <pre>
 *   AdaptBench BUNDLE CACHE_DIR FASHION_PER_CLASS SAMPLE_ITEMS [CATALOGUE...]
 *   CATALOGUE: demo | fashion | sample (default: all three)
 * </pre>
 */
public final class AdaptBench {
    private static final Path CONF = Path.of("conf/prodlens.properties");

    private AdaptBench() {}

    public static void main(String[] args) {
        if (args.length < 4) {
            System.err.println(
                    "usage: AdaptBench BUNDLE CACHE_DIR FASHION_PER_CLASS SAMPLE_ITEMS"
                            + " [demo|fashion|sample...]");
            System.exit(2);
        }
        Path bundle = Path.of(args[0]);
        Path cache = Path.of(args[1]);
        int perClass = Integer.parseInt(args[2]);
        int sampleItems = Integer.parseInt(args[3]);
        Config config = Config.load(CONF);
        int shopeeNeighbours = config.get(ConfigKeys.EVALUATE_SHOPEE_NEIGHBOURS);
        ImageEmbeddings embeddings =
                new ImageEmbeddings(
                        cache, EmbedderConfig.from(config, Path.of("").toAbsolutePath()));

        Map<String, Supplier<LabelledSet>> catalogues = new LinkedHashMap<>();
        catalogues.put("demo", () -> Catalogues.demo(bundle));
        catalogues.put("fashion", () -> Catalogues.fashion(embeddings, perClass));
        catalogues.put("sample", () -> Catalogues.sample(embeddings, cache, sampleItems));
        List<String> chosen =
                args.length > 4
                        ? Arrays.asList(args).subList(4, args.length)
                        : List.copyOf(catalogues.keySet());

        Map<String, Comparison> results = new LinkedHashMap<>();
        for (String name : chosen) {
            if (!catalogues.containsKey(name))
                throw new IllegalArgumentException("no catalogue " + name + " in " + catalogues);
            LabelledSet set = catalogues.get(name).get();
            Optional<String> tooSmall = set.tooSmall();
            if (tooSmall.isPresent()) {
                System.out.printf("%n%s%n", tooSmall.get());
                continue;
            }
            System.out.printf("%n%s%n", set.describe());
            Comparison comparison = Comparison.run(set, shopeeNeighbours);
            comparison.print();
            results.put(name, comparison);
        }
        System.out.println();
        System.out.println(summary(results.get("demo"), results.get("fashion")));
    }

    /** The last line: the demo's choice, and both catalogues' test mAP@R. */
    static String summary(Comparison demo, Comparison fashion) {
        return String.format(
                Locale.ROOT,
                "adapt: best=%s demo_mapr_raw=%s demo_mapr_adapted=%s fashion_mapr_raw=%s"
                        + " fashion_mapr_adapted=%s bytes_per_vector=%s",
                demo == null ? "n/a" : choice(demo.best()),
                demo == null ? "n/a" : figure(demo.raw().test().mapR()),
                demo == null ? "n/a" : figure(demo.best().test().mapR()),
                fashion == null ? "n/a" : figure(fashion.raw().test().mapR()),
                fashion == null ? "n/a" : figure(fashion.best().test().mapR()),
                demo == null ? "n/a" : Long.toString(demo.best().bytes()));
    }

    /** The chosen method and dimension; {@code none} when the raw embedding was chosen. */
    private static String choice(Comparison.Row best) {
        return (best.method().equals(Comparison.RAW) ? "none" : best.method()) + "/" + best.dim();
    }

    private static String figure(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
