package dev.prodlens.core.config;

import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every configuration key of prodlens, defined once: name, type, default, allowed values and what
 * it does. The jobs, the service, the benchmarks and the scripts ({@code scripts/config.sh}) read
 * their settings through these constants. {@code conf/prodlens.properties} and {@code
 * docs/configuration.md} list the same keys with the same defaults (ConfigReferenceTest).
 *
 * <p>To add a key: define it here in its section, add it to the file and the reference page, read
 * it with {@code config.get(ConfigKeys.NEW_KEY)}.
 */
public final class ConfigKeys {
    private static final Map<String, ConfigKey<?>> REGISTRY = new LinkedHashMap<>();

    private ConfigKeys() {}

    // --- embedding model ---
    public static final ConfigKey<String> MODEL_ID =
            add(
                    ConfigKey.text(
                            "model.id",
                            "efficientnet-lite0-int8",
                            "[A-Za-z0-9][A-Za-z0-9._-]*",
                            "a model name (letters, digits, '.', '_', '-')",
                            "which exported model: the directory model.dir/<model.id>/"));
    public static final ConfigKey<String> MODEL_DIR =
            add(nonEmpty("model.dir", "models", "where exported models live"));
    public static final ConfigKey<String> MODEL_ENGINE =
            add(
                    ConfigKey.choice(
                            "model.engine",
                            "OnnxRuntime",
                            "the inference engine",
                            "OnnxRuntime",
                            "PyTorch"));
    public static final ConfigKey<String> MODEL_DEVICE =
            add(
                    ConfigKey.choice(
                            "model.device",
                            "auto",
                            "where the model runs (auto: a GPU when the engine sees one)",
                            "cpu",
                            "gpu",
                            "auto"));
    public static final ConfigKey<Integer> MODEL_THREADS =
            add(
                    ConfigKey.integer(
                            "model.threads",
                            1,
                            0,
                            256,
                            "intra-op threads per model instance (0: the engine's default)"));
    public static final ConfigKey<Integer> MODEL_MAX_BATCH =
            add(
                    ConfigKey.integer(
                            "model.max-batch",
                            0,
                            0,
                            4096,
                            "most images per engine call (0: 32 on a GPU, 1 on a CPU)"));

    // --- image decoding ---
    public static final ConfigKey<Long> DECODE_MAX_BYTES =
            add(
                    ConfigKey.whole(
                            "decode.max-bytes",
                            32L << 20,
                            1,
                            Integer.MAX_VALUE,
                            "larger images (bytes) are refused before decoding"));
    public static final ConfigKey<Long> DECODE_MAX_PIXELS =
            add(
                    ConfigKey.whole(
                            "decode.max-pixels",
                            50_000_000,
                            1,
                            Integer.MAX_VALUE,
                            "images with more pixels (from the header) are refused"));
    public static final ConfigKey<Long> DECODE_MAX_MEMORY_BYTES =
            add(
                    ConfigKey.whole(
                            "decode.max-memory-bytes",
                            256L << 20,
                            1L << 20,
                            Long.MAX_VALUE / 2,
                            "most memory one decode may need, estimated from the header (256 MiB: a 50 MP"
                                    + " progressive 4:2:0 JPEG, 150 MB of coefficients, with room to spare)"));
    public static final ConfigKey<Long> DECODE_MEMORY_BUDGET_BYTES =
            add(
                    ConfigKey.whole(
                            "decode.memory-budget-bytes",
                            512L << 20,
                            1L << 20,
                            (long) Integer.MAX_VALUE * 1024,
                            "most memory all decodes of one process hold at once (512 MiB: two of the"
                                    + " heaviest decodes, or dozens of ordinary photos)"));
    public static final ConfigKey<Long> DECODE_TIMEOUT_MS =
            add(
                    ConfigKey.whole(
                            "decode.timeout-ms",
                            3000,
                            1,
                            3_600_000,
                            "how long one decode may take, waiting for memory included (3 s: ten times"
                                    + " a 50 MP baseline JPEG on one core)"));

