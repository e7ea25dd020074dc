package dev.prodlens.api.http;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.prodlens.api.ApiSettings;
import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.api.live.ItemWrites;
import dev.prodlens.api.live.ItemWrites.ItemWrite;
import dev.prodlens.api.live.LiveUpdates;
import dev.prodlens.api.metrics.ApiMetrics;
import dev.prodlens.api.search.SearchFailure;
import dev.prodlens.api.search.SearchQuery;
import dev.prodlens.api.search.SearchResponse;
import dev.prodlens.api.search.SearchService;
import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.bundle.VectorIds;
import dev.prodlens.core.image.ImageFormat;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinGson;
import io.javalin.plugin.bundled.CorsPluginConfig.CorsRule;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP face of {@link SearchService}: the versioned JSON API, health, metrics, the OpenAPI
 * document, its docs page and the web page. Every error leaves as {@code {"error": code, "message":
 * …}} with a 4xx/5xx status; nothing internal (stack traces, class names) ever does.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    /** Idle connections (and clients that stop sending mid-request) are dropped after this long. */
    private static final int IDLE_TIMEOUT_MS = 30_000;

    /**
     * Answers' JSON: snake_case names, and each item with its image's route ({@link ItemLinks}).
     */
    private static final Gson GSON =
            ItemLinks.addTo(
                            new GsonBuilder()
                                    .setFieldNamingPolicy(
                                            FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
                                    .disableHtmlEscaping())
                    .create();

    private final ApiSettings settings;
    private final SearchService search;
    private final LiveUpdates live;
    private final ItemWrites writes;
    private final ApiMetrics metrics;
    private final RequestImages images;
    private final ItemImages itemImages;
    private final ClientLimiter clients;
    private final ApiContract contract;
    private final Javalin app;

    /**
     * @param live the update log followed onto the bundle; null for {@code live.log=off}
     * @param writes item writes; null when they are off (no {@code live.write-key})
     */
    public ApiServer(
            ApiSettings settings,
            SearchService search,
            LiveUpdates live,
            ItemWrites writes,
            ApiMetrics metrics) {
        this.settings = settings;
        this.search = search;
        this.live = live;
        this.writes = writes;
        this.metrics = metrics;
        this.images =
                new RequestImages(
                        settings.limits().maxUploadBytes(),
                        settings.limits().maxBatchImages(),
                        settings.urlFetch());
        this.itemImages = new ItemImages(settings.imagesRoot());
        this.clients = new ClientLimiter(settings.limits().maxInFlightPerClient());
        this.contract =
                ApiContract.of(
                        features(settings, writes),
                        new ApiContract.Limits(
                                settings.limits().defaultK(),
                                settings.limits().maxK(),
                                settings.limits().maxBatchImages(),
                                settings.live().maxBatch()));
        long maxUpload = settings.limits().maxUploadBytes();
        this.app =
                Javalin.create(
                        config -> {
                            config.showJavalinBanner = false;
                            config.jsonMapper(new JavalinGson(GSON, false));
                            config.http.maxRequestSize = maxUpload;
                            config.jetty.multipartConfig.maxFileSize(maxUpload, SizeUnit.BYTES);
                            config.jetty.multipartConfig.maxTotalRequestSize(
                                    maxUpload, SizeUnit.BYTES);
                            config.jetty.multipartConfig.maxInMemoryFileSize(
                                    (int) Math.min(Integer.MAX_VALUE, maxUpload), SizeUnit.BYTES);
                            config.staticFiles.enableWebjars();
                            config.staticFiles.add(
                                    files -> {
                                        files.hostedPath = "/";
                                        files.directory = "/public";
                                        files.location = Location.CLASSPATH;
                                    });
                            List<String> origins = settings.corsOrigins();
                            if (origins.equals(List.of(ApiSettings.ANY_ORIGIN))) {
                                config.bundledPlugins.enableCors(
                                        cors -> cors.addRule(CorsRule::anyHost));
                            } else if (!origins.isEmpty()) {
                                config.bundledPlugins.enableCors(
                                        cors ->
                                                cors.addRule(
                                                        rule -> origins.forEach(rule::allowHost)));
                            }
                            config.jetty.modifyServer(
                                    server -> server.setErrorHandler(new JsonErrorHandler()));
                            config.requestLogger.http(
                                    (ctx, ms) ->
                                            metrics.request(
                                                    endpoint(ctx),
                                                    ctx.statusCode(),
                                                    Math.round(ms * 1e6)));
                        });
        routes();
        errors();
    }

    /**
     * Registers one handler per operation of the contract (by operationId; the contract checks they
     * match), then the pages outside the versioned API.
     */
    private void routes() {
        Map<String, Handler> handlers = new LinkedHashMap<>();
        handlers.put(
                "search",
                ctx ->
                        limited(
                                ctx,
                                () ->
                                        ctx.json(
                                                search.search(
                                                        images.searchOne(ctx),
                                                        query(ctx),
                                                        regions(ctx)))));
        handlers.put(
                "searchBatch",
                ctx ->
                        limited(
                                ctx,
                                () -> {
                                    List<byte[]> all = images.search(ctx);
                                    ctx.json(
                                            Map.of(
                                                    "results",
                                                    search.searchBatch(all, query(ctx)).stream()
                                                            .map(ApiServer::batchResult)
                                                            .toList()));
                                }));
        handlers.put("getItem", ctx -> ctx.json(search.item(ctx.pathParam("id"))));
        handlers.put(
                "putItem",
                ctx ->
                        limited(
                                ctx,
                                () -> {
                                    ItemWrites w = writer(ctx);
                                    byte[] image = images.one(ctx);
                                    ctx.json(
                                            w.write(
                                                    ItemWrite.upsert(
                                                            ctx.pathParam("id"),
                                                            image,
                                                            ItemRequests.fields(ctx))));
                                }));
        handlers.put(
                "changeItem",
                ctx -> {
                    ItemWrites w = writer(ctx);
                    ctx.json(
                            w.write(
                                    ItemWrite.change(
                                            ctx.pathParam("id"),
                                            ItemRequests.jsonFields(ctx.body()))));
                });
        handlers.put(
                "deleteItem",
                ctx -> ctx.json(writer(ctx).write(ItemWrite.delete(ctx.pathParam("id")))));
        handlers.put(
                "writeItems",
                ctx ->
                        limited(
                                ctx,
                                () -> {
                                    ItemWrites w = writer(ctx);
                                    List<ItemWrite> batch =
                                            ItemRequests.batch(ctx.body(), w.maxBatch(), images);
                                    ctx.json(
                                            Map.of(
                                                    "results",
                                                    w.writeAll(batch).stream()
                                                            .map(ApiServer::writeResult)
                                                            .toList()));
                                }));
        handlers.put(
                "similarItems",
                ctx ->
                        limited(
                                ctx,
                                () -> ctx.json(search.similar(ctx.pathParam("id"), query(ctx)))));
        handlers.put("itemImage", this::itemImage);
        handlers.put("info", ctx -> ctx.json(info()));
        handlers.put("healthz", ctx -> ctx.json(Map.of("status", "ok")));
        handlers.put(
                "readyz",
                ctx -> {
                    LiveBundle live = search.bundles().peek();
                    if (live == null)
                        throw new ApiException(503, "not_ready", "no bundle is loaded");
                    ctx.json(
                            Map.of(
                                    "status",
                                    "ready",
                                    "version",
                                    live.version(),
                                    "items",
                                    live.size()));
                });
        handlers.put(
                "metrics",
                ctx -> {
                    ctx.contentType(metrics.contentType());
                    metrics.write(ctx.outputStream());
                });
        handlers.put(
                "reload",
                ctx -> {
                    requireAdmin(ctx);
                    boolean switched;
                    try {
                        switched = search.bundles().reload();
                    } catch (BundleException e) {
                        throw new ApiException(422, "bundle_rejected", e.getMessage());
                    }
                    ctx.json(
                            Map.of(
                                    "switched",
                                    switched,
                                    "version",
                                    search.bundles().peek().version()));
                });
        contract.requireHandlers(handlers);
        app.before(this::requireDeclaredMethod);
        // an operation that is off here keeps its handler, which answers 404 with how to turn
        // it on (requireKey); the contract only leaves it out of the document and of Allow
        for (ApiContract.Operation op : contract.operations()) {
            app.addHttpHandler(HandlerType.valueOf(op.method()), op.path(), handlers.get(op.id()));
        }
        app.get(
                "/openapi.json",
                ctx -> ctx.contentType("application/json").result(contract.json()));
        app.get(
                "/docs",
                ctx -> ctx.html(new String(resource("/docs.html"), StandardCharsets.UTF_8)));
    }

    /**
     * A path the contract declares, asked with a method it does not declare there: 405 with {@code
     * Allow}, before any route runs ({@code GET /v1/items/batch} is the batch path's, not an item
     * lookup). A CORS preflight is left to the CORS plugin.
     */
    private void requireDeclaredMethod(Context ctx) {
        String method = ctx.method().name();
        if (method.equals("OPTIONS") && ctx.header("Access-Control-Request-Method") != null) return;
        Set<String> allowed = contract.methodNotAllowed(method, ctx.path());
        if (allowed.isEmpty()) return;
        ctx.header("Allow", String.join(", ", allowed));
        throw new ApiException(
                405,
                "method_not_allowed",
                method
                        + " is not allowed on "
                        + ctx.path()
                        + "; it answers "
                        + String.join(", ", allowed));
    }

    /** What this service offers, which decides what its contract declares. */
    private static Set<ApiContract.Feature> features(ApiSettings settings, ItemWrites writes) {
        Set<ApiContract.Feature> on = new HashSet<>();
        if (writes != null && !settings.live().writeKey().isEmpty())
            on.add(ApiContract.Feature.WRITES);
        if (!settings.adminKey().isEmpty()) on.add(ApiContract.Feature.ADMIN);
        if (!settings.urlFetch().allowHosts().isEmpty()) on.add(ApiContract.Feature.URL_FETCH);
        return on;
    }

    private void errors() {
        app.exception(ApiException.class, (e, ctx) -> answer(ctx, e));
        app.exception(SearchFailure.class, (e, ctx) -> answer(ctx, Failures.of(e)));
        app.exception(
                HttpResponseException.class,
                (e, ctx) -> {
                    if (e.getStatus() == 404) {
                        noEndpoint(ctx);
                    } else {
                        error(
                                ctx,
                                e.getStatus(),
                                ApiException.codeOf(e.getStatus()),
                                e.getMessage());
                    }
                });
        app.exception(
                Exception.class,
                (e, ctx) -> {
                    LOG.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                    error(ctx, 500, "internal", ApiException.INTERNAL);
                });
        app.error(
                404,
                ctx -> {
                    if (ctx.result() == null || ctx.result().isEmpty()) noEndpoint(ctx);
                });
    }

    private static void answer(Context ctx, ApiException e) {
        if (e.retryAfter() != null)
            ctx.header("Retry-After", Long.toString(Math.max(1, e.retryAfter().toSeconds())));
        error(ctx, e.status(), e.code(), e.getMessage());
    }

    /**
     * One image of a batch answer: {@code result}, or {@code error} and {@code message} as an error
     * answer has them.
     */
    private record BatchResult(SearchResponse result, String error, String message) {}

    private static BatchResult batchResult(SearchService.BatchEntry entry) {
        if (entry.failure() == null) return new BatchResult(entry.result(), null, null);
        ApiException e = Failures.of(entry.failure());
        return new BatchResult(null, e.code(), e.getMessage());
    }

    /** One write of a batch: what {@code PUT} answers, or its error as an error answer has it. */
    private static Object writeResult(ItemWrites.Outcome outcome) {
        if (outcome.failure() == null) return outcome.written();
        ApiException e = Failures.of(outcome.failure());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.code());
        body.put("message", e.getMessage());
        return body;
    }

    private static void noEndpoint(Context ctx) {
        ApiException e =
                ApiException.notFound(
                        "endpoint",
                        ctx.method() + " " + ctx.path(),
                        "",
                        ApiException.SEE_ENDPOINTS);
        error(ctx, 404, e.code(), e.getMessage());
    }

    private static void error(Context ctx, int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        ctx.status(status).json(body);
    }

    /**
     * Endpoint label of a request for metrics: its route template, so ids do not explode the label
     * set.
     */
    private static String endpoint(Context ctx) {
        if (ctx.handlerType() == HandlerType.BEFORE)
            return "other"; // no route matched: static files, 404s
        String path = ctx.endpointHandlerPath();
        return path == null || path.isEmpty() || path.equals("*") ? "other" : path;
    }

    private void limited(Context ctx, Runnable work) {
        ClientLimiter.Slot slot;
        try {
            slot = clients.enter(ctx.ip());
        } catch (ApiException e) {
            metrics.shed("client_limit");
            throw e;
        }
        try (slot) {
            work.run();
        }
    }

    /**
     * k, category, price_min, price_max, exclude (comma-separated and/or repeated), group_by from
     * the query string.
     */
    private SearchQuery query(Context ctx) {
        ApiSettings.Limits limits = settings.limits();
        int k = intParam(ctx, "k", limits.defaultK(), 1, limits.maxK());
        String category = single(ctx, "category");
        Set<String> exclude = new HashSet<>();
        for (String value : ctx.queryParams("exclude")) {
            Arrays.stream(value.split(","))
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .forEach(exclude::add);
        }
        // a price_min above price_max is a range no item is in: an empty answer, not an error
        Double min = doubleParam(ctx, "price_min");
        Double max = doubleParam(ctx, "price_max");
        return new SearchQuery(
                k,
                category == null || category.isBlank() ? null : category,
                min,
                max,
                exclude,
                groupBy(single(ctx, "group_by")));
    }

    /** {@code regions}: on or off; absent: {@code api.regions}. */
    private boolean regions(Context ctx) {
        String value = single(ctx, "regions");
        if (value == null) return settings.regions().byDefault();
        if (value.equals("on")) return true;
        if (value.equals("off")) return false;
        throw ApiException.badRequest(
                "regions must be on (also search crops of the photo) or off (the whole photo only),"
                        + " not '"
                        + value
                        + "'");
    }

    /** {@code group_by}: item (the default) or image. */
    private static SearchQuery.GroupBy groupBy(String value) {
        if (value == null || value.equals("item")) return SearchQuery.GroupBy.ITEM;
        if (value.equals("image")) return SearchQuery.GroupBy.IMAGE;
        throw ApiException.badRequest(
                "group_by must be item (k distinct items) or image (the k nearest images), not '"
                        + value
                        + "'");
    }

    /**
     * A query parameter that takes one value (the contract's scalars): null when absent, 400 when
     * given more than once (which one was meant cannot be told).
     */
    private static String single(Context ctx, String name) {
        List<String> values = ctx.queryParams(name);
        if (values.size() > 1)
            throw ApiException.badRequest(
                    name + " is given " + values.size() + " times; send it once");
        return values.isEmpty() ? null : values.get(0);
    }

    /** A decimal number as JSON writes one: what the contract's number parameters take. */
    private static final Pattern NUMBER =
            Pattern.compile("-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    private static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String value = single(ctx, name);
        if (value == null) return fallback;
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiException.badRequest(
                name
                        + " must be a whole number from "
                        + min
                        + " to "
                        + max
                        + ", not '"
                        + value
                        + "'");
    }

    private static Double doubleParam(Context ctx, String name) {
        String value = single(ctx, name);
        if (value == null) return null;
        if (NUMBER.matcher(value).matches()) {
            double d = Double.parseDouble(value);
            if (Double.isFinite(d)) return d;
        }
        throw ApiException.badRequest(name + " must be a number, not '" + value + "'");
    }

    private void itemImage(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        int index = intParam(ctx, "index", 0, 0, VectorIds.MAX_IMAGES - 1);
        List<String> images = search.imagesOf(id);
        if (index > 0 && index >= images.size())
            throw ApiException.notFound(
                    "image for item",
                    id,
                    "at index " + index + " (it has " + images.size() + ")",
                    "ask for an index from 0 to " + (images.size() - 1));
        Path file = itemImages.file(id, images.isEmpty() ? null : images.get(index));
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(32);
        }
        String type =
                ImageFormat.sniff(head)
                        .map(f -> "image/" + f.name().toLowerCase(java.util.Locale.ROOT))
                        .orElseThrow(
                                () ->
                                        new ApiException(
                                                415,
                                                "unsupported_format",
                                                "this item's image file is not an image format the service serves"));
        ctx.contentType(type);
        ctx.header("Cache-Control", "public, max-age=3600");
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.result(Files.newInputStream(file));
    }

    private Map<String, Object> info() {
        LiveBundle bundle = search.bundles().peek();
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("version", bundle.version());
        info.put("created_at", bundle.manifest().createdAt());
        info.put("model", bundle.manifest().model().id());
        info.put("items", bundle.size());
        info.put(
                "index",
                Map.of(
                        "factory",
                        bundle.manifest().index().factory(),
                        "search_parameters",
                        bundle.manifest().index().searchParameters(),
                        "recall",
                        bundle.manifest().index().recall(),
                        "recall_k",
                        bundle.manifest().index().recallK()));
        BundleManifest.Adapt adapt = bundle.manifest().adapt();
        info.put(
                "adapt",
                adapt == null
                        ? Map.of("method", "none")
                        : Map.of("method", adapt.method(), "dim", adapt.dim()));
        info.put("categories", bundle.categoryCounts());
        info.put("max_k", settings.limits().maxK());
        info.put("live", liveInfo(bundle));
        return info;
    }

    /** The update log on top of the bundle: what /v1/info shows of it. */
    private Map<String, Object> liveInfo(LiveBundle bundle) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("log", live == null ? "off" : live.logName());
        out.put("writes", writes != null);
        out.put("bundle_items", bundle.bundleSize());
        out.put("bundle_log_position", bundle.manifest().logPosition());
        if (live != null) {
            out.put("applied_position", live.applied());
            out.put("lag", live.lag());
            out.put("live_adds", bundle.index().liveAdds());
            out.put("tombstones", bundle.index().tombstones());
            out.put("skipped", live.skipped());
            out.put("reindex_recommended", live.reindexRecommended());
        }
        return out;
    }

    private void requireAdmin(Context ctx) {
        requireKey(ctx, settings.adminKey(), "admin endpoints", "api.admin-key");
    }

    /** Item writes, once the request has shown the write key. */
    private ItemWrites writer(Context ctx) {
        requireKey(
                ctx,
                writes == null ? "" : settings.live().writeKey(),
                "item writes",
                "live.write-key");
        return writes;
    }

    /** The request must send {@code key} in X-API-Key; with no key set, the endpoint is off. */
    private static void requireKey(Context ctx, String key, String what, String setting) {
        if (key.isEmpty()) {
            throw ApiException.notFound(
                    "endpoint",
                    ctx.method() + " " + ctx.path(),
                    "(" + what + " are off)",
                    "an operator can set " + setting + " to enable them");
        }
        String given = ctx.header("X-API-Key");
        if (given == null
                || !MessageDigest.isEqual(
                        key.getBytes(StandardCharsets.UTF_8),
                        given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(
                    401, "unauthorized", "send the key of " + setting + " in the X-API-Key header");
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ApiServer.class.getResourceAsStream(name)) {
            if (in == null) throw new IOException(name + " is missing from the jar");
            return in.readAllBytes();
        }
    }

    /** Starts listening; the port actually bound (api.port 0 picks a free one). */
    public int start() {
        app.start(settings.host(), settings.port());
        for (Connector connector : app.jettyServer().server().getConnectors()) {
            if (connector instanceof ServerConnector c) c.setIdleTimeout(IDLE_TIMEOUT_MS);
        }
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
