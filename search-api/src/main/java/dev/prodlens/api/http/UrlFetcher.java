package dev.prodlens.api.http;

import dev.prodlens.api.ApiSettings;
import dev.prodlens.api.search.SearchFailure;
import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image of a search by URL ({@code ?url=}): only http(s) on an allow-listed host, no redirects
 * (a redirect could lead from an allowed host to an internal one), no user info, at most {@code
 * maxBytes}, and the whole download (connect, headers and body) within one deadline ({@code
 * api.url-fetch.timeout-ms}). The request thread waits for the download at most that long; a
 * download still running then (a host that trickles its body) is cancelled, which closes its
 * connection. Every failure is 422 {@code url_fetch_failed}: the client's remedy is the same (check
 * the URL, or upload the image).
 */
final class UrlFetcher {
    private static final Logger LOG = LoggerFactory.getLogger(UrlFetcher.class);

    private final List<String> hosts;
    private final Duration timeout;
    private final long maxBytes;
    private final HttpClient http;

    UrlFetcher(ApiSettings.UrlFetch settings, long maxBytes) {
        this.hosts = settings.allowHosts().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
        this.timeout = settings.timeout();
        this.maxBytes = maxBytes;
        this.http =
                hosts.isEmpty()
                        ? null
                        : HttpClient.newBuilder()
                                .followRedirects(HttpClient.Redirect.NEVER)
                                .connectTimeout(timeout)
                                .build();
    }

    byte[] fetch(String url) {
        URI uri = allowed(url);
        CompletableFuture<HttpResponse<byte[]>> download =
                http.sendAsync(
                        HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                        info ->
                                info.statusCode() == 200
                                        ? new CappedBody(maxBytes)
                                        : HttpResponse.BodySubscribers.replacing(null));
        try {
            HttpResponse<byte[]> response = download.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (response.statusCode() != 200)
                throw failed(url + " answered HTTP " + response.statusCode() + "; check the URL");
            return response.body();
        } catch (TimeoutException e) {
            throw tooSlow(url);
        } catch (ExecutionException e) {
            throw failure(url, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SearchFailure.stopping();
        } finally {
            download.cancel(
                    true); // nothing once done; else aborts the download and closes its connection
        }
    }

    private URI allowed(String url) {
        if (http == null) {
            throw ApiException.badRequest(
                    "searching by URL is off; upload the image instead (an operator can allow hosts with "
                            + "api.url-fetch.allow-hosts)");
        }
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("'" + url + "' is not a valid URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https"))
                || !hosts.contains(host)
                || uri.getUserInfo() != null) {
            throw new ApiException(
                    422,
                    "url_not_allowed",
                    "the service does not fetch from '"
                            + url
                            + "': only http(s) URLs on "
                            + String.join(", ", hosts)
                            + " are allowed");
        }
        return uri;
    }

    /**
     * The client's words for why a download failed: what happened, never the exception's class or
     * raw message.
     */
    private ApiException failure(String url, Throwable cause) {
        if (cause instanceof ApiException e) return e;
        if (cause instanceof HttpTimeoutException)
            return tooSlow(url); // connect or headers past the deadline
        LOG.debug("fetching {} failed", url, cause);
        String what =
                cause instanceof ConnectException
                        ? "cannot connect to " + url
                        : "the download of " + url + " failed";
        return failed(what + "; check the URL or upload the image instead");
    }

    private ApiException tooSlow(String url) {
        return failed(
                url
                        + " did not send the image within "
                        + timeout.toMillis()
                        + " ms (api.url-fetch.timeout-ms); upload the image"
                        + " instead");
    }

    private static ApiException failed(String message) {
        return new ApiException(422, "url_fetch_failed", message);
    }

    /**
     * Collects a body of at most {@code max} bytes; cancels the download as soon as it is longer.
     */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final long max;
        private Flow.Subscription subscription;

        CappedBody(long max) {
            this.max = max;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                if (body.isDone()) return;
                if (bytes.size() + (long) buffer.remaining() > max) {
                    subscription.cancel();
                    body.completeExceptionally(RequestImages.tooLarge(max));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.writeBytes(chunk);
            }
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }
}
