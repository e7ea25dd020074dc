package dev.prodlens.core.eval;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelEngine;
import dev.prodlens.core.embed.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pretrained default model finds near-duplicates of real photos among distractors and retrieves
 * Fashion-MNIST classes far better than a colour histogram; the same architecture with shuffled
 * weights does not, which shows these thresholds test the weights.
 */
class EmbeddingQualityTest {
    static final double NEAR_DUP_RECALL_AT_1 = 0.9;

    /** Precision@10 by class; chance is 0.1. */
    static final double FASHION_PRECISION_AT_10 = 0.6;

    /** How far the model must beat the baseline on each measure. */
    static final double MARGIN = 0.15;

    private static RetrievalEval eval;
    private static RetrievalEval.Scores baseline;

    @BeforeAll
    static void buildSets() {
        eval = RetrievalEval.build(RetrievalEval.Sizes.TEST);
        baseline = eval.score(new ColourHistogram());
        System.out.println(baseline);
    }

    static RetrievalEval.Scores scoresOf(String modelId) {
        EmbedderConfig config = TestModels.config(modelId, ModelEngine.ONNX_RUNTIME);
        try (Embedder embedder = Embedder.open(config)) {
            RetrievalEval.Scores scores = eval.score(ImageVectoriser.of(embedder, modelId));
            System.out.println(scores);
            return scores;
        }
    }

    static boolean passes(RetrievalEval.Scores model) {
        return model.nearDupRecallAt1() >= NEAR_DUP_RECALL_AT_1
                && model.fashionPrecisionAt10() >= FASHION_PRECISION_AT_10
                && model.nearDupRecallAt1() >= baseline.nearDupRecallAt1() + MARGIN
                && model.fashionPrecisionAt10() >= baseline.fashionPrecisionAt10() + MARGIN;
    }

    @Test
    void pretrainedModelPassesAndBeatsTheBaseline() {
        RetrievalEval.Scores model = scoresOf(TestModels.DEFAULT);
        assertTrue(passes(model), "pretrained " + model + " vs baseline " + baseline);
    }

    @Test
    void shuffledWeightsFailTheSameBar() {
        RetrievalEval.Scores random = scoresOf(TestModels.RANDOM);
        assertFalse(passes(random), "random weights " + random + " vs baseline " + baseline);
    }
}
