"""What the notebooks share: where a catalogue's data is, loading it, exact search, thumbnails.

Inputs come from the environment, defaulting to the demo layout of conf/prodlens.properties
relative to the repository root (jobs.work-dir = work, bundles.dir = bundles, catalogue.name = demo):

  PRODLENS_NOTEBOOK_CATALOGUE    catalogue name (default demo)
  PRODLENS_NOTEBOOK_WORK_DIR     holds <catalogue>/<model>/embeddings.parquet (default <repo>/work; the model is
                                 the live bundle's)
  PRODLENS_NOTEBOOK_BUNDLES_DIR  holds <catalogue>/CURRENT and the bundle it names (default <repo>/bundles)
  PRODLENS_NOTEBOOK_IMAGES_ROOT  where the images root (catalogue.images-root, else the catalogue's
                                 directory) is now, when the images moved after indexing (default:
                                 the root the bundle was built with; format 1 bundles record
                                 absolute image paths, and this is then the catalogue's directory)

`python prodlens_notebooks.py` checks that the data is there and prints one line either way.
"""

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
# Scores one matrix product of exact search may hold (512 MB of floats): the queries per batch follow.
SCORES_PER_BATCH = 1 << 27


class InputError(Exception):
    """The notebooks' input is missing or does not fit together; IPython shows the one-line message, not a traceback."""

    def _render_traceback_(self):
        return [f"prodlens notebooks: {self}"]


@dataclass
class Catalogue:
    """One indexed catalogue: the live bundle and the embeddings it was built from.

    items has one row per indexed item in Faiss id order (row i is id i), with the columns of
    items.jsonl; vectors[i] is item i's L2-normalised embedding.
    """

    name: str
    bundle: Path
    manifest: dict
    metrics: dict
    items: pd.DataFrame
    vectors: np.ndarray
    images_root: Path | None

    @property
    def label_sizes(self) -> np.ndarray:
        """Items per item's label group (0 without one): an item with a size above 1 is a query."""
        sizes = self.items.groupby("label_group")["id"].transform("size")
        return sizes.fillna(0).to_numpy(dtype=int)

    def matches(self, queries: np.ndarray, found: np.ndarray) -> np.ndarray:
        """found[i, j] is a true match of queries[i] (same label group, not the query itself), as a bool array."""
        groups = self.items["label_group"].to_numpy()
        same = groups[found] == groups[queries][:, None]
        known = pd.notna(groups[queries])[:, None]
        return same & known & (found != queries[:, None])

    def image_path(self, ordinal: int) -> Path | None:
        """The item's image as a local file, or None (a remote URI, or a file that is not there)."""
        ref = self.items["image"].iat[ordinal]
        if not isinstance(ref, str) or not ref:
            return None
        parsed = urlparse(ref)
        if parsed.scheme not in ("", "file"):
            return None
        path = Path(parsed.path if parsed.scheme == "file" else ref)
        if not path.is_absolute():
            # bundle format 2: relative to the images root, this notebook's or else the one the bundle was built with
            root = self.images_root or Path(self.manifest["catalogue"].get("images_root") or "/nonexistent")
            path = root / path
            return path if path.is_file() and path.resolve().is_relative_to(root.resolve()) else None
        if path.is_file():
            return path
        # moved since indexing: the same place relative to the catalogue's directory, under images_root
        source = Path(urlparse(self.manifest["catalogue"]["source"]).path).parent
        if self.images_root is not None and path.is_relative_to(source):
            moved = self.images_root / path.relative_to(source)
            if moved.is_file():
                return moved
        return None


def _env_path(key: str, default: Path) -> Path:
    value = os.environ.get(key)
    return Path(value).expanduser().resolve() if value else default


def locate() -> tuple[str, Path, Path]:
    """(catalogue name, embeddings table, live bundle directory); InputError when either is missing."""
    name = os.environ.get("PRODLENS_NOTEBOOK_CATALOGUE") or "demo"
    work = _env_path("PRODLENS_NOTEBOOK_WORK_DIR", REPO / "work")
    bundles = _env_path("PRODLENS_NOTEBOOK_BUNDLES_DIR", REPO / "bundles")
    hint = "run make demo first, or point PRODLENS_NOTEBOOK_* at another catalogue (notebooks/README.md)"
    current = bundles / name / "CURRENT"
    if not current.is_file():
        raise InputError(f"no bundle for catalogue '{name}' ({current} is missing): {hint}")
    bundle = bundles / name / current.read_text().strip()
    if not (bundle / "manifest.json").is_file():
        raise InputError(f"{current} names {bundle.name}, which has no manifest.json: {hint}")
    model = json.loads((bundle / "manifest.json").read_text())["model"]["id"]
    embeddings = work / name / model / "embeddings.parquet"
    if not embeddings.exists():
        raise InputError(f"no embeddings table for catalogue '{name}' ({embeddings} is missing): {hint}")
    return name, embeddings, bundle


