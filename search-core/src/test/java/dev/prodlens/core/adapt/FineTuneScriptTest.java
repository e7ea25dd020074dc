package dev.prodlens.core.adapt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.embed.ModelEngine;
import dev.prodlens.core.embed.TestModels;
import dev.prodlens.core.image.DecodeLimits;
import dev.prodlens.core.image.ImageDecodeException;
import dev.prodlens.core.image.ImageDecoder;
import dev.prodlens.testkit.CatalogueWriter;
import dev.prodlens.testkit.ImageEdits;
import dev.prodlens.testkit.OfflineImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/finetune.sh on a tiny catalogue, on the CPU, in one thread: the loss falls, only the
 * blocks left to learn change, the export loads through the Java Embedder as any exported model
 * does, and a catalogue it cannot learn from stops it in one line.
 *
 * <p>Each of the catalogue's 16 groups pairs two unrelated clip-art images: the pretrained model
 * cannot tell which belong together, so its loss starts high and falls only by learning. The input
 * is 96 px (the card says so, and the Embedder follows the card) to keep the run short.
 */
class FineTuneScriptTest {
    private static final int GROUPS = 16;
    private static final String NAME = "tiny";

    /**
     * The base model's last two blocks as finetune.py names them ("+" joins a block's parameter
     * prefixes): MobileNetV2's last inverted-residual stage and final 1x1 conv, or
     * EfficientNet-Lite0's last MBConv block and head.
     */
    private static final List<String> LEARNING =
            TestModels.DEFAULT_FP32.startsWith("mobilenetv2")
                    ? List.of("features.17", "features.18")
                    : List.of("_blocks.15", "_conv_head+_bn1");

    /** Whether parameter {@code name} belongs to {@code block}. */
    private static boolean inBlock(String name, String block) {
        return Arrays.stream(block.split("\\+")).anyMatch(prefix -> name.startsWith(prefix + "."));
    }

    @TempDir static Path tmp;
    private static Path model;
    private static JsonObject card;
    private static JsonObject training;

    @BeforeAll
    static void fineTuneOnce() throws Exception {
        Scripts.requireTorch();
        Path catalogue = writeCatalogue(tmp.resolve("catalogue"), GROUPS);
        model = tmp.resolve("model");
        Scripts.Run run =
                fineTune(
                        catalogue,
                        "--out",
                        model.toString(),
                        "--input-size",
                        "96",
                        "--groups-per-batch",
                        "4",
                        "--epochs",
                        "8",
                        "--patience",
                        "8",
                        "--lr",
                        "1e-3",
                        "--threads",
                        "1");
        assertEquals(0, run.exit(), run.transcript());
        card = json(model.resolve(ModelCard.FILE_NAME));
        training = json(model.resolve("training.json"));
    }

    @Test
    void theLossFalls() {
        JsonArray steps = training.getAsJsonArray("loss_by_step");
        int quarter = steps.size() / 4;
        assertTrue(quarter >= 3, "steps: " + steps);
        double first = mean(steps, 0, quarter);
        double last = mean(steps, steps.size() - quarter, steps.size());
        assertTrue(first > 0.2, "the pretrained model already matches unrelated images: " + steps);
        assertTrue(last < first / 2, "first quarter " + first + ", last " + last + ": " + steps);
    }

    @Test
    void theCardSaysWhatWasLearnedFromWhat() {
        JsonObject fineTune = card.getAsJsonObject("fine_tune");
        assertEquals(TestModels.DEFAULT_FP32 + "-ft-" + NAME, card.get("id").getAsString());
        assertEquals(TestModels.DEFAULT_FP32, fineTune.get("base_model").getAsString());
        assertEquals(NAME, fineTune.get("catalogue").getAsString());
        int train = 0;
        for (int g = 0; g < GROUPS; g++)
            if (GroupSplit.DEFAULT.of(group(g)) == GroupSplit.Part.TRAIN) train++;
        assertEquals(train, fineTune.getAsJsonObject("groups").get("train").getAsInt());
        assertEquals(LEARNING, strings(fineTune.getAsJsonArray("trained_blocks")));
        assertEquals(
                training.getAsJsonArray("epochs").size(),
                fineTune.getAsJsonArray("loss_by_epoch").size());
        assertNotEquals(
                ModelCard.read(TestModels.dir(TestModels.DEFAULT_FP32)).weightsSha256(),
                card.get("weights_sha256").getAsString());
    }

    /** The export meets the contract of scripts/export_model.py's: both engines pass the check. */
    @Test
    void theExportEmbedsThroughTheJavaEmbedder() throws IOException {
        byte[] photo = Files.readAllBytes(OfflineImages.photos().get(0));
        for (ModelEngine engine : ModelEngine.values()) {
            try (Embedder embedder =
                    Embedder.open(
                            TestModels.config(TestModels.DEFAULT_FP32, engine)
                                    .withModelDir(model))) {
                assertEquals(96, embedder.card().input().size());
                float[] v = embedder.embed(photo).vector();
                assertEquals(embedder.card().dim(), v.length, engine.name());
                assertEquals(1280, v.length);
                double norm = 0;
                for (float x : v) norm += x * x;
                assertEquals(1.0, Math.sqrt(norm), 1e-5, engine.name());
            }
        }
    }

