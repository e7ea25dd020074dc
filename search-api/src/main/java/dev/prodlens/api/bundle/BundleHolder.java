package dev.prodlens.api.bundle;

import dev.prodlens.core.bundle.BundleException;
import dev.prodlens.core.bundle.Bundles;
import dev.prodlens.core.embed.ModelCard;
import dev.prodlens.core.faiss.FaissException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live bundle of one catalogue, following its {@code CURRENT} pointer. A new version is loaded
 * beside the old one and swapped in atomically; searches that hold the old one (through a {@link
 * Lease}) finish on it, and its index is closed when the last of them lets go. A version that fails
 * to load (corrupt, another model) is logged and skipped: the old one keeps serving.
 */
public final class BundleHolder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BundleHolder.class);

    /** What happens to reloads (metrics), whether the watcher or an operator asked for them. */
    public interface Listener {
        void reloaded(LiveBundle bundle);

        /** Version {@code directory} could not load; the live one stays. */
        void reloadFailed(Path directory, String reason);
    }

    /**
     * Brings a newly loaded version up to date before it goes live (the update log's changes since
     * the version was built), then installs it by running {@code install}, which swaps it in.
     * Throwing instead leaves the live version serving.
     */
    @FunctionalInterface
    public interface Swap {
        void swap(LiveBundle next, Runnable install);
    }

    /** A search's hold on a bundle version; close it when the search is done. */
    public static final class Lease implements AutoCloseable {
        private final LiveBundle bundle;
        private boolean closed;

        private Lease(LiveBundle bundle) {
            this.bundle = bundle;
        }

        public LiveBundle bundle() {
            return bundle;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                bundle.release();
            }
        }
    }

    private final Path catalogueDir;
    private final ModelCard model;
    private final Listener listener;
    private final AtomicReference<LiveBundle> current = new AtomicReference<>();
    private final ScheduledExecutorService watcher;
    private volatile Swap swap = (next, install) -> install.run();

    /**
     * The last version that failed to load: not retried (nor logged again) until CURRENT names
     * another.
     */
    private Path failed;

    private BundleHolder(
            Path catalogueDir,
            ModelCard model,
            Listener listener,
            LiveBundle first,
            Duration interval) {
        this.catalogueDir = catalogueDir;
        this.model = model;
        this.listener = listener;
        this.current.set(first);
        if (interval.isZero()) {
            this.watcher = null;
        } else {
            this.watcher =
                    Executors.newSingleThreadScheduledExecutor(
                            r -> {
                                Thread t = new Thread(r, "bundle-watcher");
                                t.setDaemon(true);
                                return t;
                            });
            watcher.scheduleWithFixedDelay(
                    this::reloadQuietly,
                    interval.toMillis(),
                    interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Loads the bundle {@code catalogueDir/CURRENT} names and, unless {@code reloadInterval} is
     * zero, checks the pointer that often for a new version.
     *
     * @throws BundleException when there is no bundle or it cannot serve (the service must not
     *     start)
     */
    public static BundleHolder open(
            Path catalogueDir, ModelCard model, Duration reloadInterval, Listener listener) {
        Path directory =
                Bundles.current(catalogueDir)
                        .orElseThrow(
                                () ->
                                        new BundleException(
                                                "no bundle to serve: "
                                                        + catalogueDir.resolve("CURRENT")
                                                        + " does not exist; run the reindex job first (bin/prodlens-jobs "
                                                        + "reindex --conf conf/prodlens.properties, or make demo for the demo catalogue) or point bundles.dir and catalogue.name at a published bundle"));
        LiveBundle first = load(directory, model);
        LOG.info(
                "serving bundle {} ({} items, {})",
                first.version(),
                first.size(),
                first.manifest().index().factory());
        return new BundleHolder(catalogueDir, model, listener, first, reloadInterval);
    }

    private static LiveBundle load(Path directory, ModelCard model) {
        try {
            return LiveBundle.load(directory, model);
        } catch (FaissException e) {
            throw new BundleException(
                    "cannot read the index of bundle "
                            + directory
                            + " ("
                            + e.getMessage()
                            + "); rebuild it with reindex",
                    e);
        }
    }

    /** How later versions go live (the live updates set theirs); before the first reload. */
    public void swapWith(Swap swap) {
        this.swap = swap;
    }

    /** Holds the live bundle for one search. */
    public Lease acquire() {
        while (true) {
            LiveBundle bundle = current.get();
            if (bundle == null) throw new IllegalStateException("bundle holder is closed");
            if (bundle.retain()) return new Lease(bundle);
            // swapped and released between get() and retain(): the next get() sees the new one
        }
    }

    /** The live version (for health and responses). */
    public LiveBundle peek() {
        return current.get();
    }

    /**
     * Loads the version {@code CURRENT} names if it is not the live one, and swaps it in.
     *
     * @return true when a new version went live
     * @throws BundleException when that version cannot serve (the live one stays)
     */
    public synchronized boolean reload() {
        LiveBundle live = current.get();
        if (live == null) return false;
        Path directory =
                Bundles.current(catalogueDir)
                        .orElseThrow(
                                () ->
                                        new BundleException(
                                                catalogueDir.resolve("CURRENT")
                                                        + " disappeared; the live bundle keeps serving"));
        if (directory.equals(live.directory()) || directory.equals(failed)) return false;
        LiveBundle next;
        try {
            next = load(directory, model);
        } catch (RuntimeException e) {
            failed = directory;
            listener.reloadFailed(directory, e.getMessage());
            throw e;
        }
        LiveBundle[] replaced = new LiveBundle[1];
        try {
            swap.swap(next, () -> replaced[0] = current.getAndSet(next));
        } catch (RuntimeException e) {
            if (replaced[0] == null) {
                next.release();
                failed = directory;
                listener.reloadFailed(directory, e.getMessage());
            }
            throw e;
        }
        LiveBundle old = replaced[0];
        old.release();
        LOG.info(
                "serving bundle {} ({} items, {}) in place of {}",
                next.version(),
                next.size(),
                next.manifest().index().factory(),
                old.version());
        listener.reloaded(next);
        return true;
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.warn("not switching bundles: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (watcher != null) watcher.shutdownNow();
        LiveBundle last = current.getAndSet(null);
        if (last != null) last.release();
    }
}
