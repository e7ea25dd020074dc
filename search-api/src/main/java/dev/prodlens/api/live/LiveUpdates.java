package dev.prodlens.api.live;

import dev.prodlens.api.ApiSettings;
import dev.prodlens.api.bundle.BundleHolder;
import dev.prodlens.api.bundle.LiveBundle;
import dev.prodlens.api.metrics.ApiMetrics;
import dev.prodlens.core.bundle.BundleManifest;
import dev.prodlens.core.live.LocalUpdateLog;
import dev.prodlens.core.live.UpdateCodec;
import dev.prodlens.core.live.UpdateLog;
import dev.prodlens.core.live.UpdateLogException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the live bundle up to date with the update log: one thread follows the log and applies
 * every record, in position order, to the live bundle's index, whoever wrote it (this service, or
 * another replica on the same Kafka topic). A write is visible once this thread has applied its
 * position ({@link #awaitApplied}).
 *
 * <p><b>Start and hot swap.</b> A bundle records the last position its reindex folded in; the
 * service applies only what comes after it. On start the thread replays from there; on a hot swap
 * {@link #swap} replays the new version from its own position before it goes live, under the lock
 * the thread applies under, so no record is applied to the old version and missed by the new one.
 * After the swap, the log may drop what the new version holds ({@link UpdateLog#dropBefore}).
 *
 * <p><b>Records that cannot be applied</b> (an upsert of another model, a record this version
 * cannot decode) are skipped with one error line each and counted: the other replicas skip them
 * too, so all stay the same; a reindex is the way out.
 */
public final class LiveUpdates implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveUpdates.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long RETRY_MS = 1000;

    private final UpdateLog log;
    private final String logName;
    private final BundleHolder bundles;
    private final double reindexShare;
    private final Object applying = new Object();
    private final Object appliedSignal = new Object();
    private final AtomicLong skipped = new AtomicLong();
    private final Thread thread;

    /** The last position the live bundle has applied (or already held); -1: none. */
    private volatile long applied;

    private volatile boolean running = true;
    private volatile UpdateLog.Follower follower;
    private volatile String recommended; // the version a reindex was last recommended for

    /**
     * Replays the log onto the live bundle from the position it holds up to the log's end, on the
     * calling thread (so the service starts answering only once up to date), then follows it on a
     * thread of its own.
     *
     * @throws UpdateLogException when the log cannot serve this bundle: the records after its
     *     position were dropped, or the log ends before it (another log than the bundle folded)
     */
    public LiveUpdates(UpdateLog log, String logName, BundleHolder bundles, double reindexShare) {
        this.log = log;
        this.logName = logName;
        this.bundles = bundles;
        this.reindexShare = reindexShare;
        LiveBundle live = bundles.peek();
        long from = live.index().appliedPosition() + 1;
        if (from > log.end()) {
            padOrRefuse(live, from);
        }
        this.applied = from - 1;
        // caught up before the service answers: a replica that restarts behind a load balancer
        // must not serve reads that miss acknowledged writes (readiness means up to date as of
        // start)
        log.read(from, this::apply);
        this.follower = log.follow(applied + 1);
        bundles.swapWith(this::swap);
        this.thread = new Thread(this::run, "live-updates");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The bundle holds log positions past the log's end. Either the service is pointed at another
     * log than the reindex read (refused), or this is the local log the reindex read and a crash
     * took records from it that were written but not yet fsynced (so never acknowledged) after the
     * reindex had read them: the log is padded with fillers up to the bundle's position, so that
     * new records never get positions the bundle already holds.
     */
    private void padOrRefuse(LiveBundle live, long from) {
        BundleManifest.Live folded = live.manifest().live();
        long end = log.end();
        if (log instanceof LocalUpdateLog && folded != null && logName.equals(folded.log())) {
            LOG.warn(
                    "update log {} ends at position {} but bundle {} folded it up to {}: records"
                            + " written but never fsynced were lost in a crash after the reindex read"
                            + " them (they were never acknowledged); padding the log to {}",
                    logName,
                    end,
                    live.version(),
                    from - 1,
                    from);
            log.appendAll(java.util.Collections.nCopies((int) (from - end), UpdateCodec.FILLER));
            return;
        }
        throw new UpdateLogException(
                "bundle "
                        + live.version()
                        + " holds the update log "
                        + (folded == null ? "?" : folded.log())
                        + " up to position "
                        + (from - 1)
                        + " but "
                        + logName
                        + " ends at "
                        + end
                        + ": the service is pointed at another log than the reindex read;"
                        + " set live.* as the reindex had them, or reindex with this log");
    }

    /**
     * Opens the configured log and follows it onto the live bundle, its gauges registered; null for
     * {@code live.log=off}.
     */
    public static LiveUpdates start(
            ApiSettings.Live settings, BundleHolder bundles, ApiMetrics metrics) {
        Optional<UpdateLog> opened = settings.log().get();
        if (opened.isEmpty()) return null;
        LiveUpdates live;
        try {
            live =
                    new LiveUpdates(
                            opened.get(),
                            settings.logName().orElseThrow(),
                            bundles,
                            settings.reindexShare());
        } catch (RuntimeException e) {
            opened.get().close();
            throw e;
        }
        metrics.watchLive(
                () -> live(bundles, b -> b.index().liveAdds()),
                () -> live(bundles, b -> b.index().tombstones()),
                live::lag,
                live::skipped,
                live::reindexRecommended);
        return live;
    }

    private static long live(
            BundleHolder bundles, java.util.function.ToLongFunction<LiveBundle> value) {
        LiveBundle bundle = bundles.peek();
        return bundle == null ? 0 : value.applyAsLong(bundle);
    }

    private void run() {
        while (running) {
            try {
                follower.poll(POLL, this::apply);
            } catch (RuntimeException e) {
                if (!running) break;
                LOG.warn(
                        "following the update log {} failed at position {}: {}; retrying in {} ms",
                        logName,
                        applied + 1,
                        e.getMessage(),
                        RETRY_MS);
                pause();
                refollow();
            }
        }
        follower.close();
    }

    /** A new follower from the position after the last applied one (after a failure). */
    private void refollow() {
        try {
            UpdateLog.Follower next = log.follow(applied + 1);
            follower.close();
            follower = next;
        } catch (RuntimeException e) {
            LOG.warn("cannot follow the update log {} again yet: {}", logName, e.getMessage());
        }
    }

    private void pause() {
        try {
            TimeUnit.MILLISECONDS.sleep(RETRY_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Applies one record to the live bundle; never throws for a bad record. */
    private void apply(long position, byte[] record) {
        synchronized (applying) {
            LiveBundle live = bundles.peek();
            if (live == null) return; // closing
            try {
                live.index().apply(position, UpdateCodec.decode(position, record));
            } catch (UpdateLogException | IllegalArgumentException e) {
                skipped.incrementAndGet();
                LOG.error(
                        "update log {}: skipping position {}: {}",
                        logName,
                        position,
                        e.getMessage());
            }
            markApplied(position);
            adviseReindex(live);
        }
    }

    private void markApplied(long position) {
        synchronized (appliedSignal) {
            if (position > applied) applied = position;
            appliedSignal.notifyAll();
        }
    }

    private void adviseReindex(LiveBundle live) {
        if (!live.version().equals(recommended) && live.index().reindexRecommended(reindexShare)) {
            recommended = live.version();
            LOG.warn(
                    "bundle {}: {} live adds and {} tombstones over {} bundle items pass"
                            + " live.reindex-share={}; run reindex to fold the update log into a"
                            + " new bundle (searches stay correct meanwhile)",
                    live.version(),
                    live.index().liveAdds(),
                    live.index().tombstones(),
                    live.bundleSize(),
                    reindexShare);
        }
    }

    /**
     * A hot swap: replays the log onto {@code next} from the position it holds, then, with the
     * applier held, what the applier applied meanwhile, and installs it; then lets the log drop the
     * records {@code next} holds.
     */
    private void swap(LiveBundle next, Runnable install) {
        long from = next.index().appliedPosition() + 1;
        if (from > log.end()) {
            padOrRefuse(next, from);
        }
        replay(next, from); // most of it while the old version serves and the applier goes on
        synchronized (applying) {
            replay(next, next.index().appliedPosition() + 1);
            install.run();
        }
        markApplied(next.index().appliedPosition());
        long folded = Math.min(from, log.end());
        try {
            log.dropBefore(folded);
        } catch (RuntimeException e) {
            LOG.warn(
                    "update log {}: compaction before {} failed: {}",
                    logName,
                    folded,
                    e.getMessage());
        }
    }

    private void replay(LiveBundle next, long from) {
        if (from >= log.end()) return;
        log.read(
                from,
                (position, record) -> {
                    try {
                        if (!UpdateCodec.isFiller(record)) {
                            next.index().apply(position, UpdateCodec.decode(position, record));
                        }
                    } catch (RuntimeException e) {
                        LOG.error(
                                "update log {}: skipping position {} for bundle {}: {}",
                                logName,
                                position,
                                next.version(),
                                e.getMessage());
                    }
                });
    }

    /**
     * Waits until the live bundle has applied {@code position}, at most {@code timeout}; whether it
     * has.
     */
    public boolean awaitApplied(long position, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (appliedSignal) {
            while (applied < position) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                try {
                    TimeUnit.NANOSECONDS.timedWait(appliedSignal, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return applied >= position;
                }
            }
            return true;
        }
    }

    /** The last position applied to the live bundle, -1 for none. */
    public long applied() {
        return applied;
    }

    /** Records durable in the log and not yet applied here; -1 when the log cannot say now. */
    public long lag() {
        try {
            return Math.max(0, log.end() - 1 - applied);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** Records skipped because they could not be applied (see the class comment). */
    public long skipped() {
        return skipped.get();
    }

    /** Whether the live bundle has changed enough to recommend a reindex. */
    public boolean reindexRecommended() {
        LiveBundle live = bundles.peek();
        return live != null && live.index().reindexRecommended(reindexShare);
    }

    /** The log, as a manifest names it. */
    public String logName() {
        return logName;
    }

    UpdateLog log() {
        return log;
    }

    /** Stops following, then closes the log (appends already accepted become durable first). */
    @Override
    public void close() {
        running = false;
        follower.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.close();
    }
}
