"""The Python half of bench/faiss.sh: Debian's python3-faiss (Faiss 1.7.3, generic build; the
binding links Faiss 1.12.0, whose files 1.7.3 reads) on the very index file, queries and settings the Java engines measure, timed the same way
(FaissBench.java): one warm-up run per setting, then the median of BENCH_REPEATS runs;
single-query latency on one thread; the per-call cost on a 16-vector flat index.

usage: faiss_py.py DATA_DIR OUT_DIR NAME BUILDER_ENGINE AXIS...
(the single-query setting is the one the engine that built the index picked)
"""
import itertools
import json
import os
import sys
import time

import faiss
import numpy as np


def settings(axes):
    names, values = [], []
    for axis in axes:
        name, vals = axis.split("=", 1)
        names.append(name)
        values.append(vals.split("/"))
    return [",".join(f"{n}={v}" for n, v in zip(names, combo))
            for combo in itertools.product(*values)]


def recall(ids, gt):
    k = gt.shape[1]
    hits = sum(len(np.intersect1d(ids[q], gt[q])) for q in range(len(gt)))
    return hits / (len(gt) * k)


def time_each(queries, call):
    for q in queries[: len(queries) // 5]:
        call(q)
    times = np.empty(len(queries))
    for i, q in enumerate(queries):
        t0 = time.perf_counter_ns()
        call(q)
        times[i] = time.perf_counter_ns() - t0
    return times


def percentile(values, p):
    # same rank rule as FaissBench.percentile (nearest rank)
    s = np.sort(values)
    i = int(np.ceil(p / 100 * len(s))) - 1
    return float(s[max(0, min(len(s) - 1, i))])


def main():
    data_dir, out_dir, name, builder, axes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    repeats = int(os.environ.get("BENCH_REPEATS", "5"))
    with open(os.path.join(data_dir, "meta.json")) as f:
        meta = json.load(f)
    d, nq, k = meta["d"], meta["nq"], meta["k"]
    queries = np.fromfile(os.path.join(data_dir, "queries.f32"), dtype=np.float32).reshape(nq, d)
    gt = np.fromfile(os.path.join(data_dir, "gt.i64"), dtype=np.int64).reshape(nq, k)
    with open(os.path.join(out_dir, f"{name}.{builder}.jsonl")) as f:
        java = [json.loads(line) for line in f]
    latency_setting = next(r["params"] for r in java if r["kind"] == "single")

    out = open(os.path.join(out_dir, name + ".python.jsonl"), "w")

    def emit(kind, **fields):
        out.write(json.dumps({"engine": "python", "index": name, "kind": kind, **fields}) + "\n")
        out.flush()

    index = faiss.read_index(os.path.join(out_dir, name + ".index"))
    space = faiss.ParameterSpace()
    faiss.omp_set_num_threads(faiss.omp_get_max_threads())
    threads = faiss.omp_get_max_threads()
    for setting in settings(axes):
        space.set_index_parameters(index, setting)
        _, ids = index.search(queries, k)  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter_ns()
            _, ids = index.search(queries, k)
            times.append(time.perf_counter_ns() - t0)
        emit("batch", params=setting, recall=recall(ids, gt),
             qps=nq / (float(np.median(times)) / 1e9), nq=nq)

    faiss.omp_set_num_threads(1)
    space.set_index_parameters(index, latency_setting)
    rows = [queries[i:i + 1] for i in range(nq)]
    times = time_each(rows, lambda q: index.search(q, k))
    emit("single", params=latency_setting, p50_us=percentile(times, 50) / 1e3,
         p99_us=percentile(times, 99) / 1e3)

    tiny = faiss.IndexIDMap2(faiss.IndexFlatIP(d))
    base16 = np.fromfile(os.path.join(data_dir, "base.f32"), dtype=np.float32,
                         count=16 * d).reshape(16, d)
    tiny.add_with_ids(base16, np.arange(16, dtype=np.int64))
    rows = [queries[i % nq:i % nq + 1] for i in range(20_000)]
    times = time_each(rows, lambda q: tiny.search(q, k))
    emit("overhead", p50_us=percentile(times, 50) / 1e3, p99_us=percentile(times, 99) / 1e3)
    faiss.omp_set_num_threads(threads)
    out.close()


if __name__ == "__main__":
    main()
