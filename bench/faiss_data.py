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


LATENT = 24          # intrinsic dimension of the data
LATENT_SPREAD = 0.35  # spread of a cluster around its centre, in the latent space (centres: 1)
NOISE = 0.15          # isotropic noise in all d dimensions, relative to the signal's norm


def clustered(rng, centers, projection, n):
    """Points of uneven clusters (a few big categories, many small ones, like catalogues) on a
    LATENT-dimensional subspace of R^d, plus a little isotropic noise, L2-normalised.

    Why a subspace: image embeddings have a low intrinsic dimension. Clusters blurred by isotropic
    noise in all 256 dimensions (this generator's first version) are close to uniform on the
    sphere, where every ANN index fails: HNSW32 reached recall@10 0.87 at efSearch 512 on
    1,000,000 of them, while real embedding sets reach 0.95 far sooner.
    """
    m, d = projection.shape
    weights = rng.pareto(1.5, len(centers)) + 1
    labels = rng.choice(len(centers), size=n, p=weights / weights.sum())
    noise = np.float32(NOISE * np.sqrt(m * (1 + LATENT_SPREAD ** 2) / d))
    out = np.empty((n, d), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        lab = labels[start:start + step]
        z = centers[lab] + LATENT_SPREAD * rng.standard_normal((len(lab), m), dtype=np.float32)
        block = z @ projection + noise * rng.standard_normal((len(lab), d), dtype=np.float32)
        faiss.normalize_L2(block)
        out[start:start + len(lab)] = block
    return out


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: faiss_data.py <dir> <n> <d> <nq>")
    out_dir, n, d, nq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    meta = {"n": n, "d": d, "nq": nq, "k": K, "seed": 42, "latent": LATENT}
    meta_file = os.path.join(out_dir, "meta.json")
    if os.path.exists(meta_file):
        with open(meta_file) as f:
            if json.load(f) == meta:
                print(f"dataset {out_dir}: present")
                return
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(meta["seed"])
    centers = rng.standard_normal((max(16, n // 1000), LATENT), dtype=np.float32)
    projection = (rng.standard_normal((LATENT, d)) / np.sqrt(LATENT)).astype(np.float32)
    base = clustered(rng, centers, projection, n)
    queries = clustered(rng, centers, projection, nq)

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
