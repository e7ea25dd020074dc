package dev.prodlens.jobs;

import dev.prodlens.core.config.Config;
import dev.prodlens.testkit.Repo;
import java.nio.file.Path;
import java.util.HashMap;
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

    /**
     * The jobs' embedder settings for the repository's configuration (JobSettings), a map to
     * change.
     */
    public static Map<String, String> embedderSettings() {
        return new HashMap<>(jobSettings(Map.of()).embedderSettings());
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