    // --- catalogue (the jobs' input) ---
    public static final ConfigKey<String> CATALOGUE_NAME =
            add(
                    ConfigKey.text(
                            "catalogue.name",
                            "demo",
                            "[A-Za-z0-9][A-Za-z0-9._-]*",
                            "letters, digits, '.', '_' or '-', starting with a letter or digit"
                                    + " (it names a directory under bundles.dir)",
                            "names the bundle directory bundles.dir/<catalogue.name>/"));
    public static final ConfigKey<String> CATALOGUE_PATH =
            add(
                    nonEmpty(
                            "catalogue.path",
                            "data/demo/catalogue.csv",
                            "the catalogue: CSV, JSON lines or Parquet, on any Hadoop file system"));
    public static final ConfigKey<String> CATALOGUE_FORMAT =
            add(
                    ConfigKey.choice(
                            "catalogue.format",
                            "auto",
                            "the catalogue's format (auto: by extension)",
                            "auto",
                            "csv",
                            "jsonl",
                            "parquet"));
    public static final ConfigKey<String> CATALOGUE_IMAGES_ROOT =
            add(
                    ConfigKey.text(
                            "catalogue.images-root",
                            "",
                            "relative image paths resolve against this (none: the catalogue's"
                                    + " directory)"));
    public static final ConfigKey<String> CATALOGUE_IMAGE_SEPARATOR =
            add(
                    ConfigKey.text(
                            "catalogue.image-separator",
                            "|",
                            "splits a text image column into an item's several images (a JSON"
                                    + " or Parquet list needs none; empty: one image per row)"));
    public static final ConfigKey<Integer> CATALOGUE_MAX_IMAGES =
            add(
                    ConfigKey.integer(
                            "catalogue.max-images",
                            16,
                            1,
                            256,
                            "images kept per item, in catalogue order (later ones are reported"
                                    + " as TOO_MANY_IMAGES)"));
    public static final ConfigKey<String> CATALOGUE_COLUMN_ID =
            add(column("id", "posting_id", "the item id"));
    public static final ConfigKey<String> CATALOGUE_COLUMN_IMAGE =
            add(column("image", "image", "the image path or URI"));
    public static final ConfigKey<String> CATALOGUE_COLUMN_TITLE =
            add(column("title", "title", "the title"));
    public static final ConfigKey<String> CATALOGUE_COLUMN_LABEL_GROUP =
            add(column("label-group", "label_group", "the ground-truth group"));
    public static final ConfigKey<String> CATALOGUE_COLUMN_CATEGORY =
            add(column("category", "category", "the category"));
    public static final ConfigKey<String> CATALOGUE_COLUMN_PRICE =
            add(column("price", "price", "the price"));

    // --- demo catalogues ---
    public static final ConfigKey<Integer> DEMO_PRODUCTS =
            add(
                    ConfigKey.integer(
                            "demo.products",
                            0,
                            0,
                            Integer.MAX_VALUE,
                            "demo: most drawings to take (0: every usable one)"));
    public static final ConfigKey<Integer> DEMO_MAX_SIDE =
            add(
                    ConfigKey.integer(
                            "demo.max-side", 512, 32, 4096, "demo: longest image side in pixels"));
    public static final ConfigKey<Integer> DEMO_FASHION_MNIST_ITEMS =
            add(
                    ConfigKey.integer(
                            "demo.fashion-mnist.items",
                            6000,
                            1,
                            60_000,
                            "fashion-mnist: the first N images of the training split"));
    public static final ConfigKey<Integer> DEMO_FASHION_MNIST_SIDE =
            add(
                    ConfigKey.integer(
                            "demo.fashion-mnist.side",
                            112,
                            28,
                            1024,
                            "fashion-mnist: their side in pixels (enlarged from 28)"));

    // --- job outputs ---
    public static final ConfigKey<String> JOBS_WORK_DIR =
            add(nonEmpty("jobs.work-dir", "work", "where the jobs' tables go"));
    public static final ConfigKey<String> JOBS_EMBEDDINGS =
            add(
                    ConfigKey.text(
                            "jobs.embeddings",
                            "",
                            "the embeddings table (none: jobs.work-dir/<catalogue.name>/"
                                    + "<model.id>/embeddings.parquet)"));
    public static final ConfigKey<String> BUNDLES_DIR =
            add(nonEmpty("bundles.dir", "bundles", "where bundles are published"));
    public static final ConfigKey<Integer> EMBED_PARTITIONS =
            add(
                    ConfigKey.integer(
                            "embed.partitions",
                            0,
                            0,
                            1_000_000,
                            "Spark partitions of the embed stage (0: four per core)"));

