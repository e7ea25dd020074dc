"""The seed's serving design, as a peer for bench/api.sh: FastAPI + ONNX Runtime, one uvicorn worker
process per core, no batching, on the same model and the same bundle as prodlens' search-api.

README
------
Same endpoint shape as search-api:
  POST /v1/search?k=10   body: multipart/form-data with a file field "image", or the raw image bytes
      -> {"version": "<bundle version>", "items": [{"id": ..., "score": ...}, ...],
          "timing_ms": {"receive", "queue", "decode", "model", "index", "total"}}
  GET  /readyz           -> 200 once this worker has loaded the model and the bundle, else 503
Each worker reads requests on its event loop and computes them one at a time on one thread (decode,
model, Faiss), so a worker uses one core; batching is what the seed's design did not have.

What it loads (the same settings as the Java service, from conf/prodlens.properties or PRODLENS_CONF,
each key overridable by PRODLENS_<KEY> as in Java, e.g. PRODLENS_BUNDLES_DIR):
  model.dir/<model.id>/model-card.json  the ONNX file, input size, resize, crop, channels, layout,
                                        pixel_scale, mean, std, embedding normalisation
  bundles.dir/<catalogue.name>/CURRENT  names the live version directory, which holds
                                        index.faiss (inner product; id = line of items.jsonl),
                                        items.jsonl ({"id": ...} per line) and manifest.json
                                        (index.search_parameters: efSearch / nprobe, applied at load)
  PEER_ORT_THREADS                      ONNX Runtime intra-op threads per worker (default 1: on few
                                        cores one thread per process beats threads in one session
                                        for a small CNN)

Run (bench/api.sh does this with its own venv and a free port; keep it on loopback):
  uvicorn --app-dir bench/peers/fastapi_onnx app:app --host 127.0.0.1 --port 8090 --workers "$(nproc)"
"""
import asyncio
import asyncio.base_events
import io
import json
import os
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

import faiss
import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image, ImageOps


def _set_nodelay(sock):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# uvicorn --workers N binds the listening socket with proto 0; asyncio only sets TCP_NODELAY on
# accepted sockets whose proto is IPPROTO_TCP, so with Nagle on, every keep-alive response waits
# ~40 ms for the client's delayed ACK (uvicorn issue #3149, open in 0.54.0; measured here: a
# keep-alive GET /readyz took 44 ms with 2 workers, 1 ms with 1). The peer is meant to show the
# design, not that bug, so every accepted TCP connection gets TCP_NODELAY, as with one worker.
asyncio.base_events._set_nodelay = _set_nodelay


def load_settings():
    """conf/prodlens.properties (key = value lines) with PRODLENS_<KEY> environment overrides."""
    conf = {}
    path = Path(os.environ.get("PRODLENS_CONF", "conf/prodlens.properties"))
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "!")) and "=" in line:
                key, value = line.split("=", 1)
                conf[key.strip()] = value.strip()

    def get(key, default):
        env = "PRODLENS_" + key.upper().replace(".", "_").replace("-", "_")
        return os.environ[env] if env in os.environ else conf.get(key) or default

    return get


