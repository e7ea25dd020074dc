package dev.prodlens.api;

import static dev.prodlens.core.config.ConfigKeys.*;

import dev.prodlens.core.config.Config;
import dev.prodlens.core.config.ConfigException;
import dev.prodlens.core.embed.EmbedderConfig;
import dev.prodlens.core.embed.RegionLayout;
import dev.prodlens.core.live.UpdateLog;
import dev.prodlens.core.live.UpdateLogs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The service's settings: the {@code api.*} keys of conf/prodlens.properties, plus the shared
 * {@code model.*}/{@code decode.*} (the embedder) and {@code bundles.dir}/{@code catalogue.*}
 * (which bundle to serve, where the images are). Relative paths resolve against the working
 * directory.
 */
public record ApiSettings(
        String host,
        int port,
        Path catalogueBundles,
        Path imagesRoot,
        Duration reloadInterval,
        EmbedderConfig embedder,
        Batching batching,
        Limits limits,
        List<String> corsOrigins,
        String adminKey,
        UrlFetch urlFetch,
        Live live,
        Regions regions) {

    /** The origins value that allows any origin. */
    public static final String ANY_ORIGIN = "*";

    /** scheme://host[:port], nothing after: what a browser sends as Origin. */
    private static final Pattern ORIGIN =
            Pattern.compile(
                    "[a-zA-Z][a-zA-Z0-9+.-]*://(\\[[0-9a-fA-F:.]+]|[a-zA-Z0-9.-]+)(:[0-9]{1,5})?");

    /**
     * Triton's dynamic batcher, in its terms.
     *
     * @param enabled off: every request is its own batch (batch size 1)
     * @param maxBatch max_batch_size
     * @param maxQueueDelay max_queue_delay: how long a batch may wait for more requests to fill it
     * @param instances instance_group count: model runs in parallel, one intra-op thread each
     * @param queueCapacity requests waiting beyond this are refused (503 + Retry-After)
     */
    public record Batching(
            boolean enabled,
            int maxBatch,
            Duration maxQueueDelay,
            int instances,
            int queueCapacity) {
        /** The batch size the batcher forms: 1 when batching is off. */
        public int effectiveMaxBatch() {
            return enabled ? maxBatch : 1;
        }
    }

    /**
     * @param maxUploadBytes largest request body (an image, or all images of a batch request)
     * @param maxK largest k a request may ask for
     * @param defaultK k when a request names none
     * @param maxBatchImages most images in one /v1/search/batch request
     * @param requestTimeout how long a request may wait for the model before it is answered 503
     * @param maxInFlightPerClient requests one client address may have in flight (429 beyond); 0:
     *     no limit
     */
    public record Limits(
            long maxUploadBytes,
            int maxK,
            int defaultK,
            int maxBatchImages,
            Duration requestTimeout,
            int maxInFlightPerClient) {}

    /**
     * Search by URL ({@code ?url=}).
     *
     * @param allowHosts the only hosts fetched from; empty: URL search off
     * @param timeout the whole download (connect, headers and body) must end within this
     */
    public record UrlFetch(List<String> allowHosts, Duration timeout) {}

    /**
     * The live catalogue: the update log on top of the bundle ({@code live.*}).
     *
     * @param logName the log as a manifest names it; empty for {@code live.log=off}
     * @param log opens the log (empty for off); called once, at start
     * @param writeKey the key every write must send; empty: writes off
     * @param visibleWait how long a write waits to be visible before it answers
     * @param maxBatch most items in one batch write
     * @param reindexShare (adds + tombstones) / bundle items above which a reindex is advised
     */
    public record Live(
            Optional<String> logName,
            java.util.function.Supplier<Optional<UpdateLog>> log,
            String writeKey,
            Duration visibleWait,
            int maxBatch,
            double reindexShare) {}

    /**
     * Region search ({@code api.regions*}): besides the whole photo, crops of it are searched and
     * the answers fused per item.
     *
     * @param byDefault whether a search does so when its request does not say ({@code regions})
     * @param layout the crops
     */
    public record Regions(boolean byDefault, RegionLayout layout) {}

    public static ApiSettings from(Config config, Path workingDir) {
        Batching batching =
                new Batching(
                        config.get(API_BATCHING_ENABLED),
                        config.get(API_BATCHING_MAX_BATCH),
                        Duration.ofNanos(
                                Math.round(config.get(API_BATCHING_MAX_QUEUE_DELAY_MS) * 1e6)),
                        config.get(API_BATCHING_INSTANCES),
                        config.get(API_BATCHING_QUEUE_CAPACITY));
        int maxK = config.get(API_MAX_K);
        int defaultK = config.get(API_DEFAULT_K);
        if (defaultK > maxK) {
            throw new ConfigException(
                    "api.default-k ("
                            + defaultK
                            + ") is above api.max-k ("
                            + maxK
                            + "); lower the one or raise the other");
        }
        Limits limits =
                new Limits(
                        config.get(API_MAX_UPLOAD_BYTES),
                        maxK,
                        defaultK,
                        config.get(API_BATCH_MAX_IMAGES),
                        Duration.ofMillis(config.get(API_REQUEST_TIMEOUT_MS)),
                        config.get(API_MAX_IN_FLIGHT_PER_CLIENT));
        if (limits.maxBatchImages() > batching.queueCapacity()) {
            throw new ConfigException(
                    "api.batch.max-images ("
                            + limits.maxBatchImages()
                            + ") is above api.batching.queue-capacity ("
                            + batching.queueCapacity()
                            + "): a batch request takes a queue place per image, so such a batch could never be"
                            + " served; lower the one or raise the other");
        }
        return new ApiSettings(
                config.get(API_HOST),
                config.get(API_PORT),
                config.path(BUNDLES_DIR, workingDir).resolve(config.get(CATALOGUE_NAME)),
                imagesRoot(config, workingDir),
                Duration.ofMillis(config.get(API_RELOAD_INTERVAL_MS)),
                EmbedderConfig.from(config, workingDir),
                batching,
                limits,
                corsOrigins(list(config.get(API_CORS_ORIGINS))),
                config.get(API_ADMIN_KEY),
                new UrlFetch(
                        list(config.get(API_URL_FETCH_ALLOW_HOSTS)),
                        Duration.ofMillis(config.get(API_URL_FETCH_TIMEOUT_MS))),
                live(config, workingDir),
                regions(config));
    }

    private static Regions regions(Config config) {
        try {
            return new Regions(
                    config.get(API_REGIONS), RegionLayout.parse(config.get(API_REGIONS_LAYOUT)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("api.regions.layout: " + e.getMessage());
        }
    }

    private static Live live(Config config, Path workingDir) {
        Optional<String> name = UpdateLogs.describe(config, workingDir); // checks live.kafka.*
        String writeKey = config.get(LIVE_WRITE_KEY);
        if (name.isEmpty() && !writeKey.isEmpty()) {
            throw new ConfigException(
                    "live.write-key is set but live.log=off: writes need a log to record them;"
                            + " set live.log=local (one node) or kafka, or clear live.write-key");
        }
        return new Live(
                name,
                () -> UpdateLogs.open(config, workingDir),
                writeKey,
                Duration.ofMillis(config.get(LIVE_VISIBLE_WAIT_MS)),
                config.get(LIVE_BATCH_MAX_ITEMS),
                config.get(LIVE_REINDEX_SHARE));
    }

    /**
     * {@value #ANY_ORIGIN} alone, or origins as browsers send them; checked here, not when the
     * server starts.
     */
    private static List<String> corsOrigins(List<String> origins) {
        if (origins.contains(ANY_ORIGIN)) {
            if (origins.size() == 1) return origins;
            throw new ConfigException(
                    "api.cors-origins = '"
                            + String.join(",", origins)
                            + "' mixes * with origins; use * alone"
                            + " (any origin) or list the origins");
        }
        for (String origin : origins) {
            if (!ORIGIN.matcher(origin).matches()) {
                throw new ConfigException(
                        "api.cors-origins: '"
                                + origin
                                + "' is not an origin; write scheme://host[:port] with no"
                                + " path (https://shop.example.com), or * for any origin");
            }
        }
        return origins;
    }

    /**
     * api.images-root, else the catalogue's images root (catalogue.images-root, else the catalogue
     * file's directory).
     */
    private static Path imagesRoot(Config config, Path workingDir) {
        Optional<String> explicit =
                config.find(API_IMAGES_ROOT).or(() -> config.find(CATALOGUE_IMAGES_ROOT));
        if (explicit.isPresent()) return workingDir.resolve(explicit.get()).normalize();
        Path catalogue = config.path(CATALOGUE_PATH, workingDir).normalize();
        return catalogue.getParent() != null ? catalogue.getParent() : workingDir;
    }

    private static List<String> list(String csv) {
        return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
