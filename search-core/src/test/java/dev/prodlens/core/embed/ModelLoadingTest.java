package dev.prodlens.core.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing, damaged or mismatched model fails at start-up with a message that says what to do. */
class ModelLoadingTest {
    @TempDir Path tmp;

    private Path copyOfDefault() throws IOException {
        Path source = TestModels.dir(TestModels.DEFAULT_FP32);
        Path copy = tmp.resolve(TestModels.DEFAULT_FP32);
        Files.createDirectories(copy);
        try (var files = Files.list(source)) {
            for (Path f : files.toList()) Files.copy(f, copy.resolve(f.getFileName()));
        }
        return copy;
    }

    private static EmbedderConfig configFor(Path dir, ModelEngine engine) {
        return TestModels.config(TestModels.DEFAULT_FP32, engine).withModelDir(dir);
    }

    /** Why the default model's configuration, reading the model from {@code dir}, fails to open. */
    private static ModelException refusal(Path dir, ModelEngine engine) {
        return assertThrows(ModelException.class, () -> Embedder.open(configFor(dir, engine)));
    }

    @Test
    void missingModelSaysHowToExportIt() {
        ModelException e = refusal(tmp.resolve("nothing"), ModelEngine.PYTORCH);
        assertTrue(e.getMessage().contains("scripts/prepare-model.sh"), e.getMessage());
    }

    @Test
    void damagedExportIsRefusedByChecksum() throws IOException {
        Path dir = copyOfDefault();
        Path pt = dir.resolve(TestModels.DEFAULT_FP32 + ".pt");
        try (var channel = Files.newByteChannel(pt, StandardOpenOption.WRITE)) {
            channel.position(Files.size(pt) / 2);
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4}));
        }
        ModelException e = refusal(dir, ModelEngine.PYTORCH);
        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
    }

    @Test
    void exportThatDisagreesWithItsCardFailsTheSelfCheck() throws IOException {
        Path dir = copyOfDefault();
        // The random-weight control's ONNX file under the default model's card: checksums made to
        // match, so only the self-check (running the card's check input) can catch it.
        Path card = dir.resolve(ModelCard.FILE_NAME);
        Path foreign = TestModels.dir(TestModels.RANDOM).resolve(TestModels.RANDOM + ".onnx");
        Files.copy(
                foreign,
                dir.resolve(TestModels.DEFAULT_FP32 + ".onnx"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String json = Files.readString(card, StandardCharsets.UTF_8);
        String foreignSha =
                ModelCard.read(TestModels.dir(TestModels.RANDOM))
                        .fileSha256(ModelEngine.ONNX_RUNTIME);
        String ownSha = ModelCard.read(dir).fileSha256(ModelEngine.ONNX_RUNTIME);
        Files.writeString(card, json.replace(ownSha, foreignSha), StandardCharsets.UTF_8);

        ModelException e = refusal(dir, ModelEngine.ONNX_RUNTIME);
        assertTrue(e.getMessage().contains("check input"), e.getMessage());
    }

    @Test
    void unreadableCardIsAClearError() throws IOException {
        Path dir = copyOfDefault();
        Files.writeString(dir.resolve(ModelCard.FILE_NAME), "{\"id\": 3", StandardCharsets.UTF_8);
        ModelException e = refusal(dir, ModelEngine.PYTORCH);
        assertTrue(e.getMessage().contains("unreadable"), e.getMessage());
    }

    @Test
    void gpuOnAMachineWithoutOneIsAClearError() {
        // On a machine with a GPU (and the CUDA build) this configuration is valid, so only assert
        // where there is none.
        EmbedderConfig cpu = TestModels.config(TestModels.DEFAULT_FP32, ModelEngine.PYTORCH);
        EmbedderConfig gpu =
                new EmbedderConfig(
                        cpu.modelDir(),
                        cpu.engine(),
                        DeviceChoice.GPU,
                        1,
                        8,
                        cpu.maxBytes(),
                        cpu.maxPixels());
        if (ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0) {
            ModelException e = assertThrows(ModelException.class, () -> Embedder.open(gpu));
            assertTrue(e.getMessage().contains("no GPU"), e.getMessage());
        } else {
            try (Embedder onGpu = Embedder.open(gpu)) {
                assertEquals(1280, onGpu.card().dim());
            }
        }
    }
}
