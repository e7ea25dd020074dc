package dev.prodlens.api.http;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most N requests in flight per client address (429 beyond), so one client cannot take the whole
 * model queue from everyone else. 0 turns it off.
 */
final class ClientLimiter {
    private final int limit;
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();

    ClientLimiter(int limit) {
        this.limit = limit;
    }

    /** A request's place; close it when the request is answered. */
    final class Slot implements AutoCloseable {
        private final String client;

        private Slot(String client) {
            this.client = client;
        }

        @Override
        public void close() {
            if (client != null)
                inFlight.computeIfPresent(client, (k, n) -> n.decrementAndGet() == 0 ? null : n);
        }
    }

    Slot enter(String client) {
        if (limit == 0) return new Slot(null);
        AtomicInteger n =
                inFlight.compute(
                        client,
                        (k, v) -> {
                            AtomicInteger count = v == null ? new AtomicInteger() : v;
                            count.incrementAndGet();
                            return count;
                        });
        if (n.get() > limit) {
            new Slot(client).close();
            throw new ApiException(
                    429,
                    "too_many_requests",
                    "more than "
                            + limit
                            + " requests in flight from "
                            + client
                            + " (api.max-in-flight-per-client); wait for answers before sending more",
                    ApiException.RETRY_AFTER);
        }
        return new Slot(client);
    }
}
