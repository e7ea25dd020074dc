package dev.prodlens.api.search;

import dev.prodlens.api.ApiSettings;
import dev.prodlens.api.batch.DynamicBatcher;
import dev.prodlens.api.batch.QueueFullException;
import dev.prodlens.api.bundle.BundleHolder;
import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.api.http.ApiException;
import dev.prodlens.api.http.ApiMetrics;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.embed.EmbedError;
import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.PreparedImage;
import dev.prodlens.core.faiss.IdFilter;
import dev.prodlens.core.faiss.SearchOptions;
import dev.prodlens.core.faiss.SearchResult;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Search by image and more-like-this over the live bundle. An image is decoded and preprocessed
 * on the request's own thread (that work spreads over the server's threads), embedded by the
 * model through the {@link DynamicBatcher} (batched with other requests' images), then searched
 * in the bundle's Faiss index at its tuned parameters, with the request's filters as a Faiss id
 * selector.
 */
public final class SearchService implements AutoCloseable {
    /** How soon a client refused for load should try again. */
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final ApiSettings settings;
    private final ApiMetrics metrics;
    private final Embedder embedder;
    private final BundleHolder bundles;
    private final DynamicBatcher<PreparedImage, EmbedResult> batcher;

    private SearchService(ApiSettings settings, ApiMetrics metrics, Embedder embedder, BundleHolder bundles) {
        this.settings = settings;
        this.metrics = metrics;
        this.embedder = embedder;
        this.bundles = bundles;
        ApiSettings.Batching b = settings.batching();
        this.batcher = new DynamicBatcher<>("model", b.instances(), b.effectiveMaxBatch(),
                b.enabled() ? b.maxQueueDelay() : Duration.ZERO, b.queueCapacity(), embedder::embedPrepared, metrics);
        metrics.watch(batcher::queued, bundles);
    }

    /**
     * Loads the model and the live bundle and starts the model instances.
     *
     * @throws dev.prodlens.core.embed.ModelException    when the model cannot load
     * @throws dev.prodlens.core.bundle.BundleException  when there is no bundle, or it was built with another model
     */
    public static SearchService start(ApiSettings settings, ApiMetrics metrics) {
        Embedder embedder = Embedder.open(settings.embedder());
        try {
            BundleHolder bundles = BundleHolder.open(settings.catalogueBundles(), embedder.card(), settings.reloadInterval(), metrics);
            return new SearchService(settings, metrics, embedder, bundles);
        } catch (RuntimeException e) {
            embedder.close();
            throw e;
        }
    }

    public BundleHolder bundles() {
        return bundles;
    }

    public String modelId() {
        return embedder.card().id();
    }

    /** Searches with one image. */
    public SearchResponse search(byte[] image, SearchQuery query) {
        long start = System.nanoTime();
        return answer(submit(image), query, start);
    }

    /** One answer or error per image, in order; the images share model batches. */
    public List<BatchEntry> searchBatch(List<byte[]> images, SearchQuery query) {
        long start = System.nanoTime();
        // queue every image first, so that they can share model batches, then collect the answers
        List<Submitted> submitted = new ArrayList<>(images.size());
        List<ApiException> refused = new ArrayList<>(images.size());
        for (byte[] image : images) {
            try {
                submitted.add(submit(image));
                refused.add(null);
            } catch (ApiException e) {
                if (e.status() == 503) throw e;  // overload fails the whole request: retrying part of it helps no one
                submitted.add(null);
                refused.add(e);
            }
        }
        List<BatchEntry> entries = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            try {
                if (refused.get(i) != null) throw refused.get(i);
                entries.add(BatchEntry.of(answer(submitted.get(i), query, start)));
            } catch (ApiException e) {
                if (e.status() == 503) throw e;
                entries.add(BatchEntry.of(e));
            }
        }
        return entries;
    }

    /** One image of a batch request: its answer, or why it has none. */
    public record BatchEntry(SearchResponse result, String error, String message) {
        static BatchEntry of(SearchResponse result) {
            return new BatchEntry(result, null, null);
        }

        static BatchEntry of(ApiException e) {
            return new BatchEntry(null, e.code(), e.getMessage());
        }
    }

    /** The items most like catalogue item {@code itemId} (not itself). */
    public SearchResponse similar(String itemId, SearchQuery query) {
        long start = System.nanoTime();
        try (BundleHolder.Lease lease = bundles.acquire()) {
            LiveBundle bundle = lease.bundle();
            int ordinal = bundle.ordinalOf(itemId).orElseThrow(() -> unknownItem(itemId));
            float[] vector;
            try {
                vector = bundle.index().reconstruct(ordinal).orElseThrow(() -> unknownItem(itemId));
            } catch (UnsupportedOperationException e) {
                throw new ApiException(422, "unsupported", "the live index (" + bundle.manifest().index().factory()
                        + ") cannot return stored vectors, so more-like-this is not available; search by the item's image instead");
            }
            return searchIndex(bundle, vector, query.excluding(itemId), 0, 0, 0, 1, start);
        }
    }

    /** A catalogue item of the live bundle. */
    public Item item(String itemId) {
        try (BundleHolder.Lease lease = bundles.acquire()) {
            BundleItem item = itemOf(lease.bundle(), itemId);
            return new Item(item.id(), item.title(), item.category(), item.price(), imageUrl(item.id()), item.labelGroup(),
                    lease.bundle().version());
        }
    }

    /** The stored image reference of a catalogue item (path or URI as the catalogue resolved it). */
    public String imageOf(String itemId) {
        try (BundleHolder.Lease lease = bundles.acquire()) {
            return itemOf(lease.bundle(), itemId).image();
        }
    }

    private static BundleItem itemOf(LiveBundle bundle, String itemId) {
        return bundle.item(bundle.ordinalOf(itemId).orElseThrow(() -> unknownItem(itemId)));
    }

    /** A catalogue item as GET /v1/items/{id} returns it. */
    public record Item(String id, String title, String category, Double price, String imageUrl, String labelGroup, String version) {
    }

    private static ApiException unknownItem(String itemId) {
        return ApiException.notFound("no item '" + itemId + "' in the live catalogue; check the id (GET /v1/items/{id})");
    }

    static String imageUrl(String itemId) {
        return "/v1/items/" + URLEncoder.encode(itemId, StandardCharsets.UTF_8).replace("+", "%20") + "/image";
    }

    private record Submitted(CompletableFuture<DynamicBatcher.Result<EmbedResult>> future, long decodeNanos) {
    }

    /** Decodes and preprocesses here, then queues the model run. */
    private Submitted submit(byte[] image) {
        long t = System.nanoTime();
        PreparedImage prepared = embedder.prepare(image);
        long decode = System.nanoTime() - t;
        metrics.stage("decode", decode);
        if (!prepared.isOk()) throw imageError(prepared.error());
        try {
            return new Submitted(batcher.submit(prepared, settings.limits().requestTimeout()), decode);
        } catch (QueueFullException e) {
            throw new ApiException(503, "overloaded", "the service is at capacity (" + e.getMessage() + ")", RETRY_AFTER);
        }
    }

    private SearchResponse answer(Submitted submitted, SearchQuery query, long start) {
        DynamicBatcher.Result<EmbedResult> result = await(submitted.future());
        metrics.stage("queue", result.queueNanos());
        metrics.stage("model", result.modelNanos());
        EmbedResult embedded = result.output();
        if (!embedded.isOk()) throw imageError(embedded.error());
        try (BundleHolder.Lease lease = bundles.acquire()) {
            return searchIndex(lease.bundle(), embedded.vector(), query, submitted.decodeNanos(), result.queueNanos(),
                    result.modelNanos(), result.batchSize(), start);
        }
    }

    private DynamicBatcher.Result<EmbedResult> await(CompletableFuture<DynamicBatcher.Result<EmbedResult>> future) {
        Duration timeout = settings.limits().requestTimeout();
        try {
            // the batcher drops requests past their deadline before the model; the slack covers the batch in flight
            return future.get(timeout.toMillis() + timeout.toMillis() / 2 + 1_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw timeout(timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) throw timeout(timeout);
            throw new ApiException(503, "model_failed", "the model failed on this request's batch; retry", RETRY_AFTER);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "stopping", "the service is stopping; retry", RETRY_AFTER);
        }
    }

    private static ApiException timeout(Duration timeout) {
        return new ApiException(503, "timeout", "no model instance was free within " + timeout.toMillis()
                + " ms (api.request-timeout-ms); the service is overloaded, retry later", RETRY_AFTER);
    }

    /** The HTTP answer for an image that has no embedding. */
    static ApiException imageError(EmbedError error) {
        return switch (error.code()) {
            case EMPTY -> new ApiException(400, "empty_image", error.message());
            case TOO_MANY_BYTES -> new ApiException(413, "image_too_large", error.message());
            case TOO_MANY_PIXELS -> new ApiException(413, "too_many_pixels", error.message());
            case UNSUPPORTED_FORMAT -> new ApiException(415, "unsupported_format", error.message());
            case CORRUPT -> new ApiException(422, "corrupt_image", error.message());
            case MODEL_FAILED -> new ApiException(503, "model_failed", "the model failed on this request's batch; retry", RETRY_AFTER);
        };
    }

    private SearchResponse searchIndex(LiveBundle bundle, float[] vector, SearchQuery query, long decode, long queue, long model,
                                       int batchSize, long start) {
        long t = System.nanoTime();
        List<SearchHit> hits = new ArrayList<>(query.k());
        BitSet allowed = query.filters() ? allowed(bundle, query) : null;
        if (allowed == null || !allowed.isEmpty()) {
            int k = Math.min(query.k(), bundle.size());
            SearchResult found;
            if (allowed == null) {
                found = bundle.index().search(vector, k, bundle.searchOptions());
            } else {
                try (IdFilter filter = IdFilter.bitmap(allowed)) {
                    SearchOptions options = bundle.searchOptions().withFilter(filter);
                    found = bundle.index().search(vector, Math.min(k, allowed.cardinality()), options);
                }
            }
            for (int rank = 0; rank < found.count(0); rank++) {
                BundleItem item = bundle.item((int) found.id(0, rank));
                hits.add(new SearchHit(item.id(), found.score(0, rank), item.title(), item.category(), item.price(), imageUrl(item.id())));
            }
        }
        long index = System.nanoTime() - t;
        metrics.stage("index", index);
        Timing timing = Timing.ofNanos(decode, queue, model, index, System.nanoTime() - start);
        return new SearchResponse(bundle.version(), embedder.card().id(), query.k(), hits, timing, batchSize);
    }

    /** The ordinals the query's filters let through. */
    private static BitSet allowed(LiveBundle bundle, SearchQuery query) {
        BitSet allowed;
        if (query.category() != null) {
            allowed = (BitSet) bundle.category(query.category()).clone();
        } else {
            allowed = new BitSet(bundle.size());
            allowed.set(0, bundle.size());
        }
        if (query.priceMin() != null || query.priceMax() != null) {
            for (int i = allowed.nextSetBit(0); i >= 0; i = allowed.nextSetBit(i + 1)) {
                Double price = bundle.item(i).price();
                boolean ok = price != null && (query.priceMin() == null || price >= query.priceMin())
                        && (query.priceMax() == null || price <= query.priceMax());
                if (!ok) allowed.clear(i);
            }
        }
        for (String id : query.exclude()) bundle.ordinalOf(id).ifPresent(allowed::clear);
        return allowed;
    }

    @Override
    public void close() {
        batcher.close();
        bundles.close();
        embedder.close();
    }
}
