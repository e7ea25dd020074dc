package dev.prodlens.core.eval;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.adapt.Projection;
import dev.prodlens.core.adapt.Scatter;
import dev.prodlens.core.adapt.Whitening;
import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigKeys;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.ModelEngine;
import dev.prodlens.core.embed.TestModels;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
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

    /**
     * Issue 18: a projection learned from a catalogue's label groups (clip art, each with edited
     * copies; none of them in the near-duplicate set) must not cost near-duplicate recall@1 on the
     * real photos.
     */
    @Test
    void aProjectionLearnedFromCatalogueGroupsKeepsNearDuplicates() throws Exception {
        EmbedderConfig config = TestModels.config(TestModels.DEFAULT, ModelEngine.ONNX_RUNTIME);
        try (Embedder embedder = Embedder.open(config)) {
            ImageVectoriser model = ImageVectoriser.of(embedder, TestModels.DEFAULT);
            List<Path> clips = OfflineImages.clipArtSample(2 * TRAIN_GROUPS);
            ImageEdits[] edits = ImageEdits.values();
            Scatter all = new Scatter(embedder.card().dim());
            Scatter pairs = new Scatter(embedder.card().dim());
            for (int g = 0; g < TRAIN_GROUPS; g++) {
                Path clip = clips.get(2 * g + 1); // odd ones: not the distractors' sample
                BufferedImage image = ImageIO.read(clip.toFile());
                List<float[]> group =
                        model.vectors(
                                List.of(
                                        Files.readAllBytes(clip),
                                        edits[g % edits.length].apply(image),
                                        edits[(g + 3) % edits.length].apply(image)));
                List<float[]> ok = group.stream().filter(java.util.Objects::nonNull).toList();
                ok.forEach(all::add);
                for (int a = 0; a < ok.size(); a++) {
                    for (int b = a + 1; b < ok.size(); b++)
                        pairs.addDifference(ok.get(a), ok.get(b));
                }
            }
            // with the shrinkage the adapt stage applies by default
            double shrinkage = Config.of(Map.of()).get(ConfigKeys.ADAPT_SHRINKAGE);
            Projection projection = Whitening.learned(all, pairs, 256, shrinkage);
            RetrievalEval.Scores raw = eval.score(model);
            RetrievalEval.Scores projected = eval.score(projected(model, projection));
            System.out.println(raw + "\n" + projected);
            assertTrue(
                    projected.nearDupRecallAt1() >= raw.nearDupRecallAt1(),
                    "learned whitening " + projected + " vs the model's vectors " + raw);
        }
    }

    /** Groups of clip art (an original and two edited copies) the projection is learned from. */
    static final int TRAIN_GROUPS = 250;

    private static ImageVectoriser projected(ImageVectoriser model, Projection projection) {
        return new ImageVectoriser() {
            @Override
            public String name() {
                return model.name() + " + " + projection;
            }

            @Override
            public List<float[]> vectors(List<byte[]> images) {
                return model.vectors(images).stream()
                        .map(v -> v == null ? null : projection.apply(v))
                        .toList();
            }
        };
    }

    @Test
    void shuffledWeightsFailTheSameBar() {
        RetrievalEval.Scores random = scoresOf(TestModels.RANDOM);
        assertFalse(passes(random), "random weights " + random + " vs baseline " + baseline);
    }
}
