package dev.prodlens.jobs;

import static dev.prodlens.core.config.ConfigKeys.*;

import dev.prodlens.core.bundle.ImageReference;
import dev.prodlens.core.config.Config;
import dev.prodlens.jobs.catalogue.CatalogueColumns;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the jobs read and write, from {@code conf/prodlens.properties} ({@code catalogue.*}, {@code
 * jobs.*}, {@code bundles.dir}). Local relative paths are made absolute against the driver's
 * working directory so executors on other machines get the same path; URIs ({@code hdfs://…},
 * {@code s3a://…}, {@code file:/…}) are kept as they are. A relative {@code model.dir} is also kept
 * as written ({@link #MODEL_DIR_AS_CONFIGURED}): an executor that has it in its own working
 * directory (shipped with {@code --archives models.tgz#models}, as on YARN or Kubernetes) uses that
 * copy, see {@code EmbedPartition}.
 *
 * @param catalogueName names the bundle directory ({@code bundles.dir/<name>/<version>})
 * @param embedderSettings the {@code model.*} and {@code decode.*} keys with an absolute {@code
 *     model.dir}
 */
public record JobSettings(
        String catalogueName,
        String cataloguePath,
        String catalogueFormat,
        String imagesRoot,
        CatalogueColumns columns,
        String embeddingsPath,
        String bundlesDir,
        Map<String, String> embedderSettings,
        Config config) {
    private static final List<String> EMBEDDER_PREFIXES = List.of("model.", "decode.", "embed.");

    /**
     * In {@link #embedderSettings()}: {@code model.dir} as the configuration wrote it, when
     * relative.
     */
    public static final String MODEL_DIR_AS_CONFIGURED = "model.dir.as-configured";

    public static JobSettings from(Config config, Path workingDir) {
        String name = config.get(CATALOGUE_NAME);
        String workDir = location(config.get(JOBS_WORK_DIR), workingDir);
        Map<String, String> embedder = new HashMap<>();
        config.asMap()
                .forEach(
                        (k, v) -> {
                            if (EMBEDDER_PREFIXES.stream().anyMatch(k::startsWith))
                                embedder.put(k, v);
                        });
        String modelDir = config.get(MODEL_DIR);
        embedder.put(MODEL_DIR.name(), location(modelDir, workingDir));
        if (!ImageReference.isAbsolute(modelDir)) embedder.put(MODEL_DIR_AS_CONFIGURED, modelDir);
        return new JobSettings(
                name,
                location(config.get(CATALOGUE_PATH), workingDir),
                config.get(CATALOGUE_FORMAT),
                config.find(CATALOGUE_IMAGES_ROOT).map(p -> location(p, workingDir)).orElse(null),
                CatalogueColumns.from(config),
                config.find(JOBS_EMBEDDINGS)
                        .map(p -> location(p, workingDir))
                        .orElse(defaultEmbeddings(workDir, name, config.get(MODEL_ID))),
                location(config.get(BUNDLES_DIR), workingDir),
                Map.copyOf(embedder),
                config);
    }

    /**
     * The embeddings table when {@code jobs.embeddings} is not set: one per catalogue and model, so
     * a change of {@code model.id} embeds afresh beside the other model's table (the jobs refuse to
     * mix two models' vectors in one table) and a change back finds it again.
     */
    static String defaultEmbeddings(String workDir, String catalogue, String modelId) {
        return workDir + "/" + catalogue + "/" + modelId + "/embeddings.parquet";
    }

    /**
     * {@code value} as it is when it is a URI or an absolute path, else resolved against {@code
     * base}.
     */
    public static String location(String value, Path base) {
        if (ImageReference.isAbsolute(value)) return value;
        return base.resolve(value).toAbsolutePath().normalize().toString();
    }

    /** The directory of this catalogue's bundles (versions and {@code CURRENT}). */
    public String catalogueBundles() {
        return bundlesDir + "/" + catalogueName;
    }
}
