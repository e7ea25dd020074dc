#!/usr/bin/python3
"""Quantizes an exported FP32 model to static INT8 QDQ for ONNX Runtime on CPU (issue 19).

Run by scripts/prepare-model.sh with Debian's /usr/bin/python3 and the pinned onnxruntime and onnx
wheels on PYTHONPATH (scripts/model-wheels.sh, nothing pip-installed), after the parent is exported:

    quantize_model.py --parent models/<base> --model-id <base>-int8 --script-sha256 S --out models/<base>-int8
    quantize_model.py --parent models/<base> --measure     # the per-node sweep that chose EXCLUDED_NODES

The INT8 graph: activations QUInt8 (asymmetric), weights QInt8 symmetric per output channel (u8s8),
opset 13, ranges calibrated on CALIBRATION (below, never the quality test's or the demo's images),
preprocessed exactly as the Java Embedder feeds the parent (its card's size, resize and mean/std,
export_model.py's helpers). Nodes whose INT8 error stands far above the rest stay FP32
(EXCLUDED_NODES, found by --measure). The directory holds the ONNX file and a model card: the
parent's fields plus precision, parent, quantization and the quantized graph's own check values.
"""
import argparse
import gzip
import hashlib
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import onnx  # before torch (export_model): torch registers protobuf messages that clash with a newer onnx's
import onnxruntime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_model import center_crop_tensor, check_input, publish, sha256_of  # noqa: E402

from PIL import Image  # noqa: E402

Image.MAX_IMAGE_PIXELS = None  # the decode.max-pixels rule below decides

INT8_SUFFIX = "-int8"
OPENCLIPART = "/usr/share/openclipart/png"
FASHION_MNIST = "/usr/share/datasets/fashion-mnist"

# The calibration set: fixed, offline (Debian packages installed by scripts/install-deps.sh data),
# and disjoint from every image the quality gate, bench/embed.sh and the demo evaluate on:
# - clip art from the openclipart-png folders the demo catalogue leaves out (demo/ProductClipArt's
#   FOLDERS hold none of these), minus every file OfflineImages.clipArtSample(n) picks for the n the
#   evaluations use (RetrievalEval TEST 300 / BENCH 1000 distractors, EmbeddingQualityTest's 500),
#   taken in the order of the sha256 of their path under the root: the first CLIP_ART_COUNT;
# - the last FASHION_COUNT images of Fashion-MNIST's training split (the demo uses the first 6,000,
#   the evaluations at most the first 300 of each class, the test split's queries are another file).
CLIP_ART_FOLDERS = ("animals", "plants", "transportation")
EVAL_CLIP_ART_SAMPLES = (300, 500, 1000)
CLIP_ART_COUNT = 160
FASHION_COUNT = 160
FASHION_TRAIN_SIZE = 60_000
# decode.max-pixels' default: the Embedder refuses larger images, so they are no calibration input
MAX_PIXELS = 50_000_000

# Weights in 7 bits (int8 in [-64, 63], ONNX Runtime's reduce_range): on CPUs without VNNI (AVX2,
# AVX-512 without VNNI) ONNX Runtime's u8s8 kernels add pairs of uint8 x int8 products in int16
# (vpmaddubsw), which saturates with full-range weights: measured here (AVX2), MobileNetV2's
# embedding cosine to FP32 fell from 0.77 (the QDQ arithmetic itself) to 0.62. With 7-bit weights the
# pairs cannot saturate, so the same file gives the same vectors (and the card's check values) on
# AVX2 and VNNI CPUs alike.
REDUCE_RANGE = True

# Calibration: MinMax over the whole set (measured against Percentile 99.999 with --measure; see
# docs/model.md). Activations asymmetric uint8, weights symmetric int8 per channel.
CALIBRATION_METHOD = "MinMax"

