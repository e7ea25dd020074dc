package dev.prodlens.jobs.match;

import dev.prodlens.core.faiss.FaissIndex;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A bundle's index opened once per executor JVM for the tasks running there at the same time, and
 * closed when the last of them gives it back: the tasks of one stage share one copy (an index may
 * be gigabytes), and nothing stays loaded once the job is done (in local mode the driver is the
 * executor, and the index would otherwise sit beside the next stage's work). Read with mmap: an IVF
 * index's lists then stay in the file, shared through the page cache.
 */
final class ExecutorIndexes {
    private record Open(FaissIndex index, int users) {}

    private static final Map<String, Open> OPEN = new HashMap<>();

    private ExecutorIndexes() {}

    /**
     * The index at {@code file}, opened by the first caller; give it back with {@link #release}.
     */
    static synchronized FaissIndex acquire(String file) {
        Open open = OPEN.get(file);
        if (open == null) open = new Open(FaissIndex.read(Path.of(file), true), 0);
        OPEN.put(file, new Open(open.index(), open.users() + 1));
        return open.index();
    }

    /** Gives back what {@link #acquire} gave; the last user closes it. */
    static synchronized void release(String file) {
        Open open = OPEN.get(file);
        if (open == null) return;
        if (open.users() <= 1) {
            OPEN.remove(file);
            open.index().close();
        } else {
            OPEN.put(file, new Open(open.index(), open.users() - 1));
        }
    }
}