    /**
     * The weights it saved differ from the pretrained ones in the learning blocks' weights only:
     * compared tensor by tensor in Python, apart from the script's own bookkeeping. BatchNorm's
     * running statistics stay as they were (the script trains in eval mode).
     */
    @Test
    void onlyTheUnfrozenBlocksChanged() throws Exception {
        String base = training.getAsJsonObject("args").get("weights").getAsString();
        Scripts.Run run =
                Scripts.run(
                        "",
                        List.of(
                                Scripts.PYTHON,
                                "-c",
                                "import sys, torch\n"
                                        + "base = torch.load(sys.argv[1])\n"
                                        + "tuned = torch.load(sys.argv[2])\n"
                                        + "assert base.keys() == tuned.keys()\n"
                                        + "for name in base:\n"
                                        + "    if not torch.equal(base[name], tuned[name]):"
                                        + " print(name)\n",
                                base,
                                model.resolve("weights.pt").toString()));
        assertEquals(0, run.exit(), run.transcript());
        List<String> changed = run.out().lines().toList();
        for (String block : LEARNING) {
            assertTrue(
                    changed.stream().anyMatch(n -> inBlock(n, block)),
                    block + " did not learn: " + changed);
        }
        for (String name : changed) {
            assertTrue(
                    LEARNING.stream().anyMatch(block -> inBlock(name, block)),
                    "a frozen tensor changed: " + name);
            assertFalse(name.contains("running_"), "BatchNorm statistics changed: " + name);
        }
        assertEquals(
                LEARNING,
                strings(card.getAsJsonObject("fine_tune").getAsJsonArray("changed_blocks")));
    }

    @Test
    void aCatalogueWithoutLabelGroupsStopsInOneLine() throws Exception {
        Path csv = tmp.resolve("unlabelled.csv");
        Files.writeString(
                csv,
                CatalogueWriter.HEADER
                        + "\nitem-1,"
                        + OfflineImages.photos().get(0)
                        + ",a,,c,1.00\nitem-2,"
                        + OfflineImages.photos().get(1)
                        + ",b,,c,1.00\n",
                StandardCharsets.UTF_8);
        assertRefused(fineTune(csv), "no labelled rows");
    }

    @Test
    void aCatalogueOfOneGroupStopsInOneLine() throws Exception {
        assertRefused(fineTune(writeCatalogue(tmp.resolve("one"), 1)), "1 label group(s) in all");
    }

    private static void assertRefused(Scripts.Run run, String reason) {
        assertEquals(2, run.exit(), run.transcript());
        assertEquals(1, run.err().lines().count(), run.transcript());
        assertTrue(run.err().startsWith("finetune: "), run.transcript());
        assertTrue(run.err().contains(reason), run.transcript());
        assertTrue(run.out().isEmpty(), run.transcript());
    }

    private static Scripts.Run fineTune(Path catalogue, String... options) throws Exception {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                "scripts/finetune.sh",
                                "model.id=" + TestModels.DEFAULT,
                                "model.dir=" + TestModels.dir(TestModels.DEFAULT_FP32).getParent(),
                                "catalogue.path=" + catalogue,
                                "catalogue.name=" + NAME,
                                "--"));
        command.addAll(List.of(options));
        return Scripts.run("", command);
    }

    /** Groups of two unrelated clip-art images, each at most 128 px (decoding stays cheap). */
    private static Path writeCatalogue(Path dir, int groups) throws IOException {
        Files.createDirectories(dir);
        Path csv = dir.resolve("catalogue.csv");
        ImageDecoder decoder = new ImageDecoder(DecodeLimits.DEFAULTS);
        // spread over all of clip art; a few posters over the pixel cap are skipped
        List<Path> clipArt = OfflineImages.clipArtSample(2 * groups + 8);
        try (CatalogueWriter out = new CatalogueWriter(csv)) {
            for (Path file : clipArt) {
                if (out.rows() == 2 * groups) break;
                byte[] png;
                try {
                    png =
                            ImageEdits.encodePng(
                                    ImageEdits.fit(decoder.decode(Files.readAllBytes(file)), 128));
                } catch (ImageDecodeException e) {
                    continue;
                }
                out.add("clip art " + out.rows(), group(out.rows() / 2), "clip art", 1.0, png);
            }
        }
        return csv;
    }

    private static String group(int g) {
        return String.format(Locale.ROOT, "product-%02d", g);
    }

    private static JsonObject json(Path file) throws IOException {
        return JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    private static List<String> strings(JsonArray array) {
        List<String> out = new ArrayList<>();
        array.forEach(e -> out.add(e.getAsString()));
        return out;
    }

    private static double mean(JsonArray values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) sum += values.get(i).getAsDouble();
        return sum / (to - from);
    }
}