def load() -> Catalogue:
    """The live bundle's items, manifest and report metrics, with each item's vector from the embeddings table."""
    name, embeddings, bundle = locate()
    manifest = json.loads((bundle / "manifest.json").read_text())
    metrics_file = bundle / "report" / "metrics.json"
    if not metrics_file.is_file():
        raise InputError(f"{bundle} has no report/metrics.json (evaluate skips catalogues without label groups or pairs)")
    metrics = json.loads(metrics_file.read_text())
    with open(bundle / "items.jsonl", encoding="utf-8") as lines:
        # plain json rather than pandas' reader, which would turn numeric-looking label groups into numbers
        items = pd.DataFrame([json.loads(line) for line in lines],
                             columns=["id", "title", "category", "price", "image", "label_group"])

    columns = ["item_id", "embedding", "model_fingerprint", "error_code"]
    if "image_index" in pq.ParquetDataset(embeddings).schema.names:
        columns.append("image_index")  # several images per item (issue 21); older tables lack it
    table = pq.read_table(embeddings, columns=columns)
    table = table.filter(pc.is_null(table["error_code"]))
    if "image_index" in columns:
        # an item's vector here is its first embedded image's, the one evaluate queries with
        table = table.sort_by([("item_id", "ascending"), ("image_index", "ascending")])
    fingerprints = set(pc.unique(table["model_fingerprint"]).to_pylist())
    if fingerprints != {manifest["model"]["fingerprint"]}:
        # vectors of different models are not comparable: the bundle was built from another table
        raise InputError(f"{embeddings} was embedded with another model than bundle {bundle.name}: run reindex again")
    dim = manifest["model"]["dim"]
    embedding = table["embedding"].combine_chunks()
    if not pc.all(pc.equal(pc.list_value_length(embedding), dim)).as_py():
        raise InputError(f"{embeddings} does not hold {dim}-d vectors, as bundle {bundle.name} says: run reindex again")
    flat = embedding.flatten().to_numpy(zero_copy_only=False)
    row_of = pd.Series(np.arange(table.num_rows), index=table["item_id"].to_pylist())
    row_of = row_of[~row_of.index.duplicated(keep="first")]
    rows = row_of.reindex(items["id"])
    if rows.isna().any():
        missing = items["id"][rows.isna().to_numpy()].iloc[0]
        raise InputError(f"item {missing} of bundle {bundle.name} is not in {embeddings}: run reindex again")
    vectors = flat.reshape(table.num_rows, dim)[rows.to_numpy(dtype=int)].astype(np.float32)

    images_root = os.environ.get("PRODLENS_NOTEBOOK_IMAGES_ROOT")
    return Catalogue(name, bundle, manifest, metrics, items, vectors,
                     Path(images_root).expanduser().resolve() if images_root else None)


def search(vectors: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product search of items `queries` (ordinals) among all items, each without itself.

    Returns (ordinals, scores), each len(queries) x k, best first; ties keep the lower ordinal first.
    """
    k = min(k, len(vectors) - 1)
    found = np.empty((len(queries), k), dtype=np.int64)
    scores = np.empty((len(queries), k), dtype=np.float32)
    batch_size = max(1, SCORES_PER_BATCH // len(vectors))
    for start in range(0, len(queries), batch_size):
        batch = queries[start:start + batch_size]
        sims = vectors[batch] @ vectors.T
        sims[np.arange(len(batch)), batch] = -np.inf  # the query itself is not a result
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_scores = np.take_along_axis(sims, top, axis=1)
        order = np.lexsort((top, -top_scores), axis=1)
        found[start:start + len(batch)] = np.take_along_axis(top, order, axis=1)
        scores[start:start + len(batch)] = np.take_along_axis(top_scores, order, axis=1)
    return found, scores


def thumbnail(catalogue: Catalogue, ordinal: int, size: int = 96) -> tuple[Image.Image, bool]:
    """(the item's image fitted in size x size, True), or (a grey tile saying so, False) when it cannot be read."""
    path = catalogue.image_path(ordinal)
    if path is not None:
        try:
            with Image.open(path) as image:
                image = image.convert("RGB")
                image.thumbnail((size, size))
                return image, True
        except OSError:
            pass
    tile = Image.new("RGB", (size, size), (200, 200, 200))
    ImageDraw.Draw(tile).text((4, size // 2 - 6), "no image", fill=(90, 90, 90))
    return tile, False


if __name__ == "__main__":
    try:
        name, embeddings, bundle = locate()
    except InputError as e:
        print(f"prodlens notebooks: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"catalogue '{name}': bundle {bundle}, embeddings {embeddings}")