class Embedder:
    """Image bytes -> unit-length embedding, following the model card (nothing hard-coded)."""

    def __init__(self, model_dir: Path, threads: int, max_bytes: int, max_pixels: int):
        card_path = model_dir / "model-card.json"
        if not card_path.is_file():
            raise SystemExit(f"no {card_path}; run scripts/prepare-model.sh default first")
        self.card = json.loads(card_path.read_text(encoding="utf-8"))
        spec = self.card["input"]
        if spec.get("crop", "center") != "center":
            raise SystemExit(f"{card_path}: crop '{spec['crop']}' is not supported by this peer (only center)")
        self.size = int(spec["size"])
        self.short_side = int(spec["resize_shorter_side"])
        self.bgr = spec.get("channels", "RGB").upper() == "BGR"
        self.nchw = spec.get("layout", "NCHW").upper() == "NCHW"
        # (x * pixel_scale - mean) / std == x * a - b: two array operations per image instead of four.
        std = np.asarray(spec["std"], dtype=np.float32)
        self.a = np.float32(spec["pixel_scale"]) / std
        self.b = np.asarray(spec["mean"], dtype=np.float32) / std
        self.l2 = self.card.get("embedding", {}).get("normalisation", "l2") == "l2"
        self.dim = int(self.card.get("embedding", {}).get("dim", 0))
        self.max_bytes, self.max_pixels = max_bytes, max_pixels

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(str(model_dir / self.card["files"]["onnx"]), options,
                                            providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name

    def prepare(self, data: bytes) -> np.ndarray:
        if not data:
            raise ValueError("empty body")
        if len(data) > self.max_bytes:
            raise ValueError(f"{len(data)} bytes, over the {self.max_bytes} limit (decode.max-bytes)")
        img = Image.open(io.BytesIO(data))
        w, h = img.size
        if w * h > self.max_pixels:
            raise ValueError(f"{w}x{h} pixels, over the {self.max_pixels} limit (decode.max-pixels)")
        if img.format == "JPEG":
            # DCT-domain downscale while decoding (keeps the shorter side >= the resize target),
            # as search-core's JPEG fast path does.
            img.draft("RGB", (self.short_side, self.short_side))
        img = ImageOps.exif_transpose(img)
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")  # transparency onto white, like search-core's decoder
            img = Image.new("RGB", rgba.size, (255, 255, 255))
            img.paste(rgba, mask=rgba.getchannel("A"))
        else:
            img = img.convert("RGB")
        # Shorter side to short_side, then the centred size² crop: done as one resize of the source
        # box that the crop covers (bilinear with PIL's antialiasing support for downscales).
        w, h = img.size
        crop = self.size * min(w, h) / self.short_side
        x0, y0 = (w - crop) / 2, (h - crop) / 2
        img = img.resize((self.size, self.size), Image.Resampling.BILINEAR, box=(x0, y0, x0 + crop, y0 + crop))
        x = np.asarray(img, dtype=np.float32)
        if self.bgr:
            x = x[:, :, ::-1]
        x = x * self.a - self.b
        if self.nchw:
            x = x.transpose(2, 0, 1)
        return np.ascontiguousarray(x[None])

    def embed(self, x: np.ndarray) -> np.ndarray:
        v = self.session.run(None, {self.input_name: x})[0].reshape(1, -1).astype(np.float32, copy=False)
        if self.l2:
            v = v / max(float(np.linalg.norm(v)), 1e-12)
        return v


class Bundle:
    """The live bundle: CURRENT -> version dir with index.faiss, items.jsonl and manifest.json."""

    def __init__(self, catalogue_dir: Path, card: dict):
        pointer = catalogue_dir / "CURRENT"
        if not pointer.is_file():
            raise SystemExit(f"no {pointer}; run bin/prodlens-jobs reindex --conf conf/prodlens.properties first")
        self.version = pointer.read_text(encoding="utf-8").strip()
        path = catalogue_dir / self.version
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        model = manifest.get("model", {})
        if model.get("id") != card.get("id") or int(model.get("dim", 0)) != int(card["embedding"]["dim"]):
            raise SystemExit(f"{path} was built with model {model.get('id')} ({model.get('dim')}-d), this peer runs "
                             f"{card.get('id')}; set model.id to match or reindex")
        with open(path / "items.jsonl", encoding="utf-8") as f:
            self.ids = [json.loads(line)["id"] for line in f if line.strip()]
        self.index = faiss.read_index(str(path / "index.faiss"))
        if self.index.ntotal != len(self.ids):
            raise SystemExit(f"{path}: index.faiss has {self.index.ntotal} vectors, items.jsonl {len(self.ids)} lines; rebuild it")
        # One query at a time per worker process: Faiss's OpenMP threads would only fight the others.
        faiss.omp_set_num_threads(1)
        # The tuned parameters in ParameterSpace syntax, as the Java service parses them (format 3);
        # formats 1 and 2 kept them as a map of the same names.
        index_info = manifest.get("index", {})
        self.search_params = index_info.get("search_parameters")
        if self.search_params is None:
            self.search_params = ",".join(f"{k}={v}" for k, v in (index_info.get("search") or {}).items())
        if self.search_params:
            faiss.ParameterSpace().set_index_parameters(self.index, self.search_params)

    def search(self, v: np.ndarray, k: int):
        scores, rows = self.index.search(v, k)
        return [{"id": self.ids[r], "score": float(s)} for s, r in zip(scores[0], rows[0]) if r >= 0]


state = {}


@asynccontextmanager
async def lifespan(_app):
    get = load_settings()
    model_id = get("model.id", "efficientnet-lite0-int8")
    embedder = Embedder(Path(get("model.dir", "models")) / model_id, int(os.environ.get("PEER_ORT_THREADS", "1")),
                        int(get("decode.max-bytes", 33554432)), int(get("decode.max-pixels", 50000000)))
    bundle = Bundle(Path(get("bundles.dir", "bundles")) / get("catalogue.name", "demo"), embedder.card)
    state.update(embedder=embedder, bundle=bundle)
    yield
    state.clear()


app = FastAPI(lifespan=lifespan)


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


@app.get("/readyz")
async def readyz():
    if "bundle" not in state:
        return error(503, "loading")
    return {"status": "ready", "version": state["bundle"].version}


@app.post("/v1/search")
async def search(request: Request, k: int = 10):
    t0 = time.perf_counter()
    if not 1 <= k <= 1000:
        return error(400, f"k={k} is out of range; use 1..1000")
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("image")
        if upload is None or isinstance(upload, str):
            return error(400, "no file field 'image' in the form; send the photo as multipart field 'image' or as the raw body")
        data = await upload.read()
    else:
        data = await request.body()
    t1 = time.perf_counter()
    # The CPU work runs on the worker's one compute thread: requests are computed one at a time
    # (the worker's core does nothing faster), while the event loop stays free to read the next
    # bodies. Inline in the loop, a large upload is read between other requests' inferences, one
    # chunk per loop turn, and starves (p99 of seconds at c=32).
    try:
        result = await asyncio.get_running_loop().run_in_executor(COMPUTE, compute, data, k)
    except ValueError as e:
        return error(400, str(e))
    version, items, (t2, t3, t4, t5) = result
    ms = lambda a, b: round((b - a) * 1000, 3)
    return {"version": version, "items": items,
            "timing_ms": {"receive": ms(t0, t1), "queue": ms(t1, t2), "decode": ms(t2, t3), "model": ms(t3, t4),
                          "index": ms(t4, t5), "total": ms(t0, t5)}}


COMPUTE = ThreadPoolExecutor(max_workers=1, thread_name_prefix="compute")


def compute(data: bytes, k: int):
    embedder, bundle = state["embedder"], state["bundle"]
    t2 = time.perf_counter()
    try:
        x = embedder.prepare(data)
    except Exception as e:  # PIL raises many types for undecodable input; all mean "bad image"
        raise ValueError(f"cannot decode the image: {e}; send a JPEG, PNG, WebP, GIF or BMP") from e
    t3 = time.perf_counter()
    v = embedder.embed(x)
    t4 = time.perf_counter()
    items = bundle.search(v, k)
    return bundle.version, items, (t2, t3, t4, time.perf_counter())
