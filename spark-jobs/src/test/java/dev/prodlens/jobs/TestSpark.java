package dev.prodlens.jobs;

import dev.prodlens.core.config.Config;
import dev.prodlens.testkit.Repo;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What the Spark tests share: a local session on loopback and the repository's embedding settings.
 */
public final class TestSpark {
    private TestSpark() {}

    /** A local[2] session bound to 127.0.0.1, without the UI. */
    public static SparkSession local(String appName) {
        return SparkSession.builder()
                .master("local[2]")
                .appName(appName)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    /** conf/prodlens.properties' model.* and decode.* keys, with model.dir made absolute. */
    public static Map<String, String> embedderSettings() {
        Path repo = Repo.root();
        Config config = Config.load(repo.resolve("conf/prodlens.properties"));
        Map<String, String> settings = new HashMap<>();
        for (String key :
                List.of(
                        "model.id",
                        "model.engine",
                        "model.device",
                        "model.threads",
                        "model.max-batch",
                        "decode.max-bytes",
                        "decode.max-pixels")) {
            config.find(key).ifPresent(v -> settings.put(key, v));
        }
        settings.put("model.dir", repo.resolve("models").toString());
        return settings;
    }

    /**
     * The repository's configuration with {@code overrides} (paths into a test directory), as the
     * jobs see it.
     */
    public static JobSettings jobSettings(Map<String, String> overrides) {
        Path repo = Repo.root();
        Map<String, String> all = new HashMap<>(overrides);
        all.putIfAbsent("model.dir", repo.resolve("models").toString());
        return JobSettings.from(
                Config.load(repo.resolve("conf/prodlens.properties")).with(all), repo);
    }
}