    // --- build-index ---
    public static final ConfigKey<String> INDEX_FACTORY =
            add(nonEmpty("index.factory", "auto", "auto, or a Faiss index factory string"));
    public static final ConfigKey<Long> INDEX_FLAT_MAX =
            add(
                    ConfigKey.whole(
                            "index.flat-max",
                            50_000,
                            0,
                            Long.MAX_VALUE,
                            "largest catalogue auto serves with exact search"));
    public static final ConfigKey<Long> INDEX_HNSW_MAX =
            add(
                    ConfigKey.whole(
                            "index.hnsw-max",
                            200_000,
                            0,
                            Long.MAX_VALUE,
                            "largest catalogue auto serves with HNSW"));
    public static final ConfigKey<Long> INDEX_MEMORY_BUDGET_MB =
            add(
                    ConfigKey.whole(
                            "index.memory-budget-mb",
                            4096,
                            1,
                            1L << 30,
                            "the index's memory budget; picks the IVF codes"));
    public static final ConfigKey<Integer> INDEX_TRAIN_MAX =
            add(
                    ConfigKey.integer(
                            "index.train-max",
                            100_000,
                            1_000,
                            10_000_000,
                            "most vectors the quantisers are trained on (a sample)"));
    public static final ConfigKey<Double> INDEX_TARGET_RECALL =
            add(
                    ConfigKey.fraction(
                            "index.target-recall",
                            "0.95",
                            0,
                            1,
                            "search parameters are tuned to reach this recall@k vs exact"));
    public static final ConfigKey<Integer> INDEX_TUNE_K =
            add(ConfigKey.integer("index.tune-k", 10, 1, 1000, "the k of that recall"));
    public static final ConfigKey<Integer> INDEX_TUNE_QUERIES =
            add(
                    ConfigKey.integer(
                            "index.tune-queries",
                            1000,
                            1,
                            1_000_000,
                            "held-out catalogue vectors used as tuning queries"));

    // --- evaluate ---
    /** Most results per evaluation query: bounds a batch's result arrays. */
    // --- adapt: the projection learned after the backbone (docs/adapt.md) ---
    public static final ConfigKey<String> ADAPT_METHOD =
            add(
                    ConfigKey.choice(
                            "adapt.method",
                            "off",
                            "off (the model's vectors), auto (the best on the validation groups,"
                                    + " possibly none), or one of none, pca-whitening,"
                                    + " learned-whitening, metric-head",
                            "off",
                            "auto",
                            "none",
                            "pca-whitening",
                            "learned-whitening",
                            "metric-head"));

