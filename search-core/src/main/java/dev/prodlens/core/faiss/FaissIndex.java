package dev.prodlens.core.faiss;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A Faiss index holding vectors under caller-chosen 64-bit ids.
 *
 * <p>Searches may run from many threads at once; writes (train, add, remove, parameter changes,
 * merge) wait for running searches and are serialised. Every Faiss error arrives as a Java
 * exception: {@link IllegalArgumentException} for bad arguments, {@link
 * UnsupportedOperationException} for what the index type cannot do, {@link FaissInternalException}
 * for out of native memory and unknown native errors, {@link FaissException} for the rest, with
 * Faiss's message. Close it to release native memory.
 *
 * <p>Vectors are passed row-major in one {@code float[]} (n x dimension), or in direct native-order
 * buffers to avoid the copy.
 */
public final class FaissIndex extends NativeHandle {
    /** Java arrays stop a little short of Integer.MAX_VALUE. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final int dimension;
    private final Metric metric;

    private FaissIndex(long pointer) {
        super(pointer, FaissNative::free, "index");
        this.dimension = FaissNative.dimension(pointer);
        this.metric = Metric.fromCode(FaissNative.metric(pointer));
    }

    /**
     * Creates an empty index from a Faiss {@code index_factory} string ("Flat", "HNSW32",
     * "IVF1024,PQ32", "OPQ32,IVF4096,PQ32"...). Types that cannot store ids themselves are wrapped
     * in an id map, so {@link #add} always takes ids.
     */
    public static FaissIndex create(int dimension, String factory, Metric metric) {
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be > 0, got " + dimension);
        }
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(metric, "metric");
        if (factory.isBlank()) {
            throw new IllegalArgumentException("factory string must not be blank");
        }
        return new FaissIndex(FaissNative.create(dimension, factory.strip(), metric.code));
    }

    /** Reads an index written by {@link #write} (or by any Faiss 1.7.x), fully into memory. */
    public static FaissIndex read(Path file) {
        return read(file, false);
    }

    /**
     * Reads an index; with {@code mmap} the inverted lists of an IVF index stay in the file and are
     * paged in on demand (other index types are read into memory either way). A mapped index is
     * read-only, and its file must not change while it is open.
     */
    public static FaissIndex read(Path file, boolean mmap) {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new FaissException("index file not found: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new FaissException(
                    "index file is not readable: " + file + " (check permissions)");
        }
        try {
            return new FaissIndex(FaissNative.read(file.toString(), mmap));
        } catch (FaissException e) {
            throw new FaissException(
                    "cannot read index "
                            + file
                            + " (corrupt, truncated or not "
                            + "a Faiss index): "
                            + e.getMessage(),
                    e);
        }
    }

    /** An index from the bytes of {@link #toBytes()} (e.g. shipped to Spark executors). */
    public static FaissIndex fromBytes(byte[] data) {
        Objects.requireNonNull(data, "data");
        try {
            return new FaissIndex(FaissNative.fromBytes(data));
        } catch (FaissException e) {
            throw new FaissException(
                    "cannot decode index bytes (corrupt or truncated): " + e.getMessage(), e);
        }
    }

    /**
     * Trains the index (IVF centroids, PQ codebooks...) on n = vectors.length / dimension vectors.
     */
    public void train(float[] vectors) {
        long n = rows(vectors, "training vectors");
        if (n == 0) {
            throw new IllegalArgumentException("train needs at least one vector");
        }
        exclusive(
                p -> {
                    FaissNative.train(p, vectors, n);
                    return null;
                });
    }

    /** Adds vectors.length / dimension vectors under {@code ids} (one id per vector). */
    public void add(float[] vectors, long[] ids) {
        long n = rows(vectors, "vectors");
        Objects.requireNonNull(ids, "ids");
        if (ids.length != n) {
            throw new IllegalArgumentException(
                    "got " + n + " vectors but " + ids.length + " ids: pass one id per vector");
        }
        exclusive(
                p -> {
                    FaissNative.add(p, vectors, ids, n);
                    return null;
                });
    }

    /**
     * Adds vectors from direct, native-order buffers without copying: {@code ids.capacity()}
     * vectors read from the start of each buffer (the native layer reads from the buffer's address;
     * position and limit are ignored, as in {@link #search(FloatBuffer, int, SearchOptions,
     * FloatBuffer, LongBuffer)}).
     */
    public void add(FloatBuffer vectors, LongBuffer ids) {
        requireDirect(vectors, "vectors");
        requireDirect(ids, "ids");
        long n = ids.capacity();
        if ((long) vectors.capacity() < n * dimension) {
            throw new IllegalArgumentException(
                    "vectors holds "
                            + vectors.capacity()
                            + " floats, fewer than ids x dimension = "
                            + n * dimension);
        }
        exclusive(
                p -> {
                    FaissNative.addDirect(p, vectors, ids, n);
                    return null;
                });
    }

    /** The k nearest neighbours of each of queries.length / dimension queries. */
    public SearchResult search(float[] queries, int k) {
        return search(queries, k, SearchOptions.DEFAULT);
    }

    /** The k nearest neighbours of each query, with per-call options (filter, nprobe, efSearch). */
    public SearchResult search(float[] queries, int k, SearchOptions options) {
        Objects.requireNonNull(options, "options");
        long n = rows(queries, "queries");
        checkK(k, n);
        int total = (int) (n * k);
        long[] ids = new long[total];
        float[] scores = new float[total];
        shared(
                p ->
                        IdFilter.withPointer(
                                options.filter(),
                                f -> {
                                    FaissNative.search(
                                            p,
                                            queries,
                                            (int) n,
                                            k,
                                            options.nprobe(),
                                            options.efSearch(),
                                            options.refineFactor(),
                                            f,
                                            options.threads(),
                                            scores,
                                            ids);
                                    return null;
                                }));
        return new SearchResult((int) n, k, ids, scores);
    }

    /**
     * Searches from and into direct, native-order buffers (no copies): n = queries.capacity() /
     * dimension queries; scores and ids receive n x k entries from their start.
     */
    public void search(
            FloatBuffer queries, int k, SearchOptions options, FloatBuffer scores, LongBuffer ids) {
        Objects.requireNonNull(options, "options");
        requireDirect(queries, "queries");
        requireDirect(scores, "scores");
        requireDirect(ids, "ids");
        if (queries.capacity() % dimension != 0) {
            throw new IllegalArgumentException(
                    "queries holds "
                            + queries.capacity()
                            + " floats, not a multiple of the dimension "
                            + dimension);
        }
        long n = queries.capacity() / dimension;
        if (k <= 0) {
            throw new IllegalArgumentException("k must be > 0, got " + k);
        }
        if (scores.capacity() < n * k || ids.capacity() < n * k) {
            throw new IllegalArgumentException(
                    "result buffers must hold n x k = " + n * k + " entries");
        }
        shared(
                p ->
                        IdFilter.withPointer(
                                options.filter(),
                                f -> {
                                    FaissNative.searchDirect(
                                            p,
                                            queries,
                                            n,
                                            k,
                                            options.nprobe(),
                                            options.efSearch(),
                                            options.refineFactor(),
                                            f,
                                            options.threads(),
                                            scores,
                                            ids);
                                    return null;
                                }));
    }

    /**
     * Removes the given ids; returns how many were present.
     *
     * @throws UnsupportedOperationException for index types Faiss cannot remove from (HNSW)
     */
    public long remove(long... ids) {
        Objects.requireNonNull(ids, "ids");
        try (IdFilter filter = IdFilter.allowList(ids)) {
            return remove(filter);
        }
    }

    /** Removes every id the filter accepts; returns how many were removed. */
    public long remove(IdFilter filter) {
        Objects.requireNonNull(filter, "filter");
        return exclusive(p -> filter.shared(f -> FaissNative.removeIds(p, f)));
    }

    /**
     * The stored vector of an id (approximate for compressed indexes such as PQ), or empty when the
     * id is not in the index. IVF indexes build an id lookup table on first use.
     *
     * @throws UnsupportedOperationException for index types that cannot reconstruct
     */
    public Optional<float[]> reconstruct(long id) {
        float[] out = new float[dimension];
        // a read, beside searches; only an IVF index's first call builds its id table, exclusively
        int found = shared(p -> FaissNative.reconstruct(p, id, out, false));
        if (found < 0) found = exclusive(p -> FaissNative.reconstruct(p, id, out, true));
        return found > 0 ? Optional.of(out) : Optional.empty();
    }

    /**
     * Sets the index's default search parameters with Faiss ParameterSpace syntax, e.g.
     * "nprobe=32", "efSearch=128", "nprobe=16,ht=32". Unknown names raise an exception. Also
     * accepts the HNSW build knob "efConstruction=200" (graph quality for the vectors added
     * afterwards; Faiss's default is 40), which Faiss's ParameterSpace lacks. All are saved with
     * the index.
     */
    public void setSearchParameters(String parameters) {
        Objects.requireNonNull(parameters, "parameters");
        exclusive(
                p -> {
                    FaissNative.setParameters(p, parameters);
                    return null;
                });
    }

    /**
     * Moves all vectors of {@code other} into this index; {@code other} is left empty. Both must be
     * IVF indexes made from the same trained index (parallel builds: each worker adds a shard to a
     * copy of the trained index, then the shards are merged).
     */
    public void mergeFrom(FaissIndex other) {
        Objects.requireNonNull(other, "other");
        if (other == this) {
            throw new IllegalArgumentException("cannot merge an index into itself");
        }
        exclusive(
                p ->
                        other.exclusive(
                                o -> {
                                    FaissNative.mergeFrom(p, o);
                                    return null;
                                }));
    }

    /**
     * Writes the index to {@code file} atomically: a temporary file next to it is written, synced
     * and renamed, so readers see the old file or the complete new one, never a partial write.
     */
    public void write(Path file) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath();
        Path dir = absolute.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new FaissException(
                    "cannot write " + file + ": directory " + dir + " does not exist");
        }
        Path temp = dir.resolve("." + absolute.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            shared(
                    p -> {
                        FaissNative.write(p, temp.toString());
                        return null;
                    });
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            try {
                Files.move(
                        temp,
                        absolute,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write index " + file + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort: a leftover hidden temp file is harmless
            }
        }
    }

    /** The index serialised in Faiss's file format (at most 2 GB). */
    public byte[] toBytes() {
        return shared(FaissNative::toBytes);
    }

    /** Number of vectors in the index. */
    public long size() {
        return shared(FaissNative::ntotal);
    }

    public int dimension() {
        return dimension;
    }

    public Metric metric() {
        return metric;
    }

    public boolean isTrained() {
        return shared(FaissNative::isTrained);
    }

    /**
     * Estimated bytes of RAM the index holds: its serialised size. Not counted: an id map's reverse
     * hash table (about 46 more bytes per vector in RSS, bench/sizing.sh), an IVF index's id lookup
     * once reconstruct has built it (about 41), and memory-mapped inverted lists. Costs one pass
     * over the index.
     */
    public long memoryUsageBytes() {
        return shared(FaissNative::memoryUsage);
    }

    /** The index's structure, e.g. "IndexIDMap2(IndexHNSWFlat)". */
    public String description() {
        return shared(FaissNative::describe);
    }

    @Override
    public String toString() {
        if (isClosed()) {
            return "FaissIndex(closed)";
        }
        return "FaissIndex("
                + description()
                + ", d="
                + dimension
                + ", "
                + metric
                + ", n="
                + size()
                + ")";
    }

    private long rows(float[] vectors, String what) {
        Objects.requireNonNull(vectors, what);
        if (vectors.length % dimension != 0) {
            throw new IllegalArgumentException(
                    what
                            + " has "
                            + vectors.length
                            + " floats, not a multiple of the dimension "
                            + dimension);
        }
        return vectors.length / dimension;
    }

    private static void checkK(int k, long n) {
        if (k <= 0) {
            throw new IllegalArgumentException("k must be > 0, got " + k);
        }
        if (n * k > MAX_ARRAY) {
            throw new IllegalArgumentException(
                    "n x k = "
                            + n * k
                            + " results do not fit one array: search in smaller batches");
        }
    }

    private static void requireDirect(java.nio.Buffer buffer, String what) {
        Objects.requireNonNull(buffer, what);
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException(what + " must be a direct buffer");
        }
        ByteOrder order =
                buffer instanceof FloatBuffer f
                        ? f.order()
                        : buffer instanceof LongBuffer l ? l.order() : ByteOrder.nativeOrder();
        if (order != ByteOrder.nativeOrder()) {
            throw new IllegalArgumentException(
                    what
                            + " must be in native byte order "
                            + "(ByteBuffer.allocateDirect(..).order(ByteOrder.nativeOrder()))");
        }
    }
}
