package dev.prodlens.api.metrics;

import dev.prodlens.api.batch.DynamicBatcher;
import dev.prodlens.api.bundle.BundleHolder;
import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.core.image.DecodeBudget;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * The service's Prometheus metrics (GET /metrics): requests by endpoint and status, latency
 * histograms per endpoint and per stage (decode, queue wait, model, index), batch sizes, the queue
 * depth, and the live bundle and its reloads; and the process's own (resident memory, heap, GC,
 * threads: the client's JVM instrumentation), because the model and the index live outside the Java
 * heap and only the process's resident memory shows them. A registry per service, so tests can run
 * several services in one JVM.
 */
public final class ApiMetrics implements DynamicBatcher.Listener, BundleHolder.Listener {
    /** 0.5 ms … ~16 s: single requests on a 2-core box are milliseconds, overload is seconds. */
    private static final double[] LATENCY_BUCKETS = {
        0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048,
        4.096, 8.192, 16.384
    };

    private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128};
    private static final double NANOS = 1e9;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final Counter requests;
    private final Histogram requestSeconds;
    private final Histogram stageSeconds;
    private final Histogram batchSize;
    private final Counter reloads;
    private final Counter shed;
    private final Counter writes;

    public ApiMetrics() {
        requests =
                Counter.builder()
                        .name("prodlens_requests_total")
                        .help("HTTP requests by endpoint and status")
                        .labelNames("endpoint", "status")
                        .register(registry);
        requestSeconds =
                Histogram.builder()
                        .name("prodlens_request_seconds")
                        .help("HTTP request latency by endpoint")
                        .labelNames("endpoint")
                        .classicOnly()
                        .classicUpperBounds(LATENCY_BUCKETS)
                        .register(registry);
        stageSeconds =
                Histogram.builder()
                        .name("prodlens_stage_seconds")
                        .help(
                                "time per image in each stage: decode (and preprocess), queue (wait for a model instance), "
                                        + "model (the batch it ran in), index (Faiss search)")
                        .labelNames("stage")
                        .classicOnly()
                        .classicUpperBounds(LATENCY_BUCKETS)
                        .register(registry);
        batchSize =
                Histogram.builder()
                        .name("prodlens_batch_size")
                        .help("images per model run")
                        .classicOnly()
                        .classicUpperBounds(BATCH_BUCKETS)
                        .register(registry);
        reloads =
                Counter.builder()
                        .name("prodlens_bundle_reloads_total")
                        .help(
                                "bundle versions loaded on a reload by result: ok (now live), failed (refused; the live one stays)")
                        .labelNames("result")
                        .register(registry);
        shed =
                Counter.builder()
                        .name("prodlens_shed_total")
                        .help(
                                "searches refused for load by reason: queue_full (before decoding), deadline (waited past "
                                        + "api.request-timeout-ms), client_limit (api.max-in-flight-per-client), decode_busy (no decode "
                                        + "memory came free within decode.timeout-ms)")
                        .labelNames("reason")
                        .register(registry);
        writes =
                Counter.builder()
                        .name("prodlens_live_writes_total")
                        .help(
                                "item writes by operation (upsert, change, delete) and result: written (durable in the"
                                        + " update log), refused (a 4xx: nothing recorded)")
                        .labelNames("operation", "result")
                        .register(registry);
        JvmMetrics.builder().register(registry);
    }

    /**
     * Gauges read at scrape time: the decode memory budget and what decodes hold of it now (the
     * heavy part of a request before the model: see decode.memory-budget-bytes).
     */
    public void watchDecodes(DecodeBudget budget) {
        GaugeWithCallback.builder()
                .name("prodlens_decode_memory_budget_bytes")
                .help("memory all decodes may hold at once (decode.memory-budget-bytes)")
                .callback(cb -> cb.call(budget.capacityBytes()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("prodlens_decode_memory_in_use_bytes")
                .help(
                        "memory reserved by the decodes running now (estimated from each image's header)")
                .callback(cb -> cb.call(budget.inUseBytes()))
                .register(registry);
    }

    /** Gauges read at scrape time: queue depth and the live bundle. */
    public void watch(IntSupplier queued, BundleHolder bundles) {
        gauge("prodlens_queue_depth", "requests waiting for a model instance", queued);
        gauge(
                "prodlens_bundle_items",
                "items in the live bundle",
                () -> {
                    LiveBundle live = bundles.peek();
                    return live == null ? 0 : (int) live.size();
                });
        GaugeWithCallback.builder()
                .name("prodlens_bundle_live")
                .help("the live bundle version and index (value 1)")
                .labelNames("version", "factory")
                .callback(
                        cb -> {
                            LiveBundle live = bundles.peek();
                            if (live != null)
                                cb.call(1, live.version(), live.manifest().index().factory());
                        })
                .register(registry);
    }

    /** Gauges read at scrape time: the update log on top of the live bundle. */
    public void watchLive(
            LongSupplier adds,
            LongSupplier tombstones,
            LongSupplier lag,
            LongSupplier skipped,
            java.util.function.BooleanSupplier reindexRecommended) {
        longGauge(
                "prodlens_live_adds", "vectors added to the live bundle since it was built", adds);
        longGauge(
                "prodlens_live_tombstones",
                "entries of the live index replaced or deleted since the bundle was built (excluded"
                        + " from every search)",
                tombstones);
        longGauge(
                "prodlens_live_log_lag",
                "update log records durable but not yet applied here (-1: the log cannot say now)",
                lag);
        longGauge(
                "prodlens_live_skipped",
                "update log records that could not be applied (another model's vectors; logged)",
                skipped);
        longGauge(
                "prodlens_live_reindex_recommended",
                "1 when live adds and tombstones pass live.reindex-share of the bundle: run reindex",
                () -> reindexRecommended.getAsBoolean() ? 1 : 0);
    }

    private void longGauge(String name, String help, LongSupplier value) {
        GaugeWithCallback.builder()
                .name(name)
                .help(help)
                .callback(cb -> cb.call(value.getAsLong()))
                .register(registry);
    }

    /** An item write by operation and result (written, refused). */
    public void write(String operation, String result) {
        writes.labelValues(operation, result).inc();
    }

    private void gauge(String name, String help, IntSupplier value) {
        longGauge(name, help, value::getAsInt);
    }

    public void request(String endpoint, int status, long nanos) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
        requestSeconds.labelValues(endpoint).observe(nanos / NANOS);
    }

    /** A search refused for load, by the reason's label value. */
    public void shed(String reason) {
        shed.labelValues(reason).inc();
    }

    public void stage(String stage, long nanos) {
        stageSeconds.labelValues(stage).observe(nanos / NANOS);
    }

    @Override
    public void batch(int size, long modelNanos) {
        batchSize.observe(size);
    }

    @Override
    public void reloaded(LiveBundle bundle) {
        reloads.labelValues("ok").inc();
    }

    @Override
    public void reloadFailed(Path directory, String reason) {
        reloads.labelValues("failed").inc();
    }

    public String contentType() {
        return writer.getContentType();
    }

    public void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }
}
