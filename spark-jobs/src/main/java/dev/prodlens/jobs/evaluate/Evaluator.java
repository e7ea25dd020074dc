package dev.prodlens.jobs.evaluate;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Measures retrieval quality twice over the same data: with exact search (a Faiss "Flat"
 * inner-product index built here from the indexed vectors, so the numbers describe the embedding)
 * and with the ANN index handed in (what users get); the difference is the index's loss. Every
 * item's own vector (its first image) is its query. Searches run in batches and the metrics
 * accumulate per batch, so memory holds one batch of results, not N x k.
 *
 * <p>An item may have several images in the index ({@link Gallery}). The metrics count products:
 * the hits are grouped by item, each item ranked where its first image came, the query's own item
 * left out. Beside them, image-level recall@k and mAP@R rank the raw hits (the query's own images
 * left out), an image being relevant when its item matches; with one image per item both are the
 * same.
 */
public final class Evaluator {
    /** The exact index: brute-force inner product, i.e. cosine on normalised vectors. */
    static final String EXACT_FACTORY = "Flat";

    /** Most results per query: bounds a batch's result arrays. */
    static final int MAX_K = ConfigKeys.EVALUATE_MAX_K;

    /**
     * What to measure.
     *
     * @param ks the k of recall@k
     * @param shopeeNeighbours results per item the Shopee F1 may predict as matches
     * @param batchSize queries per Faiss search call
     * @param worstQueries queries shown in the report's worst-queries section
     */
    public record Settings(
            List<Integer> ks, int shopeeNeighbours, int batchSize, int worstQueries) {
        /** The configuration's defaults. */
        public static final Settings DEFAULTS = from(Config.of(Map.of()));

        public Settings {
            ks = List.copyOf(ks);
            if (ks.isEmpty() || ks.stream().anyMatch(k -> k < 1 || k > MAX_K)) {
                throw new ConfigException(
                        "evaluate.recall-ks = " + ks + ": give k values in [1, " + MAX_K + "]");
            }
            if (shopeeNeighbours < 1
                    || shopeeNeighbours > MAX_K
                    || batchSize < 1
                    || worstQueries < 0) {
                throw new ConfigException(
                        "evaluate settings out of range: shopee-neighbours "
                                + shopeeNeighbours
                                + " (1.."
                                + MAX_K
                                + "), batch-size "
                                + batchSize
                                + " (>= 1), worst-queries "
                                + worstQueries
                                + " (>= 0)");
            }
        }

        /** From the {@code evaluate.*} keys. */
        public static Settings from(Config config) {
            return new Settings(
                    config.get(ConfigKeys.EVALUATE_RECALL_KS),
                    config.get(ConfigKeys.EVALUATE_SHOPEE_NEIGHBOURS),
                    config.get(ConfigKeys.EVALUATE_BATCH_SIZE),
                    config.get(ConfigKeys.EVALUATE_WORST_QUERIES));
        }
    }

    private final Settings settings;

