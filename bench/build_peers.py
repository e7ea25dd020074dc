"""The peers' half of bench/build.sh: build the same index over the same vectors with a peer tool,
in this process alone, and print one JSON line: build seconds, recall@10 on held-out queries
against exact search, and this process's peak RSS.

usage: build_peers.py EMBEDDINGS_PARQUET TOOL [INDEX_BUDGET_MB [M EF_CONSTRUCTION EF_SEARCH]]
  TOOL: faiss-cpu (IndexHNSWFlat, inner product), hnswlib (space 'ip'), autofaiss (build_index, its
  own choice of index and search parameters within INDEX_BUDGET_MB of index memory: build-index's
  index.memory-budget-mb, default 4096)

The vectors are the rows of the embeddings table (bench/spark.sh's synthetic set) without an
error_code, loaded before the clock starts. Queries: 1,000 rows drawn with a fixed seed; they stay in
the index, as build-index's tuning queries do; the exact top 10 comes from faiss IndexFlatIP.
"""
import importlib.metadata
import json
import os
import resource
import sys
import tempfile
import time

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

QUERIES = 1000
K = 10


def load(path):
    table = pq.read_table(path, columns=["embedding", "error_code"])
    table = table.filter(pc.is_null(table["error_code"]))
    flat = pc.list_flatten(table["embedding"]).to_numpy(zero_copy_only=False).astype(np.float32)
    return np.ascontiguousarray(flat.reshape(table.num_rows, -1))


def recall(found, exact):
    return float(np.mean([len(set(f) & set(e)) / K for f, e in zip(found, exact)]))


def main():
    path, tool = sys.argv[1], sys.argv[2]
    budget_mb = int(sys.argv[3]) if len(sys.argv) > 3 else 4096
    m, ef_construction, ef_search = (int(x) for x in (sys.argv[4:7] or (32, 40, 64)))
    threads = os.cpu_count()
    vectors = load(path)
    n, dim = vectors.shape
    queries = vectors[np.random.default_rng(7).choice(n, QUERIES, replace=False)]

    import faiss  # after the load: the timed part is the build alone
    faiss.omp_set_num_threads(threads)
    start = time.perf_counter()
    if tool == "faiss-cpu":
        index = faiss.IndexHNSWFlat(dim, m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        index.add(vectors)
        seconds = time.perf_counter() - start
        index.hnsw.efSearch = ef_search
        found = index.search(queries, K)[1]
        detail = f"HNSW{m},Flat efC={ef_construction} efSearch={ef_search}"
    elif tool == "hnswlib":
        import hnswlib
        index = hnswlib.Index(space="ip", dim=dim)
        index.init_index(max_elements=n, M=m, ef_construction=ef_construction)
        index.add_items(vectors, np.arange(n), num_threads=threads)
        seconds = time.perf_counter() - start
        index.set_ef(ef_search)
        found = index.knn_query(queries, k=K, num_threads=threads)[0]
        detail = f"M={m} efC={ef_construction} ef={ef_search}"
    elif tool == "autofaiss":
        from autofaiss import build_index
        with tempfile.TemporaryDirectory() as tmp:
            index, info = build_index(
                embeddings=vectors, save_on_disk=False, metric_type="ip", max_index_memory_usage=f"{budget_mb}M",
                current_memory_available="20G", index_path=os.path.join(tmp, "index"),
                index_infos_path=os.path.join(tmp, "infos.json"), verbose=30, nb_cores=threads)
        seconds = time.perf_counter() - start
        found = index.search(queries, K)[1]
        detail = f"{info.get('index_key', '?')} {info.get('index_param', '')}".strip()
    else:
        sys.exit(f"unknown tool {tool}: faiss-cpu, hnswlib or autofaiss")

    exact_index = faiss.IndexFlatIP(dim)
    exact_index.add(vectors)
    exact = exact_index.search(queries, K)[1]
    print(json.dumps({
        "tool": tool, "vectors": n, "dim": dim, "build_s": round(seconds, 2),
        "recall10": round(recall(found, exact), 4), "detail": detail,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "version": importlib.metadata.version(tool),
    }))


if __name__ == "__main__":
    main()
