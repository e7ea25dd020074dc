package dev.prodlens.jobs.embed;

import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.EmbedderConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link Embedder} per executor JVM and configuration, opened by the first task that needs it
 * and reused by every later task and partition (what the DJL Spark extension does: loading a model
 * per partition would cost more than embedding a small partition). Closed when the JVM exits.
 */
final class ExecutorEmbedders {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEmbedders.class);
    private static final Map<EmbedderConfig, Embedder> OPEN = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> OPEN.values().forEach(Embedder::close), "close-embedders"));
    }

    private ExecutorEmbedders() {}

    static Embedder get(EmbedderConfig config) {
        return OPEN.computeIfAbsent(
                config,
                c -> {
                    LOG.info("embedding model from {}", c.modelDir());
                    return Embedder.open(c);
                });
    }
}
