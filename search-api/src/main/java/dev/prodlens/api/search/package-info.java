/**
 * Search by image and more-like-this over the live bundle ({@link
 * dev.prodlens.api.search.SearchService}), in domain values and failures ({@link
 * dev.prodlens.api.search.SearchFailure}): no HTTP here.
 *
 * <p>The packages of the service, each depending only on those after it: {@code http} (routes,
 * request parsing, and the one table from failures to statuses) → {@code live} (item writes and the
 * follower of the update log) → {@code search} → {@code batch} (the dynamic batcher) and {@code
 * bundle} (the live bundle and its hot swap). {@code metrics} (the Prometheus registry) is fed by
 * {@code search}, by {@code batch} and {@code bundle} through their listeners, and by {@code http}.
 * Nothing in {@code live}, {@code search}, {@code batch} or {@code bundle} imports {@code http}
 * (LayeringTest checks).
 */
package dev.prodlens.api.search;
