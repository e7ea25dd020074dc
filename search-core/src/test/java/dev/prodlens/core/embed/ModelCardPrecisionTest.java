package dev.prodlens.core.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19: a card's precision. FP32 cards keep the fingerprint they always had; an INT8 card's
 * fingerprint covers its precision and quantization; the PyTorch engine refuses an INT8 export with
 * a message that says what to do.
 */
class ModelCardPrecisionTest {
    @TempDir Path tmp;

    /** The default model's card, changed by {@code edit}, in a directory of its own. */
    private Path card(String name, Consumer<JsonObject> edit) throws IOException {
        Path source = TestModels.dir(TestModels.DEFAULT_FP32).resolve(ModelCard.FILE_NAME);
        JsonObject json =
                JsonParser.parseString(Files.readString(source, StandardCharsets.UTF_8))
                        .getAsJsonObject();
        edit.accept(json);
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(ModelCard.FILE_NAME), json.toString());
        return dir;
    }

    /** What an INT8 export's card adds to its parent's (scripts/quantize_model.py). */
    private static void int8(JsonObject json, String excluded) {
        String parent = json.get("id").getAsString();
        json.addProperty("id", parent + "-int8");
        json.addProperty("precision", "int8");
        JsonObject parentRef = new JsonObject();
        parentRef.addProperty("id", parent);
        parentRef.addProperty(
                "onnx_sha256", json.getAsJsonObject("sha256").get("onnx").getAsString());
        json.add("parent", parentRef);
        json.getAsJsonObject("files").remove("torchscript");
        json.getAsJsonObject("sha256").remove("torchscript");
        JsonObject quantization = new JsonObject();
        quantization.addProperty("format", "QDQ");
        quantization.add("excluded_nodes", JsonParser.parseString("[\"" + excluded + "\"]"));
        quantization.addProperty("onnxruntime", "1.21.1");
        json.add("quantization", quantization);
    }

    /** The fingerprint as it was before precisions existed. */
    private static String fp32Fingerprint(ModelCard card) throws Exception {
        String canonical =
                card.id()
                        + '|'
                        + card.weightsSha256()
                        + '|'
                        + card.json().get("input")
                        + '|'
                        + card.json().get("embedding");
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("SHA-256")
                                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anFp32CardKeepsItsFingerprintWithOrWithoutPrecision() throws Exception {
        ModelCard plain = ModelCard.read(TestModels.dir(TestModels.DEFAULT_FP32));
        ModelCard marked = ModelCard.read(card("fp32", j -> j.addProperty("precision", "fp32")));
        assertEquals(ModelCard.FP32, plain.precision());
        assertEquals(ModelCard.FP32, marked.precision());
        assertNull(plain.parentId());
        assertEquals(fp32Fingerprint(plain), plain.fingerprint());
        assertEquals(plain.fingerprint(), marked.fingerprint());
    }

    @Test
    void anInt8CardIsReadAndItsFingerprintCoversTheQuantization() throws Exception {
        ModelCard parent = ModelCard.read(TestModels.dir(TestModels.DEFAULT_FP32));
        ModelCard int8 = ModelCard.read(card("int8", j -> int8(j, "/stem/Conv")));
        assertEquals(ModelCard.INT8, int8.precision());
        assertEquals(parent.id(), int8.parentId());
        assertTrue(int8.hasFile(ModelEngine.ONNX_RUNTIME));
        assertFalse(int8.hasFile(ModelEngine.PYTORCH));
        assertNotEquals(parent.fingerprint(), int8.fingerprint());
        // the same id and weights with the parent's own id: precision alone still tells them apart
        ModelCard sameId =
                ModelCard.read(
                        card(
                                "same-id",
                                j -> {
                                    int8(j, "/stem/Conv");
                                    j.addProperty("id", parent.id());
                                }));
        assertNotEquals(parent.fingerprint(), sameId.fingerprint());
        ModelCard otherExclusions = ModelCard.read(card("other", j -> int8(j, "/head/Conv")));
        assertNotEquals(int8.fingerprint(), otherExclusions.fingerprint());
    }

    @Test
    void pytorchRefusesAnInt8ExportSayingWhatToDo() throws IOException {
        Path dir = card("int8", j -> int8(j, "/stem/Conv"));
        EmbedderConfig config =
                TestModels.config(TestModels.DEFAULT_FP32, ModelEngine.PYTORCH).withModelDir(dir);
        ModelException e = assertThrows(ModelException.class, () -> Embedder.open(config));
        String message = e.getMessage();
        assertFalse(message.contains("\n"), message);
        assertTrue(message.contains("OnnxRuntime"), message);
        assertTrue(message.contains(TestModels.DEFAULT_FP32), message); // the FP32 parent
    }

    @Test
    void anUnknownPrecisionIsAnUnreadableCard() throws IOException {
        Path dir = card("fp16", j -> j.addProperty("precision", "fp16"));
        ModelException e = assertThrows(ModelException.class, () -> ModelCard.read(dir));
        assertTrue(e.getMessage().contains("precision"), e.getMessage());
    }
}
