package dev.prodlens.core.faiss;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * The JNI entry points (search-core/src/main/native/faiss_jni.cpp). Handles are native pointers.
 */
final class FaissNative {
    static {
        NativeLibrary.load();
    }

    private FaissNative() {}

    static native long create(int dimension, String factory, int metric);

    static native void free(long index);

    static native void train(long index, float[] vectors, long n);

    static native void add(long index, float[] vectors, long[] ids, long n);

    static native void addDirect(long index, FloatBuffer vectors, LongBuffer ids, long n);

    static native void search(
            long index,
            float[] queries,
            int n,
            int k,
            int nprobe,
            int efSearch,
            float refineFactor,
            long filter,
            int threads,
            float[] scores,
            long[] ids);

    static native void searchDirect(
            long index,
            FloatBuffer queries,
            long n,
            int k,
            int nprobe,
            int efSearch,
            float refineFactor,
            long filter,
            int threads,
            FloatBuffer scores,
            LongBuffer ids);

    static native long removeIds(long index, long filter);

    /**
     * 1: found (written to out), 0: absent, -1: an IVF index needs its id lookup built (call again
     * with build).
     */
    static native int reconstruct(long index, long id, float[] out, boolean build);

    static native void setParameters(long index, String parameters);

    static native void mergeFrom(long index, long other);

    static native void write(long index, String path);

    static native long read(String path, boolean mmap);

    static native byte[] toBytes(long index);

    static native long fromBytes(byte[] data);

    static native long ntotal(long index);

    static native int dimension(long index);

    static native boolean isTrained(long index);

    static native int metric(long index);

    static native long memoryUsage(long index);

    static native String describe(long index);

    static native long filterAllowList(long[] ids);

    static native long filterRange(long minInclusive, long maxExclusive);

    static native long filterBitmap(byte[] bits);

    static native long filterNot(long filter);

    static native long filterAnd(long a, long b);

    static native long filterShifted(long filter, int bits);

    static native void freeFilter(long filter);

    static native void setThreads(int n);

    static native int defaultThreads();

    static native void setBlasThreshold(int n);

    static native int blasThreshold();
}
