// The C++ half of the Faiss binding, free of JNI: the JNI glue (faiss_jni.cpp) only checks
// arguments, moves arrays and translates exceptions; everything that knows about Faiss lives here.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <faiss/Index.h>
#include <faiss/impl/IDSelector.h>

namespace prodlens {

using idx_t = faiss::idx_t;

// Thrown for operations the index type cannot do (remove on HNSW, merge of non-IVF, ...).
// The JNI layer maps it to java.lang.UnsupportedOperationException.
struct Unsupported : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Thrown when the index is not in a state for the call (e.g. search before train).
// The JNI layer maps it to java.lang.IllegalStateException.
struct NotReady : std::logic_error {
    using std::logic_error::logic_error;
};

// A filter shared between Java IdFilter objects: composites (and/not) keep their children alive.
using SelectorRef = std::shared_ptr<const faiss::IDSelector>;

SelectorRef selector_allow_list(const idx_t* ids, size_t n);
SelectorRef selector_range(idx_t min_inclusive, idx_t max_exclusive);
SelectorRef selector_bitmap(const uint8_t* bits, size_t n_bytes);
SelectorRef selector_not(SelectorRef inner);
SelectorRef selector_and(SelectorRef a, SelectorRef b);
SelectorRef selector_shifted(SelectorRef inner, int bits);

// Per-call search options; 0 means "the index's own setting".
struct SearchOptions {
    int nprobe = 0;
    int ef_search = 0;
    float refine_factor = 0;  // IndexRefine: candidates re-ranked per result (k_factor)
    const faiss::IDSelector* filter = nullptr;
};

// Creates an index from an index_factory string. Indexes that cannot store caller-chosen
// 64-bit ids themselves (everything but IVF) are wrapped in IndexIDMap2 so that add always
// takes ids and reconstruct by id works.
faiss::Index* create_index(int dim, const std::string& factory, faiss::MetricType metric);

void train(faiss::Index& index, idx_t n, const float* x);
void add_with_ids(faiss::Index& index, idx_t n, const float* x, const idx_t* ids);

// Batched k-NN search honouring per-call options (filter, nprobe, efSearch) without mutating
// the index, so concurrent searches with different options are safe.
void search(const faiss::Index& index, idx_t n, const float* x, idx_t k,
            const SearchOptions& options, float* distances, idx_t* labels);

size_t remove_ids(faiss::Index& index, const faiss::IDSelector& selector);

// What reconstruct found: the vector, no such id in the index, or (IVF without a direct map,
// lookup not allowed) nothing yet.
enum class Reconstructed { found, absent, needs_lookup };
// The stored vector of `id` into `out` (absent when the id is not in the index). IVF indexes find ids through a direct map; without one,
// `may_build_lookup` builds it (a write: the caller must hold the index exclusively), otherwise
// the answer is needs_lookup and nothing is touched (so readers may call it concurrently).
Reconstructed reconstruct(faiss::Index& index, idx_t id, float* out, bool may_build_lookup);

// Applies a ParameterSpace string ("nprobe=16,efSearch=64"); sets the index defaults.
void set_parameters(faiss::Index& index, const std::string& params);

// Moves the vectors of `other` into `index` (IVF only, same trained quantizer).
void merge_into(faiss::Index& index, faiss::Index& other);

void write_file(const faiss::Index& index, const std::string& path);
faiss::Index* read_file(const std::string& path, bool mmap);
std::vector<uint8_t> to_bytes(const faiss::Index& index);
faiss::Index* from_bytes(const uint8_t* data, size_t size);

// Bytes the index keeps in RAM (its serialized size; memory-mapped inverted lists excluded).
size_t memory_usage(const faiss::Index& index);

// The kind of index under the id map and transforms, e.g. "IndexHNSWFlat".
std::string describe(const faiss::Index& index);

}  // namespace prodlens