# Nodes kept FP32, per parent, measured with `--measure`: each quantizable node quantized alone (the
# rest FP32), its error = mean (1 - cosine) of the embedding to the FP32 parent's over every 5th
# calibration image, through ONNX Runtime's INT8 kernels on the CPU at hand (AVX2 here). Nodes whose
# error alone is at least EXCLUDE_ERROR stand out (every other node costs 0.004 or less) and are
# the candidates; as errors interact, the candidate sets were then measured whole (the printout's
# last lines) and the smallest one that brings the model's error to about 0.02 or less is kept.
EXCLUDE_ERROR = 0.01
EXCLUDED_NODES = {
    # each alone 0.19-0.59 (next: features.2 conv.3 at 0.007): the stem conv, block 1's depthwise and
    # projection, block 2's expansion (per-channel weights up to ~100x apart after BN folding)
    # each alone 0.12-0.58 (the next: features.14 conv.6 at 0.002): the stem conv, block 1's depthwise
    # and projection convs, block 2's expansion conv (per-channel weights ~100x apart after BN folding)
    "mobilenetv2-deepsort": [
        "/features/features.0/features.0.0/Conv",
        "/features/features.1/conv/conv.0/Conv",
        "/features/features.1/conv/conv.3/Conv",
        "/features/features.2/conv/conv.0/Conv",
    ],
    # alone: blocks.0 depthwise 0.022, stem 0.014, blocks.1 depthwise 0.011, then 0.004 and less; but
    # errors interact (measured sets, whole model: none 0.070, stem 0.041, blocks.0 depthwise 0.143,
    # both 0.016, + blocks.0 project 0.013, + blocks.1 depthwise 0.155, blocks 0-1 whole 0.008):
    # the stem and block 0, the smallest set at about MobileNetV2's error
    "efficientnet-lite0": [
        "/_conv_stem/Conv",
        "/_blocks.0/_depthwise_conv/Conv",
        "/_blocks.0/_project_conv/Conv",
    ],
}


def clip_art_sample(files, count):
    """OfflineImages.clipArtSample: `count` files spread evenly over the sorted list."""
    return {files[i * len(files) // count] for i in range(min(count, len(files)))}


def pixel_count(path):
    from PIL import Image
    with Image.open(path) as im:
        return im.size[0] * im.size[1]


def calibration_set():
    """[(identity, loader)] in a fixed order; identity names the image for the card's checksum."""
    everything = sorted(os.path.join(d, f) for d, _, fs in os.walk(OPENCLIPART) for f in fs if f.endswith(".png"))
    if not everything:
        raise SystemExit(f"error: no clip art under {OPENCLIPART}; run scripts/install-deps.sh data")
    evaluated = set().union(*(clip_art_sample(everything, n) for n in EVAL_CLIP_ART_SAMPLES))
    candidates = [p for p in everything
                  if os.path.relpath(p, OPENCLIPART).split(os.sep)[0] in CLIP_ART_FOLDERS and p not in evaluated
                  and pixel_count(p) <= MAX_PIXELS]
    candidates.sort(key=lambda p: hashlib.sha256(os.path.relpath(p, OPENCLIPART).encode()).hexdigest())
    items = [(f"openclipart-png:{os.path.relpath(p, OPENCLIPART)}", lambda p=p: load_rgb(p))
             for p in candidates[:CLIP_ART_COUNT]]
    first = FASHION_TRAIN_SIZE - FASHION_COUNT
    pixels = fashion_train_images()[first:]
    items += [(f"fashion-mnist:train:{first + i}", lambda a=a: fashion_rgb(a)) for i, a in enumerate(pixels)]
    return items


def fashion_train_images():
    with gzip.open(os.path.join(FASHION_MNIST, "train-images-idx3-ubyte.gz")) as f:
        data = f.read()
    n, rows, cols = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols)


def fashion_rgb(pixels):
    from PIL import Image
    return Image.fromarray(pixels, "L").convert("RGB")


def load_rgb(path):
    """RGB with any alpha composited on white, as the Java decoder does."""
    from PIL import Image
    im = Image.open(path)
    if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, im).convert("RGB")
    return im.convert("RGB")


def tensors(card, items):
    spec = card["input"]
    return [center_crop_tensor(load(), spec["size"], spec["mean"], spec["std"]).unsqueeze(0).numpy()
            for _, load in items]