    public Evaluator(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /**
     * Evaluates {@code ann} (holding every item under its ordinal, searched with {@code
     * annOptions}) against exact search. With label groups every item is searched (the Shopee F1
     * counts all of them); with pairs only the queries.
     */
    public EvalResult evaluate(
            EvalData data, Relevance relevance, FaissIndex ann, SearchOptions annOptions) {
        requireSameItems(data, ann);
        return run(data, relevance, ann, annOptions);
    }

    /**
     * The metrics of exact search alone: the embedding's quality, where no index was built (the
     * adapt stage's candidates, the before/after comparison of the test groups).
     */
    public EvalResult.SearchMetrics exact(EvalData data, Relevance relevance) {
        return run(data, relevance, null, SearchOptions.DEFAULT).exact();
    }

    /** {@link #evaluate}; with {@code ann} null, the exact results stand for the index's. */
    private EvalResult run(
            EvalData data, Relevance relevance, FaissIndex ann, SearchOptions annOptions) {
        long start = System.nanoTime();
        int[] searched =
                IntStream.range(0, data.size())
                        .filter(
                                i ->
                                        relevance.kind() == Relevance.Kind.LABEL_GROUP
                                                || relevance.isQuery(i))
                        .toArray();
        int queries = (int) IntStream.of(searched).filter(relevance::isQuery).count();
        if (queries == 0) {
            throw new EvaluationException(
                    "no item has a true match ("
                            + relevance.kind().key
                            + "): check that label groups are shared by several items, or that the pairs name evaluated items");
        }
        // results per query: items, and image hits (of which other items have more than of items)
        int imageDepth =
                Math.max(
                        Math.max(maxK(), RetrievalMetrics.CATEGORY_K),
                        relevance.kind() == Relevance.Kind.LABEL_GROUP
                                ? settings.shopeeNeighbours()
                                : 0);
        int depth = Math.min(data.size() - 1, imageDepth);
        Gallery gallery = data.indexed();
        int[] imagesPerItem = gallery.imagesPerItem(data.size());
        int most = 0;
        for (int images : imagesPerItem) most = Math.max(most, images);
        // enough vectors that exact search always finds depth other items, all of whose images
        // may rank before the next item's
        int vectorK = (int) Math.min(gallery.size(), (long) (depth + 1) * most);
        Method exact = new Method(relevance, data, imagesPerItem);
        // without an index the exact results stand for its results: the metrics are counted once
        Method approximate = ann == null ? exact : new Method(relevance, data, imagesPerItem);
        ScoreHistogram scores = new ScoreHistogram();
        WorstQueries worst = new WorstQueries(settings.worstQueries(), relevance, data.itemIds());

        try (FaissIndex exactIndex = exactIndex(data.dim(), gallery)) {
            for (int from = 0; from < searched.length; from += settings.batchSize()) {
                int[] batch =
                        Arrays.copyOfRange(
                                searched,
                                from,
                                Math.min(searched.length, from + settings.batchSize()));
                float[] vectors = rows(data, batch);
                // the query's own images are (almost always) among its first results
                SearchResult exactFound =
                        exactIndex.search(vectors, vectorK, SearchOptions.DEFAULT);
                SearchResult annFound =
                        ann == null ? null : ann.search(vectors, vectorK, annOptions);
                for (int q = 0; q < batch.length; q++) {
                    int item = batch[q];
                    Hits exactHits =
                            new Hits(exactFound, q, item, depth, imageDepth, data.size(), gallery);
                    Neighbours byExact = exactHits.byItem();
                    double averagePrecision = exact.add(item, byExact, exactHits.byImage());
                    for (int r = 0; r < byExact.ordinals.length; r++) {
                        scores.add(byExact.scores[r], relevance.isMatch(item, byExact.ordinals[r]));
                    }
                    Neighbours byAnn = byExact;
                    if (ann != null) {
                        Hits annHits =
                                new Hits(
                                        annFound, q, item, depth, imageDepth, data.size(), gallery);
                        byAnn = annHits.byItem();
                        averagePrecision = approximate.add(item, byAnn, annHits.byImage());
                    }
                    if (relevance.isQuery(item)) {
                        worst.offer(item, averagePrecision, byAnn.ordinals, byAnn.scores);
                    }
                }
            }
        }
        return new EvalResult(
                data.size(),
                gallery.size(),
                queries,
                relevance.kind(),
                relevance.pairsTotal(),
                relevance.pairsIgnored(),
                ann == null ? EXACT_FACTORY : describe(ann, annOptions),
                depth,
                exact.result(),
                approximate.result(),
                scores,
                worst.result(),
                Duration.ofNanos(System.nanoTime() - start),
                null);
    }

    private int maxK() {
        return settings.ks().stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    private static void requireSameItems(EvalData data, FaissIndex ann) {
        requireSame(ann.dimension(), data.dim(), "has dimension %d but the embeddings %d");
        requireSame(
                ann.size(),
                data.indexed().size(),
                "holds %d vectors but the data has %d indexed images");
        if (ann.metric() != Metric.INNER_PRODUCT) {
            throw new EvaluationException(
                    "the ANN index uses "
                            + ann.metric()
                            + "; evaluation reads scores as cosines and needs an INNER_PRODUCT index");
        }
    }

    /**
     * Refuses an ANN index whose {@code annValue} is not the data's: "the ANN index {mismatch}:
     * ...".
     */
    private static void requireSame(long annValue, long dataValue, String mismatch) {
        if (annValue != dataValue) {
            throw new EvaluationException(
                    "the ANN index "
                            + String.format(Locale.ROOT, mismatch, annValue, dataValue)
                            + ": build the index from the evaluated embeddings");
        }
    }

    /** Exact search over what the index holds, under the same ids. */
    private static FaissIndex exactIndex(int dim, Gallery gallery) {
        FaissIndex index = FaissIndex.create(dim, EXACT_FACTORY, Metric.INNER_PRODUCT);
        index.add(gallery.vectors(), gallery.ids());
        return index;
    }

    private static float[] rows(EvalData data, int[] ordinals) {
        int dim = data.dim();
        float[] rows = new float[ordinals.length * dim];
        for (int i = 0; i < ordinals.length; i++) {
            System.arraycopy(data.vectors(), ordinals[i] * dim, rows, i * dim, dim);
        }
        return rows;
    }

    private static String describe(FaissIndex ann, SearchOptions options) {
        String parameters = options.parameters();
        return ann.description() + (parameters.isEmpty() ? "" : " (" + parameters + ")");
    }

    /** The accumulators of one search method. */
    private final class Method {
        private final Relevance relevance;
        private final RetrievalMetrics retrieval;
        private final RetrievalMetrics images;
        private final ShopeeF1 shopee;

        Method(Relevance relevance, EvalData data, int[] imagesPerItem) {
            this.relevance = relevance;
            this.retrieval = new RetrievalMetrics(relevance, data.categories(), settings.ks());
            this.images =
                    new RetrievalMetrics(
                            relevance.countingImages(imagesPerItem), null, settings.ks());
            this.shopee =
                    relevance.kind() == Relevance.Kind.LABEL_GROUP
                            ? new ShopeeF1(relevance, settings.shopeeNeighbours())
                            : null;
        }

        /**
         * Adds one searched item: its hits by item and its raw hits (each image's item); returns
         * its product-level AP@R, or NaN when it is not a query.
         */
        double add(int item, Neighbours found, int[] imageItems) {
            if (shopee != null) {
                shopee.add(item, found.ordinals, found.scores);
            }
            if (!relevance.isQuery(item)) return Double.NaN;
            images.add(item, imageItems);
            return retrieval.add(item, found.ordinals);
        }

        EvalResult.SearchMetrics result() {
            return new EvalResult.SearchMetrics(
                    retrieval.result(), shopee == null ? null : shopee.result(), images.result());
        }
    }

    /** One query's results by item, without the query item, at most {@code depth}, best first. */
    private record Neighbours(int[] ordinals, float[] scores) {}

    /**
     * One query's vector hits, read as products ({@link #byItem}) and as images ({@link #byImage}):
     * the query's own item left out of both.
     */
    private static final class Hits {
        private final int[] items;
        private final float[] scores;
        private final int count;
        private final int depth;
        private final int imageDepth;

        Hits(
                SearchResult found,
                int row,
                int self,
                int depth,
                int imageDepth,
                int itemCount,
                Gallery gallery) {
            this.depth = depth;
            this.imageDepth = imageDepth;
            int n = 0;
            items = new int[found.count(row)];
            scores = new float[items.length];
            for (int r = 0; r < found.count(row); r++) {
                long id = found.id(row, r);
                if (id < 0) continue;
                int item = gallery.itemOf(id);
                if (item >= itemCount) {
                    throw new EvaluationException(
                            "the ANN index returned id "
                                    + id
                                    + ", of item "
                                    + item
                                    + ", outside the item ordinals 0.."
                                    + (itemCount - 1)
                                    + ": evaluate the index built from these items");
                }
                if (item == self) continue;
                items[n] = item;
                scores[n++] = found.score(row, r);
            }
            this.count = n;
        }

        /** Each item once, where its best image ranked. */
        Neighbours byItem() {
            int[] ordinals = new int[depth];
            float[] best = new float[depth];
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            int n = 0;
            for (int r = 0; r < count && n < depth; r++) {
                if (!seen.add(items[r])) continue;
                ordinals[n] = items[r];
                best[n++] = scores[r];
            }
            return new Neighbours(Arrays.copyOf(ordinals, n), Arrays.copyOf(best, n));
        }

        /** The item of each image hit, as ranked, at most {@code imageDepth}. */
        int[] byImage() {
            return Arrays.copyOf(items, Math.min(count, imageDepth));
        }
    }
}