    public static final ConfigKey<List<Integer>> ADAPT_DIMS =
            add(
                    ConfigKey.integers(
                            "adapt.dims",
                            "128,256,512",
                            1,
                            65_536,
                            "output dimensions tried (those above the model's are skipped)"));
    public static final ConfigKey<String> ADAPT_PAIRS =
            add(
                    ConfigKey.text(
                            "adapt.pairs",
                            "",
                            "matching pairs, CSV query_id,match_id, whose connected components"
                                    + " are the groups (none: the label_group column)"));
    public static final ConfigKey<Double> ADAPT_VALIDATION_SHARE =
            add(
                    ConfigKey.number(
                            "adapt.validation-share",
                            "0.2",
                            0.01,
                            0.5,
                            "share of the groups held out to choose the method and dimension"));
    public static final ConfigKey<Double> ADAPT_TEST_SHARE =
            add(
                    ConfigKey.number(
                            "adapt.test-share",
                            "0.2",
                            0.01,
                            0.5,
                            "share of the groups held out to report on (never learned or chosen on)"));
    public static final ConfigKey<Integer> ADAPT_MIN_GROUPS =
            add(
                    ConfigKey.integer(
                            "adapt.min-groups",
                            20,
                            2,
                            1_000_000,
                            "fewest groups of two or more items each part of the split needs; fewer:"
                                    + " the model's vectors are kept"));
    public static final ConfigKey<Double> ADAPT_MIN_GAIN =
            add(
                    ConfigKey.number(
                            "adapt.min-gain",
                            "0.005",
                            0,
                            1,
                            "validation mAP@R a projection must gain over the model's vectors to be"
                                    + " chosen by auto"));
    public static final ConfigKey<Double> ADAPT_SHRINKAGE =
            add(
                    ConfigKey.number(
                            "adapt.shrinkage",
                            "0.2",
                            0,
                            1,
                            "learned whitening: share of the matching pairs' covariance replaced by"
                                    + " its average variance (fewer pairs than dimensions leave it"
                                    + " singular)"));
    public static final ConfigKey<Integer> ADAPT_MAX_PAIRS_PER_GROUP =
            add(
                    ConfigKey.integer(
                            "adapt.max-pairs-per-group",
                            50,
                            1,
                            1_000_000,
                            "matching pairs one group contributes to the learned whitening"));
    public static final ConfigKey<Integer> ADAPT_TRAIN_ITEMS =
            add(
                    ConfigKey.integer(
                            "adapt.train-items",
                            200_000,
                            100,
                            100_000_000,
                            "most train items (whole groups) the whitenings' moments are"
                                    + " aggregated from"));
    public static final ConfigKey<Integer> ADAPT_SAMPLE_ITEMS =
            add(
                    ConfigKey.integer(
                            "adapt.sample-items",
                            10_000,
                            100,
                            10_000_000,
                            "most items (whole groups) of the validation and of the test part"
                                    + " searched on the driver, and trained on by metric-head"));

    public static final int EVALUATE_MAX_K = 1000;

    public static final ConfigKey<String> EVALUATE_BUNDLE =
            add(
                    ConfigKey.text(
                            "evaluate.bundle",
                            "",
                            "the bundle evaluate reads: a version of this catalogue or a"
                                    + " directory (none: the published one)"));
    public static final ConfigKey<String> EVALUATE_PAIRS =
            add(
                    ConfigKey.text(
                            "evaluate.pairs",
                            "",
                            "labelled pairs, CSV query_id,match_id (none: the label groups)"));
    public static final ConfigKey<List<Integer>> EVALUATE_RECALL_KS =
            add(
                    ConfigKey.integers(
                            "evaluate.recall-ks",
                            "1,5,10,50,100",
                            1,
                            EVALUATE_MAX_K,
                            "the k of recall@k in the report"));
    public static final ConfigKey<Integer> EVALUATE_SHOPEE_NEIGHBOURS =
            add(
                    ConfigKey.integer(
                            "evaluate.shopee-neighbours",
                            50,
                            1,
                            EVALUATE_MAX_K,
                            "results per item the Shopee F1 may predict as matches (the competition allowed 50)"));
    public static final ConfigKey<Integer> EVALUATE_BATCH_SIZE =
            add(
                    ConfigKey.integer(
                            "evaluate.batch-size",
                            1024,
                            1,
                            Integer.MAX_VALUE,
                            "queries per Faiss search call: enough for its batched BLAS path, little heap"));
    public static final ConfigKey<Integer> EVALUATE_WORST_QUERIES =
            add(
                    ConfigKey.integer(
                            "evaluate.worst-queries",
                            12,
                            0,
                            Integer.MAX_VALUE,
                            "queries in the report's worst-queries section (two rows of six fit a screen)"));

