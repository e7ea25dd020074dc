package dev.prodlens.core.eval;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.embed.ModelEngine;
import dev.prodlens.core.embed.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 19's quality gate: an INT8 export is accepted only if its embeddings stay close to its FP32
 * parent's and its retrieval on {@link EmbeddingQualityTest}'s sets is within a point of the
 * parent's. Every INT8 model `make model` prepares is tested ({@link TestModels#int8Models()}).
 */
class Int8QualityGateTest {
    /**
     * Cosine of each image's INT8 embedding to its FP32 parent's, over every image of the quality
     * test (real photos and their edits, clip-art and Fashion-MNIST distractors, Fashion-MNIST
     * catalogue and queries: 1,989 images). Measured on an AVX2 CPU: mean 0.979 (MobileNetV2) and
     * 0.983 (EfficientNet-Lite0), min 0.940 for both (docs/model.md). The bars leave room for other
     * CPUs' rounding, not for a broken export: MobileNetV2 quantized whole, stem included, gives a
     * mean of 0.78 and a min of 0.47 on the calibration images (0.98 and 0.95 for the export).
     */
    static final double MEAN_COSINE = 0.97;

    static final double MIN_COSINE = 0.90;

    /** Near-duplicate recall@1 and Fashion precision@10 may fall at most this far (one point). */
    static final double MAX_LOSS = 0.01;

    private static RetrievalEval eval;

    @BeforeAll
    static void buildSets() {
        eval = RetrievalEval.build(RetrievalEval.Sizes.TEST);
    }

    static List<String> int8Models() {
        return TestModels.int8Models();
    }

    /** A vectoriser that keeps every vector it hands out, in order. */
    private static final class Recording implements ImageVectoriser {
        final ImageVectoriser inner;
        final List<float[]> vectors = new ArrayList<>();

        Recording(ImageVectoriser inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public List<float[]> vectors(List<byte[]> images) {
            List<float[]> out = inner.vectors(images);
            vectors.addAll(out);
            return out;
        }
    }

    private static Recording score(String id, RetrievalEval.Scores[] into, int slot) {
        try (Embedder embedder = Embedder.open(TestModels.config(id, ModelEngine.ONNX_RUNTIME))) {
            Recording recording = new Recording(ImageVectoriser.of(embedder, id));
            into[slot] = eval.score(recording);
            System.out.println(into[slot]);
            return recording;
        }
    }

    @ParameterizedTest
    @MethodSource("int8Models")
    void int8StaysCloseToItsFp32Parent(String id) {
        ModelCard card = ModelCard.read(TestModels.dir(id));
        assertEquals(ModelCard.INT8, card.precision(), id);
        String parent = card.parentId();
        RetrievalEval.Scores[] scores = new RetrievalEval.Scores[2];
        Recording fp32 = score(parent, scores, 0);
        Recording int8 = score(id, scores, 1);

        assertEquals(fp32.vectors.size(), int8.vectors.size());
        double sum = 0;
        double min = 1;
        int n = 0;
        for (int i = 0; i < fp32.vectors.size(); i++) {
            float[] a = fp32.vectors.get(i);
            float[] b = int8.vectors.get(i);
            if (a == null || b == null) {
                assertEquals(a == null, b == null, "image " + i + " failed in only one of them");
                continue;
            }
            double dot = 0;
            for (int k = 0; k < a.length; k++) dot += a[k] * b[k];
            sum += dot;
            min = Math.min(min, dot);
            n++;
        }
        double mean = sum / n;
        double lowest = min;
        RetrievalEval.Scores p = scores[0];
        RetrievalEval.Scores q = scores[1];
        String summary =
                String.format(
                        Locale.ROOT,
                        "%s vs %s over %d images: cosine mean %.4f min %.4f; near-dup recall@1 %.3f vs"
                                + " %.3f; fashion precision@10 %.3f vs %.3f",
                        id,
                        parent,
                        n,
                        mean,
                        lowest,
                        q.nearDupRecallAt1(),
                        p.nearDupRecallAt1(),
                        q.fashionPrecisionAt10(),
                        p.fashionPrecisionAt10());
        System.out.println(summary);
        assertAll(
                () -> assertTrue(mean >= MEAN_COSINE, summary),
                () -> assertTrue(lowest >= MIN_COSINE, summary),
                () -> assertTrue(q.nearDupRecallAt1() >= p.nearDupRecallAt1() - MAX_LOSS, summary),
                () ->
                        assertTrue(
                                q.fashionPrecisionAt10() >= p.fashionPrecisionAt10() - MAX_LOSS,
                                summary));
    }
}
