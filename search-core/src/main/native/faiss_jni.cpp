// JNI glue for dev.prodlens.core.faiss.FaissNative. Rules kept throughout:
//  - every entry point validates its arguments again (the Java side checks first, this is the
//    last line before native memory is touched);
//  - every C++ exception becomes a Java exception (never escapes into the JVM);
//  - Java arrays are copied in/out (no GetPrimitiveArrayCritical: a long train or search would
//    block the garbage collector of the whole JVM); direct buffers are used in place.
#include <jni.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include <faiss/impl/FaissException.h>
#include <faiss/utils/distances.h>

#include "dev_prodlens_core_faiss_FaissNative.h"
#include "faiss_core.h"
#include "jni_throw.h"

using prodlens::idx_t;

namespace {

using prodlens_jni::throw_new;

constexpr const char* kFaissException = "dev/prodlens/core/faiss/FaissException";
// Not the caller's doing (out of native memory, an unknown C++ exception): never a FaissException,
// which the command lines report as a problem the user can fix.
constexpr const char* kFaissInternal = "dev/prodlens/core/faiss/FaissInternalException";

// A Java exception is already pending: unwind to the entry point and return.
struct JavaPending {};

std::atomic<int> g_threads{0};
int g_default_threads = 1;

// Called inside a catch block: maps the in-flight C++ exception to a Java one.
void rethrow_as_java(JNIEnv* env) {
    try {
        throw;
    } catch (const JavaPending&) {
    } catch (const prodlens::Unsupported& e) {
        throw_new(env, "java/lang/UnsupportedOperationException", e.what());
    } catch (const prodlens::NotReady& e) {
        throw_new(env, "java/lang/IllegalStateException", e.what());
    } catch (const std::invalid_argument& e) {
        throw_new(env, "java/lang/IllegalArgumentException", e.what());
    } catch (const faiss::FaissException& e) {
        throw_new(env, kFaissException, e.what());
    } catch (const std::bad_alloc&) {
        throw_new(env, kFaissInternal,
                   "out of native memory: reduce the batch or index size, or give the process "
                   "more memory");
    } catch (const std::exception& e) {
        throw_new(env, kFaissException, e.what());
    } catch (...) {
        throw_new(env, kFaissInternal, "unknown native error in Faiss");
    }
}

template <typename R, typename F>
R guarded(JNIEnv* env, R on_error, F&& body) {
    try {
        return body();
    } catch (...) {
        rethrow_as_java(env);
        return on_error;
    }
}

template <typename F>
void guarded_void(JNIEnv* env, F&& body) {
    try {
        body();
    } catch (...) {
        rethrow_as_java(env);
    }
}

[[noreturn]] void fail(JNIEnv* env, const char* cls, const std::string& msg) {
    throw_new(env, cls, msg);
    throw JavaPending{};
}

void require(JNIEnv* env, bool ok, const std::string& msg) {
    if (!ok) fail(env, "java/lang/IllegalArgumentException", msg);
}

faiss::Index& index_of(JNIEnv* env, jlong handle) {
    if (handle == 0) fail(env, "java/lang/IllegalStateException", "the index is closed");
    return *reinterpret_cast<faiss::Index*>(handle);
}

// Java owns a heap-allocated shared_ptr per IdFilter; composites copy it.
prodlens::SelectorRef& filter_of(JNIEnv* env, jlong handle) {
    if (handle == 0) fail(env, "java/lang/IllegalStateException", "the filter is closed");
    return *reinterpret_cast<prodlens::SelectorRef*>(handle);
}

jlong new_filter(prodlens::SelectorRef ref) {
    return reinterpret_cast<jlong>(new prodlens::SelectorRef(std::move(ref)));
}

std::string string_of(JNIEnv* env, jstring s, const char* what) {
    require(env, s != nullptr, std::string(what) + " must not be null");
    const char* chars = env->GetStringUTFChars(s, nullptr);
    if (chars == nullptr) throw JavaPending{};
    std::string out(chars);
    env->ReleaseStringUTFChars(s, chars);
    return out;
}

// Copies n*dim floats starting at element `offset` out of a Java array.
std::vector<float> floats_of(JNIEnv* env, jfloatArray a, jlong offset, jlong count,
                             const char* what) {
    require(env, a != nullptr, std::string(what) + " must not be null");
    require(env, offset >= 0 && count >= 0 && offset + count <= env->GetArrayLength(a),
            std::string(what) + " is shorter than n * dimension");
    std::vector<float> v(static_cast<size_t>(count));
    env->GetFloatArrayRegion(a, static_cast<jsize>(offset), static_cast<jsize>(count), v.data());
    if (env->ExceptionCheck()) throw JavaPending{};
    return v;
}

// Copies a whole Java array (bytes or longs) into a vector of same-sized elements.
template <typename T, typename JArray, typename JElement>
std::vector<T> whole_array(JNIEnv* env, JArray a, const char* what,
                           void (JNIEnv::*get_region)(JArray, jsize, jsize, JElement*)) {
    static_assert(sizeof(T) == sizeof(JElement), "element sizes differ");
    require(env, a != nullptr, std::string(what) + " must not be null");
    std::vector<T> v(static_cast<size_t>(env->GetArrayLength(a)));
    (env->*get_region)(a, 0, static_cast<jsize>(v.size()), reinterpret_cast<JElement*>(v.data()));
    if (env->ExceptionCheck()) throw JavaPending{};
    return v;
}

template <typename T>
T* direct_address(JNIEnv* env, jobject buffer, jlong needed, const char* what) {
    require(env, buffer != nullptr, std::string(what) + " must not be null");
    void* address = env->GetDirectBufferAddress(buffer);
    require(env, address != nullptr, std::string(what) + " must be a direct buffer");
    require(env, env->GetDirectBufferCapacity(buffer) >= needed,
            std::string(what) + " is too small for n * dimension (or n * k) elements");
    return static_cast<T*>(address);
}

// omp_set_num_threads only affects the calling thread, so it is applied on every call.
void use_threads(jint per_call) {
    int n = per_call > 0 ? per_call : g_threads.load(std::memory_order_relaxed);
    omp_set_num_threads(n > 0 ? n : g_default_threads);
}

void check_search_args(JNIEnv* env, jlong n, jint k) {
    require(env, n >= 0, "n must be >= 0");
    require(env, k > 0, "k must be > 0, got " + std::to_string(k));
}

prodlens::SearchOptions options_of(JNIEnv* env, jint nprobe, jint ef_search,
                                   jfloat refine_factor, jlong filter) {
    prodlens::SearchOptions o;
    o.nprobe = nprobe;
    o.ef_search = ef_search;
    o.refine_factor = refine_factor;
    o.filter = filter != 0 ? filter_of(env, filter).get() : nullptr;
    return o;
}

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM*, void*) {
    g_default_threads = omp_get_max_threads();
    return JNI_VERSION_1_8;
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_create(
        JNIEnv* env, jclass, jint dim, jstring factory, jint metric) {
    return guarded(env, jlong(0), [&] {
        require(env, dim > 0, "dimension must be > 0, got " + std::to_string(dim));
        require(env, metric == faiss::METRIC_INNER_PRODUCT || metric == faiss::METRIC_L2,
                "unknown metric " + std::to_string(metric));
        std::string description = string_of(env, factory, "factory string");
        require(env, !description.empty(), "factory string must not be empty");
        return reinterpret_cast<jlong>(prodlens::create_index(
                dim, description, static_cast<faiss::MetricType>(metric)));
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_free(JNIEnv*, jclass,
                                                                      jlong handle) {
    delete reinterpret_cast<faiss::Index*>(handle);
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_train(
        JNIEnv* env, jclass, jlong handle, jfloatArray x, jlong n) {
    guarded_void(env, [&] {
        faiss::Index& index = index_of(env, handle);
        require(env, n > 0, "train needs at least one vector");
        std::vector<float> data = floats_of(env, x, 0, n * index.d, "training vectors");
        use_threads(0);
        prodlens::train(index, n, data.data());
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_add(
        JNIEnv* env, jclass, jlong handle, jfloatArray x, jlongArray ids, jlong n) {
    guarded_void(env, [&] {
        faiss::Index& index = index_of(env, handle);
        require(env, n >= 0, "n must be >= 0");
        require(env, ids != nullptr, "ids must not be null");
        require(env, n <= env->GetArrayLength(ids), "ids is shorter than n");
        require(env, x != nullptr && n * index.d <= env->GetArrayLength(x),
                "vectors is shorter than n * dimension");
        // Copy and add in slices of ~64 MB so a large float[] never needs a second full copy.
        const jlong chunk = std::max<jlong>(1, (64L << 20) / (sizeof(float) * index.d));
        std::vector<idx_t> id_slice;
        use_threads(0);
        for (jlong start = 0; start < n; start += chunk) {
            jlong m = std::min(chunk, n - start);
            std::vector<float> slice = floats_of(env, x, start * index.d, m * index.d, "vectors");
            id_slice.resize(m);
            env->GetLongArrayRegion(ids, static_cast<jsize>(start), static_cast<jsize>(m),
                                    reinterpret_cast<jlong*>(id_slice.data()));
            prodlens::add_with_ids(index, m, slice.data(), id_slice.data());
        }
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_addDirect(
        JNIEnv* env, jclass, jlong handle, jobject x, jobject ids, jlong n) {
    guarded_void(env, [&] {
        faiss::Index& index = index_of(env, handle);
        require(env, n >= 0, "n must be >= 0");
        const float* xp = direct_address<float>(env, x, n * index.d, "vectors");
        const idx_t* ip = direct_address<idx_t>(env, ids, n, "ids");
        use_threads(0);
        prodlens::add_with_ids(index, n, xp, ip);
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_search(
        JNIEnv* env, jclass, jlong handle, jfloatArray x, jint n, jint k, jint nprobe,
        jint ef_search, jfloat refine_factor, jlong filter, jint threads, jfloatArray scores,
        jlongArray labels) {
    guarded_void(env, [&] {
        const faiss::Index& index = index_of(env, handle);
        check_search_args(env, n, k);
        const jlong total = static_cast<jlong>(n) * k;
        require(env, scores != nullptr && labels != nullptr, "result arrays must not be null");
        require(env, env->GetArrayLength(scores) >= total && env->GetArrayLength(labels) >= total,
                "result arrays are shorter than n * k");
        std::vector<float> queries = floats_of(env, x, 0, jlong(n) * index.d, "queries");
        std::vector<float> d(total);
        std::vector<idx_t> l(total);
        use_threads(threads);
        prodlens::search(index, n, queries.data(), k,
                         options_of(env, nprobe, ef_search, refine_factor, filter), d.data(),
                         l.data());
        env->SetFloatArrayRegion(scores, 0, static_cast<jsize>(total), d.data());
        env->SetLongArrayRegion(labels, 0, static_cast<jsize>(total),
                                reinterpret_cast<const jlong*>(l.data()));
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_searchDirect(
        JNIEnv* env, jclass, jlong handle, jobject x, jlong n, jint k, jint nprobe,
        jint ef_search, jfloat refine_factor, jlong filter, jint threads, jobject scores,
        jobject labels) {
    guarded_void(env, [&] {
        const faiss::Index& index = index_of(env, handle);
        check_search_args(env, n, k);
        const float* xp = direct_address<float>(env, x, n * index.d, "queries");
        float* dp = direct_address<float>(env, scores, n * k, "scores");
        idx_t* lp = direct_address<idx_t>(env, labels, n * k, "ids");
        use_threads(threads);
        prodlens::search(index, n, xp, k, options_of(env, nprobe, ef_search, refine_factor, filter),
                         dp, lp);
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_removeIds(
        JNIEnv* env, jclass, jlong handle, jlong filter) {
    return guarded(env, jlong(0), [&] {
        faiss::Index& index = index_of(env, handle);
        return static_cast<jlong>(prodlens::remove_ids(index, *filter_of(env, filter)));
    });
}

// 1: found (written to out), 0: absent, -1: needs the id lookup built (call again with build)
JNIEXPORT jint JNICALL Java_dev_prodlens_core_faiss_FaissNative_reconstruct(
        JNIEnv* env, jclass, jlong handle, jlong id, jfloatArray out, jboolean build) {
    return guarded(env, jint(0), [&] {
        faiss::Index& index = index_of(env, handle);
        require(env, out != nullptr && env->GetArrayLength(out) >= index.d,
                "output array is shorter than the dimension");
        std::vector<float> v(index.d);
        switch (prodlens::reconstruct(index, id, v.data(), build == JNI_TRUE)) {
            case prodlens::Reconstructed::absent: return jint(0);
            case prodlens::Reconstructed::needs_lookup: return jint(-1);
            case prodlens::Reconstructed::found: break;
        }
        env->SetFloatArrayRegion(out, 0, index.d, v.data());
        return jint(1);
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_setParameters(
        JNIEnv* env, jclass, jlong handle, jstring params) {
    guarded_void(env, [&] {
        faiss::Index& index = index_of(env, handle);
        prodlens::set_parameters(index, string_of(env, params, "parameters"));
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_mergeFrom(
        JNIEnv* env, jclass, jlong handle, jlong other) {
    guarded_void(env, [&] {
        faiss::Index& index = index_of(env, handle);
        faiss::Index& source = index_of(env, other);
        prodlens::merge_into(index, source);
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_write(
        JNIEnv* env, jclass, jlong handle, jstring path) {
    guarded_void(env, [&] {
        const faiss::Index& index = index_of(env, handle);
        prodlens::write_file(index, string_of(env, path, "path"));
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_read(
        JNIEnv* env, jclass, jstring path, jboolean mmap) {
    return guarded(env, jlong(0), [&] {
        return reinterpret_cast<jlong>(prodlens::read_file(string_of(env, path, "path"), mmap));
    });
}

JNIEXPORT jbyteArray JNICALL Java_dev_prodlens_core_faiss_FaissNative_toBytes(
        JNIEnv* env, jclass, jlong handle) {
    return guarded(env, jbyteArray(nullptr), [&]() -> jbyteArray {
        std::vector<uint8_t> bytes = prodlens::to_bytes(index_of(env, handle));
        require(env, bytes.size() <= 0x7ffffff0u,
                "the index is larger than a Java byte array (2 GB): write it to a file instead");
        jbyteArray out = env->NewByteArray(static_cast<jsize>(bytes.size()));
        if (out == nullptr) throw JavaPending{};
        env->SetByteArrayRegion(out, 0, static_cast<jsize>(bytes.size()),
                                reinterpret_cast<const jbyte*>(bytes.data()));
        return out;
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_fromBytes(
        JNIEnv* env, jclass, jbyteArray data) {
    return guarded(env, jlong(0), [&] {
        auto bytes = whole_array<uint8_t>(env, data, "data", &JNIEnv::GetByteArrayRegion);
        return reinterpret_cast<jlong>(prodlens::from_bytes(bytes.data(), bytes.size()));
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_ntotal(JNIEnv* env, jclass,
                                                                        jlong handle) {
    return guarded(env, jlong(0), [&] { return jlong(index_of(env, handle).ntotal); });
}

JNIEXPORT jint JNICALL Java_dev_prodlens_core_faiss_FaissNative_dimension(JNIEnv* env, jclass,
                                                                          jlong handle) {
    return guarded(env, jint(0), [&] { return jint(index_of(env, handle).d); });
}

JNIEXPORT jboolean JNICALL Java_dev_prodlens_core_faiss_FaissNative_isTrained(JNIEnv* env, jclass,
                                                                              jlong handle) {
    return guarded(env, jboolean(false),
                   [&] { return jboolean(index_of(env, handle).is_trained); });
}

JNIEXPORT jint JNICALL Java_dev_prodlens_core_faiss_FaissNative_metric(JNIEnv* env, jclass,
                                                                       jlong handle) {
    return guarded(env, jint(0), [&] { return jint(index_of(env, handle).metric_type); });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_memoryUsage(JNIEnv* env, jclass,
                                                                             jlong handle) {
    return guarded(env, jlong(0),
                   [&] { return jlong(prodlens::memory_usage(index_of(env, handle))); });
}

JNIEXPORT jstring JNICALL Java_dev_prodlens_core_faiss_FaissNative_describe(JNIEnv* env, jclass,
                                                                            jlong handle) {
    return guarded(env, jstring(nullptr), [&] {
        return env->NewStringUTF(prodlens::describe(index_of(env, handle)).c_str());
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_filterAllowList(
        JNIEnv* env, jclass, jlongArray ids) {
    return guarded(env, jlong(0), [&] {
        auto v = whole_array<idx_t>(env, ids, "ids", &JNIEnv::GetLongArrayRegion);
        return new_filter(prodlens::selector_allow_list(v.data(), v.size()));
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_filterRange(
        JNIEnv* env, jclass, jlong min_inclusive, jlong max_exclusive) {
    return guarded(env, jlong(0), [&] {
        require(env, min_inclusive <= max_exclusive, "range min must be <= max");
        return new_filter(prodlens::selector_range(min_inclusive, max_exclusive));
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_filterBitmap(
        JNIEnv* env, jclass, jbyteArray bits) {
    return guarded(env, jlong(0), [&] {
        auto v = whole_array<uint8_t>(env, bits, "bitmap", &JNIEnv::GetByteArrayRegion);
        return new_filter(prodlens::selector_bitmap(v.data(), v.size()));
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_filterNot(JNIEnv* env, jclass,
                                                                           jlong inner) {
    return guarded(env, jlong(0),
                   [&] { return new_filter(prodlens::selector_not(filter_of(env, inner))); });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_filterShifted(
        JNIEnv* env, jclass, jlong inner, jint bits) {
    return guarded(env, jlong(0), [&] {
        require(env, bits >= 0 && bits < 63, "shift bits must be in [0, 62]");
        return new_filter(prodlens::selector_shifted(filter_of(env, inner), bits));
    });
}

JNIEXPORT jlong JNICALL Java_dev_prodlens_core_faiss_FaissNative_filterAnd(JNIEnv* env, jclass,
                                                                           jlong a, jlong b) {
    return guarded(env, jlong(0), [&] {
        return new_filter(prodlens::selector_and(filter_of(env, a), filter_of(env, b)));
    });
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_freeFilter(JNIEnv*, jclass,
                                                                            jlong handle) {
    delete reinterpret_cast<prodlens::SelectorRef*>(handle);
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_setThreads(JNIEnv*, jclass,
                                                                            jint n) {
    g_threads.store(n > 0 ? n : 0, std::memory_order_relaxed);
}

JNIEXPORT jint JNICALL Java_dev_prodlens_core_faiss_FaissNative_defaultThreads(JNIEnv*, jclass) {
    return g_default_threads;
}

JNIEXPORT void JNICALL Java_dev_prodlens_core_faiss_FaissNative_setBlasThreshold(JNIEnv*, jclass,
                                                                                jint n) {
    faiss::distance_compute_blas_threshold = n;
}

JNIEXPORT jint JNICALL Java_dev_prodlens_core_faiss_FaissNative_blasThreshold(JNIEnv*, jclass) {
    return faiss::distance_compute_blas_threshold;
}

}  // extern "C"
