package dev.prodlens.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.faiss.FaissIndex;
import dev.prodlens.core.faiss.Metric;
import dev.prodlens.core.faiss.SearchOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    private static final double EPS = 1e-12;

    @Test
    void labelGroupsAndTheEquivalentPairsGiveTheSameRetrievalMetrics() {
        EvalData data = Synthetic.groups(30, 3, 16, 0.4, 11);
        List<Relevance.Pair> pairs = new ArrayList<>();
        for (int a = 0; a < data.size(); a++) {
            for (int b = 0; b < data.size(); b++) {
                // every within-group pair, in one direction only: pairs are symmetric
                if (a < b && data.labelGroups()[a].equals(data.labelGroups()[b])) {
                    pairs.add(new Relevance.Pair(data.itemIds()[a], data.itemIds()[b]));
                }
            }
        }
        pairs.add(new Relevance.Pair("not-an-item", data.itemIds()[0]));
        pairs.add(new Relevance.Pair(data.itemIds()[1], data.itemIds()[1]));

        Evaluator evaluator = new Evaluator(Evaluator.Settings.DEFAULTS);
        try (FaissIndex ann = Synthetic.flat(data)) {
            EvalResult byGroups =
                    evaluator.evaluate(
                            data, Relevance.fromLabelGroups(data), ann, SearchOptions.DEFAULT);
            EvalResult byPairs =
                    evaluator.evaluate(
                            data, Relevance.fromPairs(data, pairs), ann, SearchOptions.DEFAULT);

            assertEquals(data.size(), byGroups.queries());
            assertEquals(byGroups.queries(), byPairs.queries());
            assertEquals(byGroups.exact().retrieval(), byPairs.exact().retrieval());
            assertEquals(byGroups.ann().retrieval(), byPairs.ann().retrieval());
            assertEquals(Relevance.Kind.PAIRS, byPairs.relevance());
            assertEquals(pairs.size(), byPairs.pairsTotal());
            assertEquals(2, byPairs.pairsIgnored(), "the unknown id and the self pair");
            assertTrue(
                    byGroups.exact().retrieval().mapAtR() < 1,
                    "noise must make the test non-trivial");
        }
    }

    /**
     * Issue 21: an item's images share its ordinal in their ids. Two identical images per item rank
     * together, so by product nothing changes; by image each match counts twice.
     */
    @Test
    void anItemsImagesCountOnceByProductAndEachByImage() {
        EvalData single = Synthetic.groups(30, 3, 16, 0.4, 11);
        int dim = single.dim();
        long[] ids = new long[2 * single.size()];
        float[] vectors = new float[ids.length * dim];
        for (int item = 0; item < single.size(); item++) {
            for (int image = 0; image < 2; image++) {
                int row = 2 * item + image;
                ids[row] = VectorIds.of(item, image, VectorIds.IMAGE_BITS);
                System.arraycopy(single.vectors(), item * dim, vectors, row * dim, dim);
            }
        }
        EvalData twice =
                new EvalData(
                        single.itemIds(),
                        single.vectors(),
                        dim,
                        single.labelGroups(),
                        single.categories(),
                        null,
                        new Gallery(ids, vectors, VectorIds.IMAGE_BITS));
        Evaluator evaluator = new Evaluator(Evaluator.Settings.DEFAULTS);
        try (FaissIndex one = Synthetic.flat(single);
                FaissIndex two = FaissIndex.create(dim, "Flat", Metric.INNER_PRODUCT)) {
            two.add(vectors, ids);
            EvalResult byItem =
                    evaluator.evaluate(
                            single, Relevance.fromLabelGroups(single), one, SearchOptions.DEFAULT);
            EvalResult byImage =
                    evaluator.evaluate(
                            twice, Relevance.fromLabelGroups(twice), two, SearchOptions.DEFAULT);

            assertEquals(single.size(), byImage.items());
            assertEquals(2 * single.size(), byImage.vectors());
            assertEquals(byItem.exact().retrieval(), byImage.exact().retrieval());
            assertEquals(byItem.ann().retrieval(), byImage.ann().retrieval());
            assertEquals(byItem.exact().shopee().f1(), byImage.exact().shopee().f1(), EPS);
            assertArrayEquals(
                    byItem.exact().shopee().f1ByThreshold(),
                    byImage.exact().shopee().f1ByThreshold(),
                    EPS);
            assertEquals(
                    byItem.exact().headline().get("map@r"),
                    byItem.exact().imageHeadline().get("map@r"),
                    EPS,
                    "one image per item: by image is by product");
            assertEquals(
                    byItem.exact().headline().get("recall@1"),
                    byImage.exact().imageHeadline().get("recall@1"),
                    EPS,
                    "the first image hit is the best item's");
            assertTrue(
                    byImage.exact().imageHeadline().get("map@r")
                            < byImage.exact().headline().get("map@r"),
                    "each match's second image ranks behind another item's first: "
                            + byImage.exact().imageHeadline());
        }
    }

    @Test
    void anIvfIndexWithOneProbeLosesRecallAgainstExactSearch() {
        EvalData data = Synthetic.groups(200, 4, 32, 0.12, 5);
        Relevance relevance = Relevance.fromLabelGroups(data);
        try (FaissIndex ivf = FaissIndex.create(data.dim(), "IVF16,Flat", Metric.INNER_PRODUCT)) {
            ivf.train(data.vectors());
            ivf.add(data.vectors(), IntStream.range(0, data.size()).asLongStream().toArray());
            EvalResult result =
                    new Evaluator(Evaluator.Settings.DEFAULTS)
                            .evaluate(data, relevance, ivf, SearchOptions.DEFAULT.withNprobe(1));

            Map<Integer, Double> exact = result.exact().retrieval().recallAtK();
            Map<Integer, Double> ann = result.ann().retrieval().recallAtK();
            exact.forEach(
                    (k, recall) ->
                            assertTrue(
                                    ann.get(k) <= recall,
                                    "recall@"
                                            + k
                                            + ": ANN "
                                            + ann.get(k)
                                            + " above exact "
                                            + recall));
            assertTrue(
                    result.indexLoss().get("map@r") > 0,
                    "one probe of 16 lists must miss some matches");
            assertTrue(result.indexLoss().get("recall@100") > 0);
            assertTrue(result.annIndex().contains("nprobe=1"), result.annIndex());
            assertEquals(Evaluator.Settings.DEFAULTS.worstQueries(), result.worstQueries().size());
            double worst = result.worstQueries().get(0).averagePrecision();
            assertTrue(
                    worst <= result.ann().retrieval().mapAtR(),
                    "the worst query is below the mean");
        }
    }

    @Test
    void worstQueriesAreTheLowestApWithTheirFirstResultsMarked() {
        EvalData data = Synthetic.groups(20, 3, 8, 0.5, 2);
        Relevance relevance = Relevance.fromLabelGroups(data);
        try (FaissIndex ann = Synthetic.flat(data)) {
            EvalResult result =
                    new Evaluator(new Evaluator.Settings(List.of(1, 10), 10, 7, 4))
                            .evaluate(data, relevance, ann, SearchOptions.DEFAULT);
            List<EvalResult.WorstQuery> worst = result.worstQueries();
            assertEquals(4, worst.size());
            for (int i = 1; i < worst.size(); i++) {
                assertTrue(
                        worst.get(i - 1).averagePrecision() <= worst.get(i).averagePrecision(),
                        "worst first");
            }
            for (EvalResult.WorstQuery query : worst) {
                assertEquals(WorstQueries.SHOWN, query.top().size());
                for (EvalResult.Hit hit : query.top()) {
                    assertTrue(hit.ordinal() != query.ordinal(), "the query itself is excluded");
                    assertEquals(relevance.isMatch(query.ordinal(), hit.ordinal()), hit.correct());
                    assertEquals(data.itemIds()[hit.ordinal()], hit.itemId());
                }
            }
            assertEquals(20 * 3, result.items());
            assertTrue(result.searchDepth() <= data.size() - 1);
        }
    }

    @Test
    void scoreHistogramCountsEveryRetrievedPair() {
        EvalData data = Synthetic.groups(10, 2, 8, 0.1, 4);
        try (FaissIndex ann = Synthetic.flat(data)) {
            EvalResult result =
                    new Evaluator(new Evaluator.Settings(List.of(1, 5), 5, 3, 0))
                            .evaluate(
                                    data,
                                    Relevance.fromLabelGroups(data),
                                    ann,
                                    SearchOptions.DEFAULT);
            long matches = java.util.Arrays.stream(result.scores().matches()).sum();
            long nonMatches = java.util.Arrays.stream(result.scores().nonMatches()).sum();
            assertEquals((long) data.size() * result.searchDepth(), matches + nonMatches);
            assertEquals(data.size(), matches, "each item's one partner is within its results");
        }
    }

    /** Evaluating {@code data} by its label groups against {@code ann} fails: the failure. */
    private static EvaluationException refused(EvalData data, FaissIndex ann) {
        return assertThrows(
                EvaluationException.class,
                () ->
                        new Evaluator(Evaluator.Settings.DEFAULTS)
                                .evaluate(
                                        data,
                                        Relevance.fromLabelGroups(data),
                                        ann,
                                        SearchOptions.DEFAULT));
    }

    @Test
    void anIndexOfOtherDataIsRefusedWithAClearMessage() {
        EvalData data = Synthetic.groups(5, 2, 8, 0.1, 1);
        EvalData other = Synthetic.groups(6, 2, 8, 0.1, 1);
        try (FaissIndex ann = Synthetic.flat(other)) {
            EvaluationException e = refused(data, ann);
            assertTrue(
                    e.getMessage().contains("holds 12 vectors but the data has 10 indexed images"),
                    e.getMessage());
        }
    }

    @Test
    void dataWithoutAnyMatchIsRefused() {
        EvalData data = Synthetic.groups(5, 1, 8, 0.1, 1);
        try (FaissIndex ann = Synthetic.flat(data)) {
            EvaluationException e = refused(data, ann);
            assertTrue(e.getMessage().startsWith("no item has a true match"), e.getMessage());
        }
    }

    @Test
    void settingsComeFromConfig() {
        Evaluator.Settings settings =
                settings(Map.of("evaluate.recall-ks", "1, 20", "evaluate.worst-queries", "3"));
        assertEquals(List.of(1, 20), settings.ks());
        assertEquals(3, settings.worstQueries());
        assertEquals(Evaluator.Settings.DEFAULTS.shopeeNeighbours(), settings.shopeeNeighbours());
        assertThrows(ConfigException.class, () -> settings(Map.of("evaluate.recall-ks", "1,ten")));
        ConfigException outOfRange =
                assertThrows(
                        ConfigException.class, () -> settings(Map.of("evaluate.recall-ks", "0,5")));
        assertTrue(
                outOfRange
                        .getMessage()
                        .startsWith(
                                "evaluate.recall-ks = '0,5' is not a comma-separated list of integers in [1, "),
                outOfRange.getMessage());
    }

    private static Evaluator.Settings settings(Map<String, String> config) {
        return Evaluator.Settings.from(Config.of(config));
    }
}