def session(path_or_bytes, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(path_or_bytes, options, providers=["CPUExecutionProvider"])


def embed(sess, inputs):
    name = sess.get_inputs()[0].name
    out = np.concatenate([sess.run(None, {name: x})[0] for x in inputs])
    return out / np.linalg.norm(out, axis=1, keepdims=True)


class Reader:
    """onnxruntime's CalibrationDataReader over a list of (1, 3, S, S) arrays."""

    def __init__(self, name, inputs):
        self.it = iter([{name: x} for x in inputs])

    def get_next(self):
        return next(self.it, None)


def calibrate(pre_path, inputs, method, workdir):
    from onnxruntime.quantization import CalibrationMethod, create_calibrator
    extra = {"symmetric": False}
    if method.startswith("Percentile"):
        extra["percentile"] = float(method.removeprefix("Percentile"))
    calibrator = create_calibrator(pre_path, None, augmented_model_path=os.path.join(workdir, "augmented.onnx"),
                                   calibrate_method=CalibrationMethod.Percentile if method.startswith("Percentile")
                                   else CalibrationMethod.MinMax, extra_options=extra)
    name = calibrator.infer_session.get_inputs()[0].name
    for start in range(0, len(inputs), 16):  # bounded memory: every intermediate output of 16 images
        calibrator.collect_data(Reader(name, inputs[start:start + 16]))
    return calibrator.compute_data()


def quantize(pre_path, ranges, excluded, only=()):
    """The QDQ model (ModelProto) with `excluded` nodes left FP32 (with `only`: just those quantized)."""
    from onnxruntime.quantization import QuantType
    from onnxruntime.quantization.qdq_quantizer import QDQQuantizer
    from onnxruntime.quantization.quant_utils import load_model_with_shape_infer
    from onnxruntime.quantization.registry import QDQRegistry, QLinearOpsRegistry
    from pathlib import Path
    model = load_model_with_shape_infer(Path(pre_path))
    quantizer = QDQQuantizer(model, True, REDUCE_RANGE, QuantType.QInt8, QuantType.QUInt8, ranges, list(only), list(excluded),
                             list(set(QLinearOpsRegistry) | set(QDQRegistry)), {})
    quantizer.quantize_model()
    quantizer.model.topological_sort()  # as quantize_static does when it saves
    out = quantizer.model.model
    onnx.checker.check_model(out)
    return out


def preprocess(parent_onnx, workdir):
    """ONNX Runtime's recommended preparation: shape inference and graph optimisation (constant
    folding: EfficientNet-Lite's padding arithmetic becomes constants)."""
    from onnxruntime.quantization import quant_pre_process
    pre = os.path.join(workdir, "pre.onnx")
    quant_pre_process(parent_onnx, pre, skip_symbolic_shape=True)
    return pre


def cosines(reference, vectors):
    return np.sum(reference * vectors, axis=1)


def quantizable_nodes(model):
    from onnxruntime.quantization.registry import QDQRegistry
    return [n.name for n in model.graph.node if n.op_type in QDQRegistry]


def measure(parent_dir, args):
    """The per-node sweep behind EXCLUDED_NODES, and MinMax against Percentile: cosine of each
    variant's embedding to the FP32 parent's on every 5th calibration image."""
    card = read_card(parent_dir)
    inputs = tensors(card, calibration_set())
    probe = inputs[::5]
    parent_onnx = os.path.join(parent_dir, card["files"]["onnx"])
    reference = embed(session(parent_onnx, args.threads), probe)

    def error(model):
        c = cosines(reference, embed(session(model.SerializeToString(), args.threads), probe))
        return 1 - c.mean(), c.min()

    with tempfile.TemporaryDirectory(prefix="quantize.") as workdir:
        pre = preprocess(parent_onnx, workdir)
        by_method = {}
        for method in args.methods.split(","):
            by_method[method] = calibrate(pre, inputs, method, workdir)
            err, low = error(quantize(pre, by_method[method], []))
            print(f"{method}: full INT8 error (1 - cosine) mean {err:.5f}, cosine min {low:.4f}", flush=True)
        ranges = by_method[CALIBRATION_METHOD]
        rows = []
        for node in quantizable_nodes(onnx.load(pre)):
            err, low = error(quantize(pre, ranges, [], only=[node]))
            rows.append((err, node))
            print(f"  only {node:45s} INT8: error {err:.5f}, cosine min {low:.4f}", flush=True)
        rows.sort(reverse=True)
        chosen = [node for err, node in rows if err >= EXCLUDE_ERROR]
        print("largest:", ", ".join(f"{node} {err:.5f}" for err, node in rows[:8]))
        print(f"candidates (error alone >= {EXCLUDE_ERROR}): {chosen}; measure their subsets whole before choosing")
        for method, r in by_method.items():
            err, low = error(quantize(pre, r, chosen))
            print(f"{method} with all candidates FP32: error mean {err:.5f}, cosine min {low:.4f}")


def read_card(parent_dir):
    with open(os.path.join(parent_dir, "model-card.json")) as f:
        return json.load(f)


def export(parent_dir, args):
    parent = read_card(parent_dir)
    base = parent["id"]
    if base not in EXCLUDED_NODES:
        raise SystemExit(f"error: no measured exclusions for {base}; run quantize_model.py --measure and add them")
    if parent.get("precision", "fp32") != "fp32" or "fine_tune" in parent or "-random" in base:
        raise SystemExit(f"error: {base} is not a pretrained FP32 export")
    parent_onnx = os.path.join(parent_dir, parent["files"]["onnx"])
    parent_sha = sha256_of(parent_onnx)
    if parent_sha != parent["sha256"]["onnx"]:
        raise SystemExit(f"error: {parent_onnx} does not match its card; re-run scripts/prepare-model.sh {base}")
    items = calibration_set()
    identities = "\n".join(identity for identity, _ in items) + "\n"
    inputs = tensors(parent, items)
    excluded = EXCLUDED_NODES[base]

    out = os.path.abspath(args.out)
    staging = tempfile.mkdtemp(prefix=f".{args.model_id}.", dir=os.path.dirname(out))
    try:
        pre = preprocess(parent_onnx, staging)
        ranges = calibrate(pre, inputs, CALIBRATION_METHOD, staging)
        model = quantize(pre, ranges, excluded)
        for name in os.listdir(staging):
            os.remove(os.path.join(staging, name))
        onnx_path = os.path.join(staging, f"{args.model_id}.onnx")
        onnx.save(model, onnx_path)
        sess = session(onnx_path, args.threads)
        reference = session(parent_onnx, args.threads)
        example = check_input(parent["input"]["size"]).numpy()
        check = sess.run(None, {sess.get_inputs()[0].name: example})[0]
        c = cosines(embed(reference, inputs), embed(sess, inputs))

        card = {k: v for k, v in parent.items() if k not in ("files", "sha256", "check", "sanity")}
        card.update({
            "id": args.model_id,
            "precision": "int8",
            "parent": {"id": base, "onnx_sha256": parent_sha},
            "quantize_script_sha256": args.script_sha256,
            "files": {"onnx": os.path.basename(onnx_path)},
            "sha256": {"onnx": sha256_of(onnx_path)},
            "quantization": {
                "format": "QDQ",
                "activations": "uint8 (asymmetric, per tensor)",
                "weights": "int8 (symmetric, per output channel" + (", 7-bit range [-64, 63])" if REDUCE_RANGE else ")"),
                "opset": 13,
                "calibration": {
                    "set": (f"{CLIP_ART_COUNT} openclipart-png drawings from {', '.join(CLIP_ART_FOLDERS)} (not in the"
                            f" demo catalogue nor OfflineImages.clipArtSample({', '.join(map(str, EVAL_CLIP_ART_SAMPLES))})),"
                            f" first by sha256 of their path, alpha on white; Fashion-MNIST train images"
                            f" {FASHION_TRAIN_SIZE - FASHION_COUNT}-{FASHION_TRAIN_SIZE - 1}; preprocessed as the parent's input"),
                    "count": len(items),
                    "identities_sha256": hashlib.sha256(identities.encode()).hexdigest(),
                },
                "method": CALIBRATION_METHOD,
                "excluded_nodes": excluded,
                "exclusion_rule": (f"candidates: nodes that quantized alone cost >= {EXCLUDE_ERROR} mean (1 - cosine) to FP32 on"
                                   " every 5th calibration image; kept: the smallest measured set of them with a whole-model"
                                   " error of about 0.02 or less (scripts/quantize_model.py --measure)"),
                "onnxruntime": onnxruntime.__version__,
                "onnx": onnx.__version__,
            },
            # measured on this CPU: outside `quantization`, which the fingerprint covers
            "calibration_cosine_to_parent": {"mean": round(float(c.mean()), 6), "min": round(float(c.min()), 6)},
            "check": {"input": parent["check"]["input"], "output_head": [round(float(v), 6) for v in check[0, :8]],
                      "output_l2": round(float(np.linalg.norm(check)), 6)},
            "sanity": {"skipped": "the ImageNet check is the parent's; the quality gate compares INT8 to it"},
        })
        publish(staging, card, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"model {args.model_id}: INT8 of {base}, {len(items)} calibration images, {len(excluded)} nodes FP32,"
          f" cosine to FP32 on them mean {c.mean():.4f} min {c.min():.4f} → {args.out}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--parent", required=True, help="the FP32 export's directory, models/<base>")
    p.add_argument("--model-id")
    p.add_argument("--out")
    p.add_argument("--script-sha256")
    p.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("--measure", action="store_true", help="print the per-node sweep, write nothing")
    p.add_argument("--methods", default=CALIBRATION_METHOD, help="with --measure: calibrations to compare, e.g. MinMax,Percentile99.999")
    args = p.parse_args()
    if args.measure:
        measure(args.parent, args)
        return
    if not (args.model_id and args.out and args.script_sha256) or not args.model_id.endswith(INT8_SUFFIX):
        p.error("--model-id <base>-int8, --out and --script-sha256 are required")
    export(args.parent, args)


if __name__ == "__main__":
    main()