    // --- match (duplicate listings) ---
    public static final ConfigKey<Boolean> MATCH_ENABLED =
            add(
                    ConfigKey.flag(
                            "match.enabled",
                            true,
                            "reindex finds duplicate listings (the match job) before publishing"));
    public static final ConfigKey<Integer> MATCH_NEIGHBOURS =
            add(
                    ConfigKey.integer(
                            "match.neighbours",
                            20,
                            1,
                            1000,
                            "nearest listings of each listing that may be predicted as the same product"));
    public static final ConfigKey<String> MATCH_THRESHOLD =
            add(
                    ConfigKey.text(
                            "match.threshold",
                            "auto",
                            "auto|0(\\.[0-9]+)?|1(\\.0+)?|\\.[0-9]+",
                            "auto, or a cosine from 0 to 1",
                            "score from which a neighbour is the same product; auto: chosen on"
                                    + " labelled groups (no labels: 0.9)"));
    public static final ConfigKey<Double> MATCH_TUNE_SHARE =
            add(
                    ConfigKey.fraction(
                            "match.tune-share",
                            "0.5",
                            0,
                            0.9,
                            "share of the label groups the threshold is chosen on; the F1 is"
                                    + " reported on the others"));
    public static final ConfigKey<String> MATCH_OUTPUT =
            add(
                    ConfigKey.text(
                            "match.output",
                            "",
                            "where the match job writes its Parquet (none:"
                                    + " jobs.work-dir/<catalogue.name>/match)"));
    public static final ConfigKey<Integer> MATCH_REPORT_ROWS =
            add(
                    ConfigKey.integer(
                            "match.report-rows",
                            12,
                            0,
                            1000,
                            "largest groups and borderline pairs the duplicates page shows"));

    // --- search-api ---
    public static final ConfigKey<String> API_HOST =
            add(nonEmpty("api.host", "127.0.0.1", "address to listen on"));
    public static final ConfigKey<Integer> API_PORT =
            add(ConfigKey.integer("api.port", 8080, 0, 65_535, "port (0: any free one)"));
    public static final ConfigKey<Long> API_RELOAD_INTERVAL_MS =
            add(
                    ConfigKey.whole(
                            "api.reload-interval-ms",
                            5000,
                            0,
                            86_400_000,
                            "how often CURRENT is checked (0: only POST /admin/reload)"));
    public static final ConfigKey<String> API_IMAGES_ROOT =
            add(
                    ConfigKey.text(
                            "api.images-root",
                            "",
                            "where item images may be read (none: catalogue.images-root, else"
                                    + " the catalogue's directory)"));
    public static final ConfigKey<Boolean> API_BATCHING_ENABLED =
            add(ConfigKey.flag("api.batching.enabled", true, "dynamic batching"));
    public static final ConfigKey<Integer> API_BATCHING_MAX_BATCH =
            add(ConfigKey.integer("api.batching.max-batch", 8, 1, 1024, "most images per batch"));
    public static final ConfigKey<Double> API_BATCHING_MAX_QUEUE_DELAY_MS =
            add(
                    ConfigKey.number(
                            "api.batching.max-queue-delay-ms",
                            "0",
                            0,
                            10_000,
                            "how long a batch may wait to fill (fractions of a ms allowed)"));
    public static final ConfigKey<Integer> API_BATCHING_INSTANCES =
            add(ConfigKey.integer("api.batching.instances", 2, 1, 64, "batches run in parallel"));
    public static final ConfigKey<Integer> API_BATCHING_QUEUE_CAPACITY =
            add(
                    ConfigKey.integer(
                            "api.batching.queue-capacity",
                            128,
                            1,
                            100_000,
                            "places in the model queue (503 beyond)"));
    public static final ConfigKey<Long> API_REQUEST_TIMEOUT_MS =
            add(
                    ConfigKey.whole(
                            "api.request-timeout-ms",
                            10_000,
                            1,
                            600_000,
                            "a request waiting longer for the model gets 503"));
    public static final ConfigKey<Long> API_MAX_UPLOAD_BYTES =
            add(
                    ConfigKey.whole(
                            "api.max-upload-bytes",
                            16L << 20,
                            1,
                            Integer.MAX_VALUE,
                            "largest request body (413 beyond)"));
    public static final ConfigKey<Integer> API_MAX_K =
            add(ConfigKey.integer("api.max-k", 1000, 1, 100_000, "largest k a request may ask"));
    public static final ConfigKey<Integer> API_DEFAULT_K =
            add(
                    ConfigKey.integer(
                            "api.default-k",
                            10,
                            1,
                            100_000,
                            "k when a request names none (at most api.max-k)"));
    public static final ConfigKey<Integer> API_BATCH_MAX_IMAGES =
            add(
                    ConfigKey.integer(
                            "api.batch.max-images",
                            16,
                            1,
                            1024,
                            "most images in one batch search request"));
    public static final ConfigKey<Integer> API_MAX_IN_FLIGHT_PER_CLIENT =
            add(
                    ConfigKey.integer(
                            "api.max-in-flight-per-client",
                            64,
                            0,
                            1_000_000,
                            "requests one client address may have in flight (0: no limit)"));
    public static final ConfigKey<String> API_CORS_ORIGINS =
            add(
                    ConfigKey.text(
                            "api.cors-origins",
                            "",
                            "origins allowed to call from browsers, or * (none: CORS off)"));
    public static final ConfigKey<String> API_ADMIN_KEY =
            add(
                    ConfigKey.text(
                            "api.admin-key",
                            "",
                            "key for POST /admin/reload (none: admin endpoints off)"));
    public static final ConfigKey<String> API_URL_FETCH_ALLOW_HOSTS =
            add(
                    ConfigKey.text(
                            "api.url-fetch.allow-hosts",
                            "",
                            "hosts ?url= searches may fetch from (none: URL search off)"));
    public static final ConfigKey<Long> API_URL_FETCH_TIMEOUT_MS =
            add(
                    ConfigKey.whole(
                            "api.url-fetch.timeout-ms",
                            5000,
                            1,
                            600_000,
                            "deadline for the whole download of a ?url= image"));

