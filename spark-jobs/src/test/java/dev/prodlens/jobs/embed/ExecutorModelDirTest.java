package dev.prodlens.jobs.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.jobs.JobSettings;
import dev.prodlens.jobs.JobsRuntime;
import dev.prodlens.testkit.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where an executor takes the model from: its own working directory's copy, else the driver's path.
 */
class ExecutorModelDirTest {
    private static final Path HERE = Path.of("").toAbsolutePath();

    private static Config conf(String modelDir) {
        return Config.load(Repo.root().resolve("conf/prodlens.properties"))
                .with(Map.of("model.dir", modelDir));
    }

    @Test
    void relativeModelDirPresentInTheExecutorsWorkingDirectoryWins(@TempDir Path tmp) {
        Path driverDir = tmp.resolve("driver"); // "../models" from there is inside tmp, and absent
        String relative = HERE.relativize(JobsRuntime.models()).toString();
        JobSettings settings = JobSettings.from(conf(relative), driverDir);
        String id = settings.embedderSettings().get("model.id");
        assertEquals(
                driverDir.resolve(relative).normalize().toString(),
                settings.embedderSettings().get("model.dir"));
        assertFalse(
                Files.exists(driverDir.resolve(relative).resolve(id)),
                "the driver's path does not exist here");
        assertEquals(
                relative, settings.embedderSettings().get(JobSettings.MODEL_DIR_AS_CONFIGURED));

        EmbedderConfig executor = EmbedPartition.executorConfig(settings.embedderSettings());
        assertEquals(
                HERE.resolve(relative).resolve(id).normalize(), executor.modelDir().normalize());
    }

    @Test
    void otherwiseTheDriversAbsolutePath(@TempDir Path driverDir) {
        JobSettings absent = JobSettings.from(conf("no-such-models"), driverDir);
        String id = absent.embedderSettings().get("model.id");
        assertEquals(
                driverDir.resolve("no-such-models").resolve(id),
                EmbedPartition.executorConfig(absent.embedderSettings()).modelDir());

        JobSettings absolute = JobSettings.from(conf(JobsRuntime.models().toString()), driverDir);
        assertNull(absolute.embedderSettings().get(JobSettings.MODEL_DIR_AS_CONFIGURED));
        assertEquals(
                JobsRuntime.models().resolve(id),
                EmbedPartition.executorConfig(absolute.embedderSettings()).modelDir());
    }
}
