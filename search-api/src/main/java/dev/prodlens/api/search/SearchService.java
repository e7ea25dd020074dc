package dev.prodlens.api.search;

import dev.prodlens.api.ApiSettings;
import dev.prodlens.api.batch.DynamicBatcher;
import dev.prodlens.api.batch.QueueFullException;
import dev.prodlens.api.bundle.BundleHolder;
import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.api.metrics.ApiMetrics;
import dev.prodlens.core.bundle.BundleItem;
import dev.prodlens.core.embed.EmbedError;
import dev.prodlens.core.embed.EmbedResult;
import dev.prodlens.core.embed.Embedder;
import dev.prodlens.core.embed.PreparedImage;
import dev.prodlens.core.embed.RegionLayout;
import dev.prodlens.core.image.DecodeDeadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Search by image and more-like-this over the live bundle. A search first takes its place in the
 * model queue (refused at once, undecoded, when the queue is full); its image is then decoded and
 * preprocessed on the request's own thread (that work spreads over the server's threads); then the
 * {@link DynamicBatcher} runs it with other requests' images as one batch: one model run, then one
 * Faiss search of the batch's vectors at the bundle's tuned parameters ({@link IndexSearch}: the
 * unfiltered queries in one call, the filtered ones with their own id selector).
 *
 * <p>It speaks no HTTP: it returns domain values or throws {@link SearchFailure}, and the API
 * ({@code http}) turns those into statuses and error codes. The layers: {@code http} → {@code
 * search} → {@code batch}, {@code bundle} (see the package's description).
 */
public final class SearchService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SearchService.class);

    private final ApiSettings settings;
    private final ApiMetrics metrics;
    private final Embedder embedder;
    private final BundleHolder bundles;
    private final DynamicBatcher<ImageSearch, Found> batcher;

    /** One image search as the batcher carries it; a null query: embed only (an item write). */
    record ImageSearch(PreparedImage image, SearchQuery query) {}

    /**
     * What a batch found for one image: its hits in a bundle version, or why it has no embedding.
     */
    record Found(
            EmbedError error,
            String version,
            List<SearchHit> hits,
            float[] vector,
            long modelNanos,
            long indexNanos) {}

    private SearchService(
            ApiSettings settings, ApiMetrics metrics, Embedder embedder, BundleHolder bundles) {
        this.settings = settings;
        this.metrics = metrics;
        this.embedder = embedder;
        this.bundles = bundles;
        ApiSettings.Batching b = settings.batching();
        this.batcher =
                new DynamicBatcher<>(
                        "model",
                        b.instances(),
                        b.effectiveMaxBatch(),
                        b.enabled() ? b.maxQueueDelay() : Duration.ZERO,
                        b.queueCapacity(),
                        this::runBatch,
                        metrics);
        metrics.watch(batcher::queued, bundles);
        metrics.watchDecodes(embedder.decodeBudget());
    }

    /**
     * Loads the model and the live bundle and starts the model instances.
     *
     * @throws dev.prodlens.core.embed.ModelException when the model cannot load
     * @throws dev.prodlens.core.bundle.BundleException when there is no bundle, or it was built
     *     with another model
     */
    public static SearchService start(ApiSettings settings, ApiMetrics metrics) {
        IndexSearch.configure();
        Embedder embedder = Embedder.open(settings.embedder());
        try {
            BundleHolder bundles =
                    BundleHolder.open(
                            settings.catalogueBundles(),
                            embedder.card(),
                            settings.reloadInterval(),
                            metrics);
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

    /** Searches with one image, the whole photo only. */
    public SearchResponse search(byte[] image, SearchQuery query) {
        return search(image, query, false);
    }

    /**
     * Searches with one image; with {@code regions} also with the crops of {@code
     * api.regions.layout} (a shopper's photo where the product fills part of the frame). The photo
     * is decoded once; the whole and every crop are model inputs of their own, queued in the same
     * batches as other requests' images (a place in the queue each, taken before the decode), and
     * their answers are fused per item ({@link IndexSearch#fuse}: each item at the best score the
     * whole or any crop gave it).
     */
    public SearchResponse search(byte[] image, SearchQuery query, boolean regions) {
        long start = System.nanoTime();
        RegionLayout layout = regions ? settings.regions().layout() : null;
        List<DynamicBatcher.Ticket> tickets = admit(1 + (layout == null ? 0 : layout.count()));
        try {
            return answer(
                    submitRegions(tickets, image, query, layout, requestDeadline()), query, start);
        } finally {
            tickets.forEach(DynamicBatcher.Ticket::close); // the places of crops not queued
        }
    }

    /** One answer or error per image, in order; the images share model batches. */
    public List<BatchEntry> searchBatch(List<byte[]> images, SearchQuery query) {
        long start = System.nanoTime();
        List<Queued> queued = queueAll(images, query);
        List<BatchEntry> entries = new ArrayList<>(images.size());
        for (Queued q : queued) {
            try {
                if (q.refused() != null) throw q.refused();
                entries.add(BatchEntry.of(answer(q.submitted(), query, start)));
            } catch (SearchFailure e) {
                if (e.retryable())
                    throw e; // load or shutdown fails the whole request: retrying part of it helps
                // no one
                entries.add(BatchEntry.of(e));
            }
        }
        return entries;
    }

    /** An image of a several-image request: queued for the model, or refused before. */
    private record Queued(Submitted submitted, SearchFailure refused) {}

    /**
     * Takes places in the model queue for every image (all or none), then decodes and queues each
     * in turn, so that they can share model batches; the answers are collected afterwards.
     */
    private List<Queued> queueAll(List<byte[]> images, SearchQuery query) {
        List<DynamicBatcher.Ticket> tickets = admit(images.size());
        // the images are decoded one after another on this thread: together within the request's
        // time
        DecodeDeadline deadline = requestDeadline();
        List<Queued> queued = new ArrayList<>(images.size());
        try {
            for (int i = 0; i < images.size(); i++) {
                try {
                    queued.add(
                            new Queued(
                                    submit(tickets.get(i), images.get(i), query, deadline), null));
                } catch (SearchFailure e) {
                    queued.add(new Queued(null, e));
                }
            }
        } finally {
            tickets.forEach(
                    DynamicBatcher.Ticket::close); // the places of images that were not queued
        }
        return queued;
    }

    /**
     * One image of a batch request: its answer, or why it has none (never a {@link
     * SearchFailure#retryable()} one).
     */
    public record BatchEntry(SearchResponse result, SearchFailure failure) {
        static BatchEntry of(SearchResponse result) {
            return new BatchEntry(result, null);
        }

        static BatchEntry of(SearchFailure failure) {
            return new BatchEntry(null, failure);
        }
    }

    /**
     * The embeddings of item images, through the same queue, decoding and model batches as
     * searches: one per image, in order, each a vector or why there is none (never a {@link
     * SearchFailure#retryable()} one: load or shutdown fails the whole call).
     */
    public List<Embedded> embed(List<byte[]> images) {
        List<Embedded> out = new ArrayList<>(images.size());
        for (Queued q : queueAll(images, null)) {
            SearchFailure failure = q.refused();
            if (failure == null) {
                DynamicBatcher.Result<Found> result = await(q.submitted().future());
                metrics.stage("queue", result.queueNanos());
                metrics.stage("model", result.output().modelNanos());
                if (result.output().error() == null) {
                    out.add(new Embedded(result.output().vector(), null));
                    continue;
                }
                failure = SearchFailure.image(result.output().error());
            }
            if (failure.retryable()) throw failure; // as for a batch search
            out.add(new Embedded(null, failure));
        }
        return out;
    }

    /** An image's embedding, or why it has none. */
    public record Embedded(float[] vector, SearchFailure failure) {}

    /** The fingerprint of the model the service embeds with (an upsert records it). */
    public String modelFingerprint() {
        return embedder.card().fingerprint();
    }

    /**
     * The items most like catalogue item {@code itemId} (not itself), by all its images: each image
     * is searched, and the answers fused ({@link IndexSearch#fuse}).
     */
    public SearchResponse similar(String itemId, SearchQuery query) {
        long start = System.nanoTime();
        try (BundleHolder.Lease lease = bundles.acquire()) {
            LiveBundle bundle = lease.bundle();
            List<float[]> vectors;
            try {
                vectors =
                        bundle.index()
                                .vectors(itemId)
                                .orElseThrow(() -> SearchFailure.unknownItem(itemId));
            } catch (UnsupportedOperationException e) {
                throw SearchFailure.unsupported(bundle.manifest().index().factory());
            }
            long t = System.nanoTime();
            SearchQuery others = query.excluding(itemId);
            List<SearchHit> hits =
                    IndexSearch.fuse(
                            bundle,
                            IndexSearch.search(
                                    bundle, vectors, Collections.nCopies(vectors.size(), others)),
                            others);
            long index = System.nanoTime() - t;
            metrics.stage("index", index);
            return response(
                    bundle.version(),
                    query,
                    hits,
                    Timing.ofNanos(0, 0, 0, index, System.nanoTime() - start),
                    1);
        }
    }

    /** A catalogue item as it is now (the bundle's, with the log's changes). */
    public Item item(String itemId) {
        try (BundleHolder.Lease lease = bundles.acquire()) {
            BundleItem item = itemOf(lease.bundle(), itemId);
            return new Item(
                    item.id(),
                    item.title(),
                    item.category(),
                    item.price(),
                    item.labelGroup(),
                    item.imageCount(),
                    lease.bundle().version());
        }
    }

    /**
     * The stored image references of a catalogue item, its main one first (paths or URIs as the
     * catalogue resolved them).
     */
    public List<String> imagesOf(String itemId) {
        try (BundleHolder.Lease lease = bundles.acquire()) {
            return itemOf(lease.bundle(), itemId).imageRefs();
        }
    }

    private static BundleItem itemOf(LiveBundle bundle, String itemId) {
        return bundle.item(itemId).orElseThrow(() -> SearchFailure.unknownItem(itemId));
    }

    /**
     * A catalogue item of the live bundle {@code version} (the API adds the route of its image).
     */
    public record Item(
            String id,
            String title,
            String category,
            Double price,
            String labelGroup,
            int images,
            String version) {}

    private record Submitted(
            CompletableFuture<DynamicBatcher.Result<Found>> future, long decodeNanos) {}

    /**
     * Places in the model queue for {@code images} images, all or none, taken before anything is
     * decoded: a service at capacity refuses at once, without spending a decode on the request.
     */
    List<DynamicBatcher.Ticket> admit(int images) {
        List<DynamicBatcher.Ticket> tickets = new ArrayList<>(images);
        try {
            for (int i = 0; i < images; i++) tickets.add(batcher.reserve());
            return tickets;
        } catch (QueueFullException e) {
            tickets.forEach(DynamicBatcher.Ticket::close);
            metrics.shed("queue_full");
            throw SearchFailure.overloaded(e.getMessage());
        } catch (IllegalStateException e) {
            tickets.forEach(DynamicBatcher.Ticket::close);
            throw SearchFailure.stopping();
        }
    }

    /** The decodes of one request end by api.request-timeout-ms, however many images it has. */
    private DecodeDeadline requestDeadline() {
        return DecodeDeadline.after(settings.limits().requestTimeout(), "api.request-timeout-ms");
    }

    /**
     * Decodes and preprocesses here (within decode.timeout-ms, and by the request's deadline), then
     * queues the batch run in the ticket's place.
     */
    private Submitted submit(
            DynamicBatcher.Ticket ticket, byte[] image, SearchQuery query, DecodeDeadline request) {
        return submitRegions(List.of(ticket), image, query, null, request).get(0);
    }

    /**
     * Decodes once and preprocesses the whole image and the crops of {@code layout} (null: none)
     * here, then queues each in its own ticket's place: the whole first, then the crops that were
     * prepared (one the deadline cut off is left out; the whole image's failure fails the search).
     */
    private List<Submitted> submitRegions(
            List<DynamicBatcher.Ticket> tickets,
            byte[] image,
            SearchQuery query,
            RegionLayout layout,
            DecodeDeadline request) {
        long t = System.nanoTime();
        List<PreparedImage> prepared =
                embedder.prepareRegions(
                        image, request.within(embedder.config().decode().timeout()), layout);
        long decode = System.nanoTime() - t;
        metrics.stage("decode", decode);
        PreparedImage whole = prepared.get(0);
        if (!whole.isOk()) {
            if (whole.error().code() == EmbedError.Code.BUSY) metrics.shed("decode_busy");
            throw SearchFailure.image(whole.error());
        }
        List<Submitted> submitted = new ArrayList<>(prepared.size());
        try {
            for (int i = 0; i < prepared.size(); i++) {
                if (!prepared.get(i).isOk()) continue;
                submitted.add(
                        new Submitted(
                                tickets.get(i)
                                        .submit(
                                                new ImageSearch(prepared.get(i), query),
                                                settings.limits().requestTimeout()),
                                decode));
            }
            return submitted;
        } catch (IllegalStateException e) {
            throw SearchFailure.stopping();
        }
    }

    private SearchResponse answer(Submitted submitted, SearchQuery query, long start) {
        return answer(List.of(submitted), query, start);
    }

    /**
     * The answer of a search by its parts (the whole image first, then its crops): the parts' hits
     * fused per item; its timing says the one decode (with every crop's preprocessing), the longest
     * wait in the queue, the longest model run, the longest index search plus the fusion.
     */
    private SearchResponse answer(List<Submitted> parts, SearchQuery query, long start) {
        List<DynamicBatcher.Result<Found>> results = new ArrayList<>(parts.size());
        for (Submitted part : parts) results.add(await(part.future()));
        long queue = 0;
        long model = 0;
        long index = 0;
        int batchSize = 0;
        for (DynamicBatcher.Result<Found> r : results) {
            queue = Math.max(queue, r.queueNanos());
            model = Math.max(model, r.output().modelNanos());
            index = Math.max(index, r.output().indexNanos());
            batchSize = Math.max(batchSize, r.batchSize());
        }
        metrics.stage("queue", queue);
        metrics.stage("model", model);
        Found whole = results.get(0).output();
        if (whole.error() != null) throw SearchFailure.image(whole.error());
        long t = System.nanoTime();
        List<SearchHit> hits = whole.hits();
        int regions = 0;
        if (results.size() > 1) {
            List<List<SearchHit>> answers = new ArrayList<>(results.size());
            for (DynamicBatcher.Result<Found> r : results) {
                // a crop whose model run failed, or that a hot swap put in another version, is left
                // out: scores of different bundles are not comparable
                if (r.output().error() == null && r.output().version().equals(whole.version()))
                    answers.add(r.output().hits());
            }
            regions = answers.size() - 1;
            try (BundleHolder.Lease lease = bundles.acquire()) {
                hits = IndexSearch.fuse(lease.bundle(), answers, query);
            }
        }
        index += System.nanoTime() - t;
        metrics.stage("index", index);
        Timing timing =
                Timing.ofNanos(
                        parts.get(0).decodeNanos(), queue, model, index, System.nanoTime() - start);
        return response(whole.version(), query, hits, timing, batchSize, regions);
    }

    private SearchResponse response(
            String version, SearchQuery query, List<SearchHit> hits, Timing timing, int batchSize) {
        return response(version, query, hits, timing, batchSize, 0);
    }

    private SearchResponse response(
            String version,
            SearchQuery query,
            List<SearchHit> hits,
            Timing timing,
            int batchSize,
            int regions) {
        return new SearchResponse(
                version, embedder.card().id(), query.k(), hits, timing, batchSize, regions);
    }

    /**
     * One batch: the model on every image, then one search of the live bundle for all the vectors
     * (in a single bundle version, so a hot swap never splits a batch).
     */
    private List<Found> runBatch(List<ImageSearch> batch) {
        List<PreparedImage> images = new ArrayList<>(batch.size());
        for (ImageSearch search : batch) images.add(search.image());
        long t = System.nanoTime();
        List<EmbedResult> embedded = embedder.embedPrepared(images);
        long model = System.nanoTime() - t;
        List<float[]> vectors = new ArrayList<>(batch.size());
        List<SearchQuery> queries = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            if (embedded.get(i).isOk() && batch.get(i).query() != null) {
                vectors.add(embedded.get(i).vector());
                queries.add(batch.get(i).query());
            }
        }
        try (BundleHolder.Lease lease = bundles.acquire()) {
            t = System.nanoTime();
            vectors.replaceAll(lease.bundle()::toIndexSpace); // the bundle's learned projection
            List<List<SearchHit>> hits = IndexSearch.search(lease.bundle(), vectors, queries);
            long index = System.nanoTime() - t;
            String version = lease.bundle().version();
            List<Found> found = new ArrayList<>(batch.size());
            int next = 0;
            for (int i = 0; i < batch.size(); i++) {
                EmbedResult result = embedded.get(i);
                if (!result.isOk()) {
                    found.add(new Found(result.error(), version, List.of(), null, model, 0));
                } else if (batch.get(i).query() == null) {
                    found.add(new Found(null, version, List.of(), result.vector(), model, 0));
                } else {
                    found.add(new Found(null, version, hits.get(next++), null, model, index));
                }
            }
            return found;
        }
    }

    private DynamicBatcher.Result<Found> await(
            CompletableFuture<DynamicBatcher.Result<Found>> future) {
        Duration timeout = settings.limits().requestTimeout();
        try {
            // the batcher drops requests past their deadline before the model; the slack covers the
            // batch in flight
            return future.get(
                    timeout.toMillis() + timeout.toMillis() / 2 + 1_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(false);
            throw timeout(timeout);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TimeoutException) throw timeout(timeout);
            LOG.error("a model batch failed", e.getCause());
            throw SearchFailure.searchFailed();
        } catch (CancellationException e) { // the batcher closed with this request still queued
            throw SearchFailure.stopping();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SearchFailure.stopping();
        }
    }

    private SearchFailure timeout(Duration timeout) {
        metrics.shed("deadline");
        return SearchFailure.timedOut(timeout);
    }

    @Override
    public void close() {
        batcher.close();
        bundles.close();
        embedder.close();
    }
}