    /**
     * What {@code api.regions.layout} takes: {@code scale:n} pairs (here, not in {@code
     * RegionLayout}, since the configuration tool compiles this package alone).
     */
    public static final String REGION_LAYOUT_SYNTAX =
            "(0\\.[0-9]+|1(\\.0*)?):[1-9](,(0\\.[0-9]+|1(\\.0*)?):[1-9])*";

    public static final ConfigKey<Boolean> API_REGIONS =
            add(
                    ConfigKey.flag(
                            "api.regions",
                            false,
                            "whether POST /v1/search also searches regions of the photo when the"
                                    + " request does not say (regions=on|off)"));
    public static final ConfigKey<String> API_REGIONS_LAYOUT =
            add(
                    ConfigKey.text(
                            "api.regions.layout",
                            "0.75:2,0.5:3",
                            REGION_LAYOUT_SYNTAX,
                            "scale:n pairs such as 0.75:2,0.5:3",
                            "the regions searched besides the whole photo: at each scale, square"
                                    + " crops of that share of the shorter side on an n × n grid"));

    // ---- the live catalogue (issue 17): the update log on top of the bundle
    public static final ConfigKey<String> LIVE_LOG =
            add(
                    ConfigKey.choice(
                            "live.log",
                            "local",
                            "where catalogue changes are logged: local, kafka, or off",
                            "local",
                            "kafka",
                            "off"));
    public static final ConfigKey<String> LIVE_DIR =
            add(
                    ConfigKey.text(
                            "live.dir",
                            "",
                            "the local update log's directory (none: bundles.dir/<catalogue.name>/updates)"));
    public static final ConfigKey<String> LIVE_WRITE_KEY =
            add(
                    ConfigKey.text(
                            "live.write-key",
                            "",
                            "key every write must send in X-API-Key (none: writes off)"));
    public static final ConfigKey<String> LIVE_KAFKA_SERVERS =
            add(
                    ConfigKey.text(
                            "live.kafka.servers",
                            "",
                            "Kafka bootstrap servers host:port,... (live.log=kafka)"));
    public static final ConfigKey<String> LIVE_KAFKA_TOPIC =
            add(
                    ConfigKey.text(
                            "live.kafka.topic",
                            "",
                            "Kafka topic of the log (none: prodlens-<catalogue.name>-updates)"));
    public static final ConfigKey<Integer> LIVE_KAFKA_REPLICATION_FACTOR =
            add(
                    ConfigKey.integer(
                            "live.kafka.replication-factor",
                            1,
                            1,
                            32,
                            "replicas of the topic when the service creates it (3 in production)"));
    public static final ConfigKey<Integer> LIVE_KAFKA_MIN_INSYNC_REPLICAS =
            add(
                    ConfigKey.integer(
                            "live.kafka.min-insync-replicas",
                            1,
                            1,
                            32,
                            "min.insync.replicas of the topic when the service creates it (2 in production)"));
    public static final ConfigKey<Long> LIVE_KAFKA_TIMEOUT_MS =
            add(
                    ConfigKey.whole(
                            "live.kafka.timeout-ms",
                            10_000,
                            100,
                            600_000,
                            "how long one call waits for Kafka before the write fails"));
    public static final ConfigKey<Long> LIVE_SEGMENT_BYTES =
            add(
                    ConfigKey.whole(
                            "live.segment-bytes",
                            64L << 20,
                            1L << 16,
                            1L << 40,
                            "size at which the local log starts a new segment file"));
    public static final ConfigKey<Integer> LIVE_BATCH_MAX_ITEMS =
            add(
                    ConfigKey.integer(
                            "live.batch.max-items",
                            256,
                            1,
                            100_000,
                            "most items in one POST /v1/items/batch"));
    public static final ConfigKey<Long> LIVE_VISIBLE_WAIT_MS =
            add(
                    ConfigKey.whole(
                            "live.visible-wait-ms",
                            1000,
                            0,
                            60_000,
                            "how long a write waits to be visible in search before it answers"));
    public static final ConfigKey<Double> LIVE_REINDEX_SHARE =
            add(
                    ConfigKey.fraction(
                            "live.reindex-share",
                            "0.2",
                            0,
                            1000,
                            "(adds + tombstones) / bundle items above which a reindex is recommended"));

