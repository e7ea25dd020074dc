#include "faiss_core.h"

#include <cxxabi.h>

#include <cstdlib>
#include <algorithm>
#include <limits>
#include <cfloat>
#include <cstring>
#include <sstream>
#include <typeinfo>
#include <unordered_set>

#include <faiss/AutoTune.h>
#include <faiss/IVFlib.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFPQ.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/IndexRefine.h>
#include <faiss/VectorTransform.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/invlists/OnDiskInvertedLists.h>

namespace prodlens {

namespace {

std::string type_name(const faiss::Index& index) {
    const char* mangled = typeid(index).name();
    int status = 0;
    char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
    std::string name = (status == 0 && demangled) ? demangled : mangled;
    std::free(demangled);
    if (name == "faiss::IndexIDMapTemplate<faiss::Index>") return "IndexIDMap";
    if (name == "faiss::IndexIDMap2Template<faiss::Index>") return "IndexIDMap2";
    const std::string prefix = "faiss::";
    return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

bool message_says_not_implemented(const std::exception& e) {
    return std::strstr(e.what(), "not implemented") != nullptr;
}

// The selectors Faiss 1.7.3 lacks: a conjunction, and a view of a caller-id selector in the
// internal id space of an IndexIDMap (1.7.3 keeps its own translator private).
struct AndSelector : faiss::IDSelector {
    SelectorRef a, b;
    AndSelector(SelectorRef a_, SelectorRef b_) : a(std::move(a_)), b(std::move(b_)) {}
    bool is_member(idx_t id) const override { return a->is_member(id) && b->is_member(id); }
};

struct NotSelector : faiss::IDSelector {
    SelectorRef inner;
    explicit NotSelector(SelectorRef inner_) : inner(std::move(inner_)) {}
    bool is_member(idx_t id) const override { return !inner->is_member(id); }
};

// An item-level selector applied to vector ids whose low bits number the item's images.
struct ShiftedSelector : faiss::IDSelector {
    SelectorRef inner;
    int bits;
    ShiftedSelector(SelectorRef inner_, int bits_) : inner(std::move(inner_)), bits(bits_) {}
    bool is_member(idx_t id) const override { return id >= 0 && inner->is_member(id >> bits); }
};

struct BitmapSelector : faiss::IDSelector {
    std::vector<uint8_t> bits;  // owned copy: the Java array may move or die
    BitmapSelector(const uint8_t* data, size_t n) : bits(data, data + n) {}
    bool is_member(idx_t id) const override {
        if (id < 0 || static_cast<size_t>(id >> 3) >= bits.size()) return false;
        return (bits[id >> 3] >> (id & 7)) & 1;
    }
};

struct TranslatedSelector : faiss::IDSelector {
    const std::vector<idx_t>& id_map;
    const faiss::IDSelector& selector;
    TranslatedSelector(const std::vector<idx_t>& map, const faiss::IDSelector& sel)
            : id_map(map), selector(sel) {}
    bool is_member(idx_t internal) const override {
        return selector.is_member(id_map[internal]);
    }
};

// Owns the chain of SearchParameters objects built for one call.
struct ParamsChain {
    std::vector<std::unique_ptr<faiss::SearchParameters>> owned;
    template <typename P>
    P* make() {
        auto* p = new P();
        owned.emplace_back(p);
        return p;
    }
};

bool has_options(const SearchOptions& options, const faiss::IDSelector* selector) {
    return options.nprobe > 0 || options.ef_search > 0 || options.refine_factor > 0 ||
           selector != nullptr;
}

// Builds per-call parameters for `index` starting from its own defaults (Faiss's parameter
// structs default to efSearch=16 / nprobe=1, not to the index's settings). Returns nullptr when
// nothing differs from the defaults, which is the plain Faiss search path.
const faiss::SearchParameters* make_params(
        const faiss::Index& index, const SearchOptions& options,
        const faiss::IDSelector* selector, ParamsChain& chain) {
    if (!has_options(options, selector)) return nullptr;
    auto* sel = const_cast<faiss::IDSelector*>(selector);  // Faiss only reads it

    if (auto* pt = dynamic_cast<const faiss::IndexPreTransform*>(&index)) {
        const faiss::SearchParameters* inner = make_params(*pt->index, options, selector, chain);
        auto* p = chain.make<faiss::SearchParametersPreTransform>();
        p->index_params = const_cast<faiss::SearchParameters*>(inner);
        return p;
    }
    if (auto* ivf = dynamic_cast<const faiss::IndexIVF*>(&index)) {
        auto* p = chain.make<faiss::SearchParametersIVF>();
        p->nprobe = options.nprobe > 0 ? options.nprobe : ivf->nprobe;
        p->max_codes = ivf->max_codes;
        p->sel = sel;
        return p;
    }
    if (auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(&index)) {
        auto* p = chain.make<faiss::SearchParametersHNSW>();
        p->efSearch = options.ef_search > 0 ? options.ef_search : hnsw->hnsw.efSearch;
        p->check_relative_distance = hnsw->hnsw.check_relative_distance;
        p->sel = sel;
        return p;
    }
    if (selector == nullptr) return nullptr;  // tuning knobs that do not apply are ignored
    if (dynamic_cast<const faiss::IndexFlat*>(&index)) {
        auto* p = chain.make<faiss::SearchParameters>();
        p->sel = sel;
        return p;
    }
    throw Unsupported("filtered search is not supported by " + type_name(index) +
                      " in Faiss 1.7.3; use Flat, HNSW or IVF indexes");
}

// Faiss 1.7.3's IndexRefine refuses SearchParameters, so a filtered or tuned search of an
// IVF-PQ + refine index re-ranks here: the base index returns k * factor candidates under the
// per-call parameters, the refine index (exact vectors) scores them, the best k are kept.
void refine_search(const faiss::IndexRefine& refine, idx_t n, const float* x, idx_t k,
                   const SearchOptions& options, const faiss::IDSelector* selector,
                   float* distances, idx_t* labels, ParamsChain& chain) {
    const float factor = options.refine_factor > 0 ? options.refine_factor : refine.k_factor;
    const idx_t k_base = std::max(k, static_cast<idx_t>(k * factor));
    std::vector<float> base_distances(n * k_base);
    std::vector<idx_t> base_labels(n * k_base);
    refine.base_index->search(n, x, k_base, base_distances.data(), base_labels.data(),
                              make_params(*refine.base_index, options, selector, chain));
    const bool l2 = refine.metric_type == faiss::METRIC_L2;
#pragma omp parallel if (n > 1)
    {
        std::unique_ptr<faiss::DistanceComputer> dc(refine.refine_index->get_distance_computer());
        std::vector<std::pair<float, idx_t>> scored;
#pragma omp for
        for (idx_t i = 0; i < n; i++) {
            dc->set_query(x + i * refine.d);
            scored.clear();
            for (idx_t j = 0; j < k_base; j++) {
                idx_t label = base_labels[i * k_base + j];
                if (label >= 0) scored.emplace_back((*dc)(label), label);
            }
            const size_t keep = std::min<size_t>(k, scored.size());
            std::partial_sort(scored.begin(), scored.begin() + keep, scored.end(),
                              [l2](const auto& a, const auto& b) {
                                  return l2 ? a.first < b.first : a.first > b.first;
                              });
            for (idx_t j = 0; j < k; j++) {
                const bool found = static_cast<size_t>(j) < keep;
                distances[i * k + j] = found ? scored[j].first : (l2 ? FLT_MAX : -FLT_MAX);
                labels[i * k + j] = found ? scored[j].second : -1;
            }
        }
    }
}

// The HNSW graph inside id maps and pre-transforms, or nullptr.
const faiss::IndexHNSW* hnsw_inside(const faiss::Index& index) {
    const faiss::Index* inner = &index;
    for (;;) {
        if (auto* mapped = dynamic_cast<const faiss::IndexIDMap*>(inner)) {
            inner = mapped->index;
        } else if (auto* pt = dynamic_cast<const faiss::IndexPreTransform*>(inner)) {
            inner = pt->index;
        } else {
            return dynamic_cast<const faiss::IndexHNSW*>(inner);
        }
    }
}

// Faiss 1.7.3's HNSW::search sizes its candidate queue with the index's own efSearch, not the
// per-call one (impl/HNSW.cpp: `int ef = std::max(efSearch, k)`), so a per-call efSearch above
// the index's is silently capped: recall stayed at efSearch=16's for every per-call value in
// bench/faiss.sh. As the queue holds max(efSearch, k), asking for efSearch results and keeping
// the best k gives exactly the search a per-index efSearch would (hnswlib's way). Returns the k
// to ask Faiss for.
idx_t hnsw_queue_k(const faiss::Index& index, const SearchOptions& options, idx_t k) {
    const faiss::IndexHNSW* hnsw = hnsw_inside(index);
    if (!hnsw || options.ef_search <= hnsw->hnsw.efSearch) return k;
    return std::max<idx_t>(k, options.ef_search);
}

// Searches `index` (not an id map) with the per-call options.
void search_unmapped(const faiss::Index& index, idx_t n, const float* x, idx_t k,
                     const SearchOptions& options, const faiss::IDSelector* selector,
                     float* distances, idx_t* labels) {
    ParamsChain chain;
    auto* refine = dynamic_cast<const faiss::IndexRefine*>(&index);
    if (refine && has_options(options, selector)) {
        refine_search(*refine, n, x, k, options, selector, distances, labels, chain);
        return;
    }
    const faiss::SearchParameters* params = make_params(index, options, selector, chain);
    const idx_t queue_k = hnsw_queue_k(index, options, k);
    if (queue_k == k) {
        index.search(n, x, k, distances, labels, params);
        return;
    }
    std::vector<float> wide_distances(n * queue_k);
    std::vector<idx_t> wide_labels(n * queue_k);
    index.search(n, x, queue_k, wide_distances.data(), wide_labels.data(), params);
    for (idx_t i = 0; i < n; i++) {  // each row is sorted best first
        std::copy_n(&wide_distances[i * queue_k], k, distances + i * k);
        std::copy_n(&wide_labels[i * queue_k], k, labels + i * k);
    }
}

// A graph search under a very selective filter walks mostly rejected nodes and loses recall
// (HNSW32 at efSearch 256 on FaissFilterTest's data, recall@10: 0.56 with 1% of the ids allowed,
// 0.98 with 5%, 1.0 with 10%); scanning the exact vectors of the allowed ids is both right and
// cheap then.
constexpr double kExactScanBelowFraction = 0.1;

// Share of the stored ids the selector accepts, from an even sample of at most 1024 ids.
double pass_fraction(const std::vector<idx_t>& id_map, const faiss::IDSelector& selector) {
    const size_t n = id_map.size();
    if (n == 0) return 1.0;
    const size_t samples = std::min<size_t>(n, 1024);
    size_t pass = 0;
    for (size_t i = 0; i < samples; i++) pass += selector.is_member(id_map[i * n / samples]);
    return static_cast<double>(pass) / samples;
}

// The index a filtered search of an id-mapped index runs on: the HNSW graph, or its flat
// storage when the filter lets few ids through.
const faiss::Index& filtered_target(const faiss::IndexIDMap& mapped,
                                    const faiss::IDSelector& caller_filter) {
    auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(mapped.index);
    auto* flat = hnsw ? dynamic_cast<const faiss::IndexFlat*>(hnsw->storage) : nullptr;
    if (flat && pass_fraction(mapped.id_map, caller_filter) < kExactScanBelowFraction) return *flat;
    return *mapped.index;
}

// Serialization size without materialising the bytes.
struct CountingWriter : faiss::IOWriter {
    size_t bytes = 0;
    size_t operator()(const void*, size_t size, size_t nitems) override {
        bytes += size * nitems;
        return nitems;
    }
};

std::vector<float> all_centroids(const faiss::Index& quantizer) {
    std::vector<float> v(static_cast<size_t>(quantizer.ntotal) * quantizer.d);
    if (quantizer.ntotal > 0) quantizer.reconstruct_n(0, quantizer.ntotal, v.data());
    return v;
}

// Faiss compares the coarse quantizers before a merge; the product quantizer and the
// pre-transforms (OPQ, PCA) must match too, or the merged codes would decode to garbage.
void check_same_training(const faiss::Index& a, const faiss::Index& b) {
    auto* pa = dynamic_cast<const faiss::IndexPreTransform*>(&a);
    auto* pb = dynamic_cast<const faiss::IndexPreTransform*>(&b);
    if ((pa == nullptr) != (pb == nullptr))
        throw std::invalid_argument("cannot merge: one index has a pre-transform, the other not");
    if (pa) {
        if (pa->chain.size() != pb->chain.size())
            throw std::invalid_argument("cannot merge: different pre-transform chains");
        for (size_t i = 0; i < pa->chain.size(); i++) {
            auto* la = dynamic_cast<const faiss::LinearTransform*>(pa->chain[i]);
            auto* lb = dynamic_cast<const faiss::LinearTransform*>(pb->chain[i]);
            if (la && lb && (la->A != lb->A || la->b != lb->b))
                throw std::invalid_argument(
                        "cannot merge: the indexes were trained separately (different "
                        "pre-transforms); build both from the same trained index");
        }
    }
    const faiss::IndexIVF* ia = faiss::ivflib::extract_index_ivf(&a);
    const faiss::IndexIVF* ib = faiss::ivflib::extract_index_ivf(&b);
    if (ia->nlist != ib->nlist || all_centroids(*ia->quantizer) != all_centroids(*ib->quantizer))
        throw std::invalid_argument(
                "cannot merge: the indexes were trained separately (different coarse "
                "centroids); build both from the same trained index");
    auto* qa = dynamic_cast<const faiss::IndexIVFPQ*>(ia);
    auto* qb = dynamic_cast<const faiss::IndexIVFPQ*>(ib);
    if (qa && qb && qa->pq.centroids != qb->pq.centroids)
        throw std::invalid_argument(
                "cannot merge: the indexes were trained separately (different PQ codebooks); "
                "build both from the same trained index");
}

// The IVF index that `index` is, or holds under a pre-transform and/or an id map, else nullptr:
// Faiss 1.7.3's ivflib::try_extract_index_ivf. Faiss's own looks further since 1.8, inside
// IndexRefine (and IndexIVFIndependentQuantizer) too, where the IVF index is only part of the
// whole: an IVF-only merge would skip the refine vectors, and the refine index cannot take ids.
const faiss::IndexIVF* plain_ivf(const faiss::Index* index) {
    if (auto* pt = dynamic_cast<const faiss::IndexPreTransform*>(index)) index = pt->index;
    if (auto* mapped = dynamic_cast<const faiss::IndexIDMap*>(index)) index = mapped->index;
    if (auto* mapped = dynamic_cast<const faiss::IndexIDMap2*>(index)) index = mapped->index;
    return dynamic_cast<const faiss::IndexIVF*>(index);
}

// A memory-mapped index trusts the list sizes in the file; check them against the file size so
// a corrupt file fails here instead of faulting in a later search.
void check_mapped_lists(const faiss::Index& index) {
    const faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(&index);
    if (!ivf) return;
    auto* od = dynamic_cast<const faiss::OnDiskInvertedLists*>(ivf->invlists);
    if (!od) return;
    const size_t entry = sizeof(idx_t) + od->code_size;
    for (const auto& list : od->lists) {
        if (list.size > od->totsize / entry || list.offset > od->totsize - list.size * entry)
            throw std::runtime_error("corrupt index file: an inverted list runs past the end");
    }
}

// Inverted lists read with mmap are read-only; say so before Faiss fails an assertion.
void require_writable(const faiss::Index& index) {
    const faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(&index);
    auto* od = ivf ? dynamic_cast<const faiss::OnDiskInvertedLists*>(ivf->invlists) : nullptr;
    if (od && od->read_only)
        throw Unsupported("the index was read with mmap and is read-only: read it without mmap "
                          "to add, remove or merge");
}

}  // namespace

SelectorRef selector_allow_list(const idx_t* ids, size_t n) {
    return std::make_shared<faiss::IDSelectorBatch>(n, ids);
}

SelectorRef selector_range(idx_t min_inclusive, idx_t max_exclusive) {
    return std::make_shared<faiss::IDSelectorRange>(min_inclusive, max_exclusive);
}

SelectorRef selector_bitmap(const uint8_t* bits, size_t n_bytes) {
    return std::make_shared<BitmapSelector>(bits, n_bytes);
}

SelectorRef selector_not(SelectorRef inner) {
    return std::make_shared<NotSelector>(std::move(inner));
}

SelectorRef selector_shifted(SelectorRef inner, int bits) {
    return std::make_shared<ShiftedSelector>(std::move(inner), bits);
}

SelectorRef selector_and(SelectorRef a, SelectorRef b) {
    return std::make_shared<AndSelector>(std::move(a), std::move(b));
}

faiss::Index* create_index(int dim, const std::string& factory, faiss::MetricType metric) {
    std::unique_ptr<faiss::Index> index;
    try {
        index.reset(faiss::index_factory(dim, factory.c_str(), metric));
    } catch (const faiss::FaissException& e) {
        // a bad factory string (or one that does not fit the dimension) is the caller's error
        throw std::invalid_argument("cannot create index '" + factory + "' for dimension " +
                                    std::to_string(dim) + ": " + e.what());
    }
    if (plain_ivf(index.get()) || dynamic_cast<faiss::IndexIDMap*>(index.get())) {
        return index.release();
    }
    auto* mapped = new faiss::IndexIDMap2(index.get());
    mapped->own_fields = true;
    index.release();
    return mapped;
}

void train(faiss::Index& index, idx_t n, const float* x) {
    index.train(n, x);
}

void add_with_ids(faiss::Index& index, idx_t n, const float* x, const idx_t* ids) {
    if (!index.is_trained)
        throw NotReady("the index is not trained: call train() before add()");
    require_writable(index);
    index.add_with_ids(n, x, ids);
}

void search(const faiss::Index& index, idx_t n, const float* x, idx_t k,
            const SearchOptions& options, float* distances, idx_t* labels) {
    if (!index.is_trained)
        throw NotReady("the index is not trained: call train() and add() before search()");
    if (index.ntotal == 0) {
        // Faiss's BLAS path (20 queries or more on a flat index) returns before it fills the
        // results of an empty index: answer "nothing found" as its heaps would
        const float none = index.metric_type == faiss::METRIC_INNER_PRODUCT
                ? std::numeric_limits<float>::lowest() : std::numeric_limits<float>::max();
        std::fill(distances, distances + n * k, none);
        std::fill(labels, labels + n * k, idx_t(-1));
        return;
    }
    auto* mapped = dynamic_cast<const faiss::IndexIDMap*>(&index);
    if (!mapped) {
        search_unmapped(index, n, x, k, options, options.filter, distances, labels);
        return;
    }
    // Faiss 1.7.3's IndexIDMap refuses SearchParameters: search the wrapped index with the
    // filter moved into its id space, then map the labels back, as IndexIDMap would.
    std::unique_ptr<TranslatedSelector> translated;
    const faiss::Index* target = mapped->index;
    if (options.filter) {
        translated.reset(new TranslatedSelector(mapped->id_map, *options.filter));
        target = &filtered_target(*mapped, *options.filter);
    }
    search_unmapped(*target, n, x, k, options, translated.get(), distances, labels);
    const std::vector<idx_t>& id_map = mapped->id_map;
    for (idx_t i = 0; i < n * k; i++) {
        if (labels[i] < 0) continue;
        if (static_cast<size_t>(labels[i]) >= id_map.size())  // never read past the map
            throw std::logic_error("search returned position " + std::to_string(labels[i]) + " of an id map of "
                                   + std::to_string(id_map.size()));
        labels[i] = id_map[labels[i]];
    }
}

size_t remove_ids(faiss::Index& index, const faiss::IDSelector& selector) {
    require_writable(index);
    try {
        return index.remove_ids(selector);
    } catch (const faiss::FaissException& e) {
        if (message_says_not_implemented(e))
            throw Unsupported("remove is not supported by " + describe(index) +
                              " in Faiss; rebuild the index without the removed items");
        throw;
    }
}

Reconstructed reconstruct(faiss::Index& index, idx_t id, float* out, bool may_build_lookup) {
    if (auto* map2 = dynamic_cast<faiss::IndexIDMap2*>(&index)) {
        if (map2->rev_map.count(id) == 0) return Reconstructed::absent;
    } else if (faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(&index)) {
        // IVF finds a vector by id through a direct map: made on first use (one pass over the
        // lists) and kept up to date by later adds and removes.
        if (ivf->direct_map.no()) {
            if (!may_build_lookup) return Reconstructed::needs_lookup;
            ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
        }
        if (ivf->direct_map.hashtable.count(id) == 0) return Reconstructed::absent;
    } else {
        throw Unsupported("reconstruct is not supported by " + describe(index));
    }
    try {
        index.reconstruct(id, out);
    } catch (const faiss::FaissException& e) {
        if (message_says_not_implemented(e))
            throw Unsupported("reconstruct is not supported by " + describe(index));
        throw;
    }
    return Reconstructed::found;
}

static void set_ef_construction(faiss::Index& index, const std::string& value) {
    // the caller owns `index` mutably; hnsw_inside only walks it
    auto* hnsw = const_cast<faiss::IndexHNSW*>(hnsw_inside(index));
    if (!hnsw)
        throw std::invalid_argument("efConstruction applies to HNSW indexes, not " +
                                    describe(index));
    size_t used = 0;
    int ef = 0;
    try {
        ef = std::stoi(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != value.size() || ef <= 0 || ef > 100000)
        throw std::invalid_argument("efConstruction must be an integer in [1, 100000], got '" +
                                    value + "'");
    hnsw->hnsw.efConstruction = ef;
}

// Faiss's ParameterSpace knows search-time knobs only. efConstruction (the HNSW graph's build
// quality, used by later add() calls and saved with the index) is accepted in the same syntax, so
// one string configures an index preset.
void set_parameters(faiss::Index& index, const std::string& params) {
    std::string search_params;
    std::stringstream items(params);
    std::string item;
    while (std::getline(items, item, ',')) {
        const size_t eq = item.find('=');
        if (eq != std::string::npos && item.compare(0, eq, "efConstruction") == 0) {
            set_ef_construction(index, item.substr(eq + 1));
        } else {
            search_params += (search_params.empty() ? "" : ",") + item;
        }
    }
    if (!search_params.empty())
        faiss::ParameterSpace().set_index_parameters(&index, search_params.c_str());
}

void merge_into(faiss::Index& index, faiss::Index& other) {
    if (&index == &other) throw std::invalid_argument("cannot merge an index into itself");
    if (!plain_ivf(&index) || !plain_ivf(&other))
        throw Unsupported("merge needs two IVF indexes; got " + describe(index) + " and " +
                          describe(other));
    if (index.d != other.d) throw std::invalid_argument("cannot merge: dimensions differ");
    require_writable(index);
    require_writable(other);
    check_same_training(index, other);
    faiss::ivflib::merge_into(&index, &other, false);
}

void write_file(const faiss::Index& index, const std::string& path) {
    faiss::write_index(&index, path.c_str());
}

faiss::Index* read_file(const std::string& path, bool mmap) {
    std::unique_ptr<faiss::Index> index(
            faiss::read_index(path.c_str(), mmap ? faiss::IO_FLAG_MMAP : 0));
    if (mmap) check_mapped_lists(*index);
    return index.release();
}

std::vector<uint8_t> to_bytes(const faiss::Index& index) {
    faiss::VectorIOWriter writer;
    faiss::write_index(&index, &writer);
    return std::move(writer.data);
}

faiss::Index* from_bytes(const uint8_t* data, size_t size) {
    faiss::VectorIOReader reader;
    reader.data.assign(data, data + size);
    return faiss::read_index(&reader);
}

size_t memory_usage(const faiss::Index& index) {
    CountingWriter counter;
    faiss::write_index(&index, &counter);
    return counter.bytes;
}

std::string describe(const faiss::Index& index) {
    if (auto* mapped = dynamic_cast<const faiss::IndexIDMap*>(&index))
        return type_name(index) + "(" + describe(*mapped->index) + ")";
    if (auto* pt = dynamic_cast<const faiss::IndexPreTransform*>(&index))
        return type_name(index) + "(" + describe(*pt->index) + ")";
    return type_name(index);
}

}  // namespace prodlens
