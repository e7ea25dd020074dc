"""Generates one clustered benchmark dataset and its exact ground truth (bench/faiss.sh).

Layout of <dir> (all little-endian, row-major):
  base.f32     n x d float32, L2-normalised (embeddings are compared by inner product)
  queries.f32  nq x d float32, drawn like the base but not in it
  gt.i64       nq x 10 int64, exact top-10 ids by inner product (id = row number)
  meta.json    {"n", "d", "nq", "k", "seed"}
Idempotent: an existing dataset with the same meta.json is kept.
"""
import json
import os
import sys

import faiss
import numpy as np

K = 10


def clustered(rng, centers, n, spread):
    """Points around random cluster centres, with per-cluster sizes drawn unevenly (like catalogues:
    a few big categories, many small ones)."""
    d = centers.shape[1]
    weights = rng.pareto(1.5, len(centers)) + 1
    labels = rng.choice(len(centers), size=n, p=weights / weights.sum())
    out = np.empty((n, d), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        lab = labels[start:start + step]
        block = centers[lab] + spread * rng.standard_normal((len(lab), d), dtype=np.float32)
        faiss.normalize_L2(block)
        out[start:start + len(lab)] = block
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: faiss_data.py <dir> <n> <d> <nq>")
    out_dir, n, d, nq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    meta = {"n": n, "d": d, "nq": nq, "k": K, "seed": 42}
    meta_file = os.path.join(out_dir, "meta.json")
    if os.path.exists(meta_file):
        with open(meta_file) as f:
            if json.load(f) == meta:
                print(f"dataset {out_dir}: present")
                return
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(meta["seed"])
    centers = rng.standard_normal((max(16, n // 1000), d), dtype=np.float32)
    faiss.normalize_L2(centers)
    # spread chosen so that neighbours of a query are mostly, not only, in its own cluster
    spread = np.float32(1.2 / np.sqrt(d))
    base = clustered(rng, centers, n, spread)
    queries = clustered(rng, centers, nq, spread)

    flat = faiss.IndexFlatIP(d)
    flat.add(base)
    _, gt = flat.search(queries, K)

    base.tofile(os.path.join(out_dir, "base.f32"))
    queries.tofile(os.path.join(out_dir, "queries.f32"))
    gt.astype(np.int64).tofile(os.path.join(out_dir, "gt.i64"))
    with open(meta_file, "w") as f:  # written last: marks the dataset complete
        json.dump(meta, f)
    print(f"dataset {out_dir}: generated {n} x {d}, {nq} queries")


if __name__ == "__main__":
    main()