    // computed once, after every key above is registered (static initialisers run in text order)
    private static final Set<String> SECTIONS =
            REGISTRY.keySet().stream()
                    .map(k -> k.substring(0, k.indexOf('.')))
                    .collect(Collectors.toUnmodifiableSet());

    private static final Map<String, ConfigKey<?>> BY_ENV_NAME =
            REGISTRY.values().stream()
                    .collect(Collectors.toUnmodifiableMap(ConfigKey::envName, k -> k));

    /**
     * {@code PRODLENS_*} environment variables that are not configuration keys: the scripts' own
     * inputs (cache directory, the notebooks' parameters). Any other {@code PRODLENS_} variable
     * must name a key.
     */
    public static final List<String> NOT_KEYS_ENV_PREFIXES =
            List.of("PRODLENS_CACHE", "PRODLENS_CONF", "PRODLENS_NOTEBOOK_");

    /** Every key, in the order of the configuration file. */
    public static Collection<ConfigKey<?>> all() {
        return Collections.unmodifiableCollection(REGISTRY.values());
    }

    /** The key named {@code name}, if there is one. */
    public static Optional<ConfigKey<?>> named(String name) {
        return Optional.ofNullable(REGISTRY.get(name));
    }

    /**
     * The first parts of the keys' names ({@code model}, {@code api}, ...): a JVM system property
     * in one of them must be a key.
     */
    public static Set<String> sections() {
        return SECTIONS;
    }

    /** The key whose environment variable is {@code variable} ({@code PRODLENS_API_PORT}). */
    public static Optional<ConfigKey<?>> byEnvName(String variable) {
        return Optional.ofNullable(BY_ENV_NAME.get(variable));
    }

    /** Every key's environment variable. */
    static Set<String> envNames() {
        return BY_ENV_NAME.keySet();
    }

    /** The known name nearest to {@code typo} by edit distance, when it is near enough. */
    public static Optional<String> nearest(String typo, Collection<String> known) {
        return known.stream()
                .min(Comparator.comparingInt(k -> editDistance(typo, k)))
                .filter(k -> editDistance(typo, k) <= Math.max(2, k.length() / 3));
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static ConfigKey<String> nonEmpty(String name, String defaultText, String doc) {
        return ConfigKey.text(name, defaultText, ".+", "a non-empty value", doc);
    }

    private static ConfigKey<String> column(String name, String defaultName, String what) {
        return nonEmpty("catalogue.column." + name, defaultName, "catalogue column of " + what);
    }

    private static <T> ConfigKey<T> add(ConfigKey<T> key) {
        if (REGISTRY.putIfAbsent(key.name(), key) != null) {
            throw new IllegalStateException("configuration key defined twice: " + key.name());
        }
        return key;
    }
}
