#!/usr/bin/python3
"""Fine-tunes the last blocks of a pretrained embedding model on a catalogue's label groups and
exports the result as a new model, in export_model.py's format (TorchScript + ONNX + model card).

Run by scripts/finetune.sh, which finds the pretrained weights as prepare-model.sh does. Under
torchrun or pyspark's TorchDistributor (RANK, WORLD_SIZE, LOCAL_RANK set) it trains with
DistributedDataParallel, on the GPUs when there are any; otherwise in one CPU process. See
docs/spark.md, "Fine-tuning the backbone on a GPU cluster".

    finetune.py --model-id mobilenetv2-deepsort --weights W.pt --weights-sha256 H --code-dir DIR \
        --models-dir models --catalogue data/demo/catalogue.csv --name demo [options]

1. Reads the catalogue (a CSV; image paths relative to --images-root, else to the CSV) and puts
   each label group, whole, in train, validation or test by GroupSplit's hash (group_split.py).
2. Rebuilds the base model from its pretrained weights (export_model.build) and checks that it
   still computes what <models-dir>/<model-id>/ was exported to compute (the card's check values).
3. Freezes all but the backbone's last --train-blocks blocks and trains them on the train groups
   with the multi-similarity loss over P×K batches, scoring mAP@R on the validation groups after
   every epoch and stopping when it no longer improves.
4. Exports the best epoch to <models-dir>/<model-id>-ft-<name>/ with export_model.export, plus
   weights.pt (the backbone's state dict, what weights_sha256 names) and training.json (the loss at
   every step, mAP@R per epoch). The test groups are scored once, base and fine-tuned, for the card.
"""
import argparse
import csv
import dataclasses
import json
import os
import random
import re
import sys
import tempfile

import torch
import torch.distributed as dist
import torch.nn.functional as F
from PIL import Image, ImageOps

import export_model
from group_split import DEFAULT_TEST_SHARE, DEFAULT_VALIDATION_SHARE, TEST, TRAIN, VALIDATION, part_of, unit

Image.MAX_IMAGE_PIXELS = None  # read_catalogue applies --max-pixels itself, the limit the Java decoder has
# catalogue.name's rule (search-core ConfigKeys): the name becomes part of a model id and directory.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Multi-similarity loss (Wang et al., CVPR 2019), the paper's values: α and β weigh positive and
# negative pairs, λ is the similarity they are pulled above / pushed below, ε the mining margin.
MS_ALPHA, MS_BETA, MS_BASE, MS_MARGIN = 2.0, 50.0, 0.5, 0.1


class UserError(Exception):
    """A problem with the input that the user can fix: one line on standard error, exit code 2."""


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("--model-id", "--weights", "--weights-sha256", "--code-dir", "--models-dir", "--catalogue"):
        p.add_argument(name, required=True)
    p.add_argument("--name", help="the catalogue's name in the model id (default: the CSV's directory name)")
    p.add_argument("--images-root", help="relative image paths resolve against this (default: the CSV's directory)")
    p.add_argument("--image-column", default="image")
    p.add_argument("--label-column", default="label_group")
    p.add_argument("--max-pixels", type=int, default=50_000_000, help="skip larger images (decode.max-pixels)")
    p.add_argument("--validation-share", type=float, default=DEFAULT_VALIDATION_SHARE, help="GroupSplit's validation share")
    p.add_argument("--test-share", type=float, default=DEFAULT_TEST_SHARE, help="GroupSplit's test share")
    p.add_argument("--out", help="the model directory to write (default: <models-dir>/<model-id>-ft-<name>)")
    p.add_argument("--input-size", type=int, help="training and export input size (default: the base model's)")
    p.add_argument("--train-blocks", type=int, default=2,
                   help="how many of the backbone's last blocks learn (default 2: for MobileNetV2 its final 1x1 conv"
                        " block and its last inverted-residual stage)")
    p.add_argument("--groups-per-batch", type=int, default=32, help="P: label groups per batch and process")
    p.add_argument("--photos-per-group", type=int, default=2, help="K: photos drawn from each group of a batch")
    p.add_argument("--epochs", type=int, default=10, help="at most this many passes over the train groups")
    p.add_argument("--patience", type=int, default=2, help="stop after this many epochs without a better validation mAP@R")
    p.add_argument("--lr", type=float, default=1e-4, help="Adam's learning rate")
    p.add_argument("--max-eval-groups", type=int, default=2000,
                   help="score at most this many validation (and test) groups, the first by their hash")
    p.add_argument("--threads", type=int, help="torch threads per process (default: the cores over the local processes)")
    p.add_argument("--workers", type=int, help="image loading processes per training process (default: 4 with CUDA, else 0)")
    p.add_argument("--seed", type=int, default=0)
    return p.parse_args()


# --- the catalogue -----------------------------------------------------------------------------------

def read_catalogue(path, images_root, image_column, label_column, max_pixels, validation_share, test_share):
    """({part: {group: [image files]}} of the rows with a label group and a readable image, rows skipped)."""
    try:
        f = open(path, newline="", encoding="utf-8", errors="replace")
    except OSError as e:
        raise UserError(f"cannot read the catalogue {path}: {e.strerror}")
    parts = {TRAIN: {}, VALIDATION: {}, TEST: {}}
    with f:
        reader = csv.DictReader(f)
        missing = [c for c in (image_column, label_column) if c not in (reader.fieldnames or ())]
        if missing:
            raise UserError(f"the catalogue {path} has no {' or '.join(missing)} column (its header: {','.join(reader.fieldnames or [])})")
        rows = skipped = 0
        for row in reader:
            rows += 1
            group, image = row[label_column] or "", row[image_column] or ""
            if not group.strip() or not image.strip():
                continue
            file = os.path.join(images_root, image)  # an absolute image path stays as it is
            if not readable(file, max_pixels):
                skipped += 1
                continue
            parts[part_of(group, validation_share, test_share)].setdefault(group, []).append(file)
    if not any(parts.values()):
        raise UserError(f"the catalogue {path} has no labelled rows with a readable image ({rows} rows, {skipped} images"
                        f" missing, unreadable or too large): fine-tuning learns from the {label_column} column")
    return parts, skipped


def readable(file, max_pixels):
    """Whether the file is an image PIL can open within the pixel limit (its header only). Rows whose
    image is not are skipped, as the embed job makes them failed rows instead of stopping."""
    try:
        with Image.open(file) as im:
            return im.size[0] * im.size[1] <= max_pixels
    except (OSError, ValueError, Image.DecompressionBombError):
        return False


def matching(groups):
    """The groups with at least two photos: the only ones that teach or test "same product"."""
    return {g: files for g, files in groups.items() if len(files) >= 2}


def first_by_hash(groups, limit):
    """At most `limit` groups, the same ones on every run (the lowest hash values, as GroupSplit orders them)."""
    return dict(sorted(groups.items(), key=lambda item: unit(item[0]))[:limit])


def check_enough(parts, path, groups_per_batch, world):
    train, validation = matching(parts[TRAIN]), matching(parts[VALIDATION])
    total = sum(len(p) for p in parts.values())
    needed = groups_per_batch * world
    if len(train) < max(2, needed):
        raise UserError(f"the catalogue {path} has {len(train)} train group(s) with 2+ photos ({total} label group(s) in all,"
                        f" split by GroupSplit); one batch needs {max(2, needed)}: add labelled groups or lower --groups-per-batch")
    if not validation:
        raise UserError(f"the catalogue {path} has no validation group with 2+ photos ({total} label group(s) in all,"
                        f" split by GroupSplit): early stopping needs some; add labelled groups")


# --- images ------------------------------------------------------------------------------------------

def load_rgb(path, min_side):
    """A photo as the Java decoder hands it over (EXIF orientation applied, transparency over white),
    reduced while its shorter side stays at least min_side: decoding large photos at full size would
    cost more than the model."""
    im = Image.open(path)
    im.draft("RGB", (min_side, min_side))  # JPEG: decoded at 1/2, 1/4 or 1/8 scale when that is enough
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
        im = im.convert("RGBA")
        im = Image.alpha_composite(Image.new("RGBA", im.size, "white"), im)
    im = im.convert("RGB")
    factor = min(im.size) // min_side
    return im.reduce(factor) if factor >= 2 else im


class Photos(torch.utils.data.Dataset):
    """Each photo as the Java Embedder preprocesses it (no augmentation): for scoring."""

    def __init__(self, files, size, mean, std):
        self.files, self.size, self.mean, self.std = files, size, mean, std

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return export_model.center_crop_tensor(load_rgb(self.files[i], self.size + 32), self.size, self.mean, self.std)


class GroupPhotos(torch.utils.data.Dataset):
    """Item i: K augmented photos of train group i (drawn without replacement) and i as their label.
    A batch of P items is a P×K batch: every photo has K−1 positives and (P−1)·K negatives in it."""

    def __init__(self, groups, k, size, mean, std):
        import torchvision.transforms as T
        self.groups, self.k, self.size = list(groups.values()), k, size
        # Light augmentation: the same product photographed or cropped a little differently.
        self.transform = T.Compose([
            T.RandomResizedCrop(size, scale=(0.5, 1.0)),
            T.RandomHorizontalFlip(),
            T.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2, hue=0.02),
            T.ToTensor(),
            T.Normalize(mean, std),
        ])

    def __len__(self):
        return len(self.groups)

    def __getitem__(self, i):
        files = self.groups[i]
        picked = random.sample(files, min(self.k, len(files)))
        picked += random.choices(files, k=self.k - len(picked))  # a group with fewer than K photos repeats some
        return torch.stack([self.transform(load_rgb(f, self.size + 32)) for f in picked]), i


def collate_groups(items):
    images = torch.cat([photos for photos, _ in items])
    labels = torch.tensor([label for photos, label in items for _ in range(len(photos))])
    return images, labels


# --- the model ---------------------------------------------------------------------------------------

def blocks_of(net):
    """The backbone's blocks from input to output, each as the prefixes of its parameter names."""
    if hasattr(net, "features"):  # MobileNetV2: features.0 stem, .1–.17 inverted residuals, .18 1x1 conv
        return [(f"features.{i}.",) for i in range(len(net.features))]
    # EfficientNet-Lite: stem, the MBConv blocks, head (1x1 conv + BN); _fc, the classifier, is unused
    return [("_conv_stem.", "_bn0.")] + [(f"_blocks.{i}.",) for i in range(len(net._blocks))] + [("_conv_head.", "_bn1.")]


def block_name(block):
    return "+".join(prefix.rstrip(".") for prefix in block)


def freeze_all_but_last(net, count):
    """Only the last `count` blocks' weights learn; returns their prefixes. The model stays in eval
    mode throughout, so BatchNorm keeps its pretrained statistics: a P×K batch of a few dozen photos
    of few products would estimate them worse than ImageNet did, and the exported model normalises
    with the same statistics it trained with."""
    blocks = blocks_of(net)
    if not 1 <= count <= len(blocks):
        raise UserError(f"--train-blocks {count}: the backbone has {len(blocks)} blocks")
    trained = blocks[-count:]
    prefixes = tuple(p for block in trained for p in block)
    for name, parameter in net.named_parameters():
        parameter.requires_grad_(name.startswith(prefixes))
    return trained


def changed_tensors(before, net):
    return sorted(name for name, tensor in net.state_dict().items() if not torch.equal(before[name], tensor.cpu()))


def check_reproduces_base(embedding, base_card):
    """The rebuilt base model must compute what the exported one computes (the card's check values):
    proof that fine-tuning starts from the weights the Java side runs."""
    size = base_card["input"]["size"]
    with torch.no_grad():
        head = embedding(export_model.check_input(size))[0, :8]
    expected = torch.tensor(base_card["check"]["output_head"])
    if not torch.allclose(head, expected, rtol=1e-3, atol=1e-3 * max(1.0, expected.abs().max().item())):
        raise UserError(f"the pretrained weights do not reproduce the export of {base_card['id']} ({head.tolist()} against"
                        f" {expected.tolist()}); run scripts/prepare-model.sh {base_card['id']} again")


# --- loss and score ----------------------------------------------------------------------------------

def log1p_sum_exp(x, mask):
    """log(1 + Σ exp(x)) over each row's masked entries, computed stably; 0 for a row with none."""
    x = x.masked_fill(~mask, float("-inf"))
    return torch.logsumexp(torch.cat([torch.zeros_like(x[:, :1]), x], dim=1), dim=1)


def multi_similarity_loss(embeddings, labels):
    """Multi-similarity loss (Wang et al., CVPR 2019) of L2-normalised embeddings.

    Chosen for catalogues with few photos per group (the demo and Shopee have 2–3): it learns from
    pairs inside the batch, so it needs no parameter per group, unlike proxy losses (Proxy-Anchor
    would learn one 1280-d proxy per train group, each from two photos, synchronised across DDP
    processes); and it weighs each pair by how hard it is relative to the anchor's other pairs, so
    the one positive and (P−1)·K negatives of a K=2 batch all teach something. Pairs are mined as in
    the paper: negatives more similar than the anchor's least similar positive (minus ε), positives
    less similar than its most similar negative (plus ε)."""
    similarity = embeddings @ embeddings.T
    same = labels[:, None] == labels[None, :]
    positive = same & ~torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    negative = ~same
    least_positive = similarity.masked_fill(~positive, float("inf")).min(dim=1, keepdim=True).values
    most_negative = similarity.masked_fill(~negative, float("-inf")).max(dim=1, keepdim=True).values
    hard_positive = positive & (similarity - MS_MARGIN < most_negative)
    hard_negative = negative & (similarity + MS_MARGIN > least_positive)
    pull = log1p_sum_exp(-MS_ALPHA * (similarity - MS_BASE), hard_positive) / MS_ALPHA
    push = log1p_sum_exp(MS_BETA * (similarity - MS_BASE), hard_negative) / MS_BETA
    return (pull + push).mean()


def map_at_r(embeddings, labels):
    """mAP@R (Musgrave et al., ECCV 2020), as spark-jobs' RetrievalMetrics computes it: every item with
    R > 0 other items of its group queries all the others; AP@R = (1/R) Σ_{i≤R} P(i)·rel(i)."""
    similarity = embeddings @ embeddings.T
    similarity.fill_diagonal_(float("-inf"))
    same = labels[:, None] == labels[None, :]
    same.fill_diagonal_(False)
    r = same.sum(dim=1)
    depth = int(r.max())
    if depth == 0:
        return float("nan")
    relevant = same.gather(1, similarity.topk(depth, dim=1).indices).float()
    ranks = torch.arange(1, depth + 1)
    precision = relevant.cumsum(dim=1) / ranks
    ap = (precision * relevant * (ranks[None, :] <= r[:, None])).sum(dim=1) / r.clamp(min=1)
    return ap[r > 0].mean().item()


class Scorer:
    """mAP@R of one part's groups (at most --max-eval-groups of them), photos as the Embedder sees them."""

    def __init__(self, groups, size, mean, std, workers, device):
        files = [f for fs in groups.values() for f in fs]
        self.labels = torch.tensor([i for i, fs in enumerate(groups.values()) for _ in fs])
        self.loader = torch.utils.data.DataLoader(Photos(files, size, mean, std), batch_size=64, num_workers=workers)
        self.device = device
        self.groups, self.photos = len(groups), len(files)

    @torch.no_grad()
    def score(self, embedding):
        vectors = torch.cat([F.normalize(embedding(x.to(self.device)), dim=1).cpu() for x in self.loader])
        return round(map_at_r(vectors, self.labels), 4)


# --- distributed -------------------------------------------------------------------------------------

def start_processes():
    """(rank, world size, device): torchrun and TorchDistributor set RANK, WORLD_SIZE and LOCAL_RANK."""
    rank, world = int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))
    device = torch.device("cpu")
    if torch.cuda.is_available():
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return rank, world, device


def mean_over_processes(value, world, device):
    if world == 1:
        return value
    t = torch.tensor([value], device=device)
    dist.all_reduce(t)
    return t.item() / world


def decided_by_first(flag, world, device):
    """Rank 0 scores and decides; every process follows (a boolean)."""
    if world == 1:
        return flag
    t = torch.tensor([int(flag)], device=device)
    dist.broadcast(t, 0)
    return bool(t.item())


# --- the run -----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Job:
    """What a run learns from and starts from, checked before any training."""
    catalogue: str  # absolute path of the CSV
    name: str  # the catalogue's name in the new model id
    model_id: str  # <base>-ft-<name>
    out: str  # the model directory to write
    parts: dict  # {part: {group: [image files]}}
    train: dict  # the train groups with 2+ photos
    skipped: int  # rows whose image is missing, unreadable or too large
    base_card: dict
    embedding: torch.nn.Module  # export_model.PooledEmbedding, all but the last blocks frozen
    trained_blocks: list  # the learning blocks' parameter-name prefixes
    size: int  # input size
    mean: list
    std: list
    layer: str


def prepare(args, world):
    catalogue = os.path.abspath(args.catalogue)
    name = args.name or os.path.basename(os.path.dirname(catalogue))
    if not NAME.fullmatch(name) or ".." in name:
        raise UserError(f"--name '{name}': letters, digits, '.', '_' or '-', starting with a letter or digit")
    if not (args.validation_share >= 0 and args.test_share > 0 and args.validation_share + args.test_share < 1):
        raise UserError("a split needs a test share above 0 and validation + test below 1; got "
                        f"{args.validation_share} and {args.test_share}")
    parts, skipped = read_catalogue(catalogue, args.images_root or os.path.dirname(catalogue), args.image_column,
                                    args.label_column, args.max_pixels, args.validation_share, args.test_share)
    check_enough(parts, args.catalogue, args.groups_per_batch, world)

    base_dir = os.path.join(args.models_dir, args.model_id)
    try:
        with open(os.path.join(base_dir, "model-card.json")) as f:
            base_card = json.load(f)
    except OSError:
        raise UserError(f"{args.model_id} is not exported in {base_dir}; run scripts/prepare-model.sh {args.model_id}")
    weights_sha = export_model.sha256_of(args.weights)
    if weights_sha != args.weights_sha256 or weights_sha != base_card["weights_sha256"]:
        raise UserError(f"{args.weights} has sha256 {weights_sha}; {args.model_id} was exported from {base_card['weights_sha256']}")
    sys.path.insert(0, args.code_dir)
    embedding, _, mean, std, layer = export_model.build(args.model_id, args.weights, random_init=False)
    embedding.eval()
    check_reproduces_base(embedding, base_card)
    trained_blocks = freeze_all_but_last(embedding.backbone, args.train_blocks)
    model_id = f"{args.model_id}-ft-{name}"
    return Job(catalogue, name, model_id, args.out or os.path.join(args.models_dir, model_id), parts, matching(parts[TRAIN]),
               skipped, base_card, embedding, trained_blocks, args.input_size or base_card["input"]["size"], mean, std, layer)


def train(job, args, rank, world, device, validation):
    """Trains until the validation mAP@R (scored by rank 0) stops improving. Returns the loss of every
    step, per epoch its mean loss and validation mAP@R, and the best epoch with its backbone state."""
    model = job.embedding.to(device)
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None, broadcast_buffers=False)
    groups = GroupPhotos(job.train, args.photos_per_group, job.size, job.mean, job.std)
    sampler = torch.utils.data.DistributedSampler(groups, num_replicas=world, rank=rank, shuffle=True, seed=args.seed, drop_last=True)
    loader = torch.utils.data.DataLoader(groups, batch_size=args.groups_per_batch, sampler=sampler, drop_last=True,
                                         num_workers=workers(args, device), collate_fn=collate_groups)
    optimizer = torch.optim.Adam([p for p in job.embedding.parameters() if p.requires_grad], lr=args.lr)

    steps, epochs = [], []
    best, stale = None, 0
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        losses = []
        for images, labels in loader:
            loss = multi_similarity_loss(F.normalize(model(images.to(device)), dim=1), labels.to(device))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(round(mean_over_processes(loss.item(), world, device), 6))
        steps.extend(losses)
        improved = False
        if rank == 0:
            epochs.append({"epoch": epoch, "loss": round(sum(losses) / len(losses), 6),
                           "validation_map_at_r": validation.score(job.embedding)})
            print(f"epoch {epoch}: loss {epochs[-1]['loss']:.4f}, validation mAP@R {epochs[-1]['validation_map_at_r']:.4f}", flush=True)
            improved = best is None or epochs[-1]["validation_map_at_r"] > best["validation_map_at_r"]
            if improved:
                best = dict(epochs[-1], state={k: v.detach().cpu().clone() for k, v in job.embedding.backbone.state_dict().items()})
        stale = 0 if decided_by_first(improved, world, device) else stale + 1
        if stale >= args.patience:
            break
    return steps, epochs, best


def workers(args, device):
    return args.workers if args.workers is not None else (4 if device.type == "cuda" else 0)


def write_model(job, args, world, figures, steps, epochs, best, changed):
    """Exports the fine-tuned model with export_model.export, its card saying what it learned from."""
    net = job.embedding.backbone
    base = job.base_card
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "weights.pt")
        torch.save(net.state_dict(), weights)
        log = os.path.join(tmp, "training.json")
        with open(log, "w") as f:
            json.dump({"args": vars(args), "loss_by_step": steps, "epochs": epochs}, f, indent=1)
        return export_model.export(
            job.embedding, job.model_id, job.size, job.mean, job.std, job.layer, job.out,
            provenance={
                "source": f"{base['source']}, fine-tuned on the catalogue '{job.name}' (scripts/finetune.py)",
                "licence": base["licence"],
                "weights_sha256": export_model.sha256_of(weights),
                "export_script_sha256": export_model.sha256_of(export_model.__file__),
            },
            extra={"fine_tune": {
                "base_model": base["id"],
                "base_weights_sha256": base["weights_sha256"],
                "catalogue": job.name,
                "catalogue_sha256": export_model.sha256_of(job.catalogue),
                "split": f"GroupSplit: SHA-256 of {args.label_column}; validation {args.validation_share}, test {args.test_share}",
                "groups": {"train": len(job.train), "train_photos": sum(map(len, job.train.values())),
                           "validation": figures["validation_groups"], "test": figures["test_groups"]},
                "trained_blocks": [block_name(b) for b in job.trained_blocks],
                "changed_blocks": [block_name(b) for b in job.trained_blocks if any(n.startswith(b) for n in changed)],
                "batchnorm": "pretrained statistics, not updated",
                "loss": f"multi-similarity (alpha {MS_ALPHA}, beta {MS_BETA}, lambda {MS_BASE}, margin {MS_MARGIN})",
                "batch": {"groups": args.groups_per_batch, "photos_per_group": args.photos_per_group, "processes": world},
                "optimizer": f"Adam, lr {args.lr}",
                "augmentation": "random resized crop (scale 0.5-1), horizontal flip, colour jitter (0.2, 0.2, 0.2, 0.02)",
                "epochs": len(epochs),
                "best_epoch": best["epoch"],
                "loss_by_epoch": [e["loss"] for e in epochs],
                "validation_map_at_r": {"base": figures["base_validation"], "by_epoch": [e["validation_map_at_r"] for e in epochs],
                                        "fine_tuned": best["validation_map_at_r"]},
                "test_map_at_r": {"base": figures["base_test"], "fine_tuned": figures["test"]},
                "figures": "computed by finetune.py with PIL's resize, close to the Java Embedder's preprocessing",
                "weights_file": "weights.pt",
                "script_sha256": export_model.sha256_of(os.path.abspath(__file__)),
                "seed": args.seed,
            }},
            extra_files=[weights, log])


def run(args, rank, world, device):
    local_processes = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    torch.set_num_threads(args.threads or max(1, (os.cpu_count() or 1) // local_processes))
    torch.manual_seed(args.seed + rank)  # augmentation differs between processes, the model does not
    random.seed(args.seed + rank)
    job = prepare(args, world)
    before = {k: v.clone() for k, v in job.embedding.backbone.state_dict().items()}

    validation = test = None
    if rank == 0:  # rank 0 alone scores (at most --max-eval-groups groups) and writes the model
        validation, test = (Scorer(first_by_hash(job.parts[part], args.max_eval_groups), job.size, job.mean, job.std,
                                   workers(args, device), device) for part in (VALIDATION, TEST))
        print(f"finetune {job.model_id}: {len(job.train)} train groups with 2+ photos ({sum(map(len, job.train.values()))} photos),"
              f" validation {validation.groups} groups / {validation.photos} photos, test {test.groups} / {test.photos}"
              f" ({job.skipped} rows skipped: image missing, unreadable or too large); {world} process(es) on {device};"
              f" blocks learning: {', '.join(block_name(b) for b in job.trained_blocks)}", flush=True)
        figures = {"validation_groups": validation.groups, "test_groups": test.groups,
                   "base_validation": validation.score(job.embedding.to(device)), "base_test": test.score(job.embedding)}
        print(f"base: validation mAP@R {figures['base_validation']:.4f}", flush=True)

    steps, epochs, best = train(job, args, rank, world, device, validation)

    if rank == 0:
        job.embedding.backbone.load_state_dict(best["state"])
        job.embedding.cpu()
        changed = changed_tensors(before, job.embedding.backbone)
        learning = tuple(p for b in job.trained_blocks for p in b)
        if any(not n.startswith(learning) or "running_" in n for n in changed):  # a bug, not the user's
            raise RuntimeError(f"tensors meant to stay frozen changed: {changed}")
        figures["test"] = test.score(job.embedding)
        card = write_model(job, args, world, figures, steps, epochs, best, changed)
        verdict = "" if best["validation_map_at_r"] > figures["base_validation"] else \
            f"; not better than {args.model_id} on validation: keep model.id = {args.model_id}"
        print(f"model {job.model_id}: validation mAP@R {figures['base_validation']:.4f} → {best['validation_map_at_r']:.4f}"
              f" (epoch {best['epoch']}), test {figures['base_test']:.4f} → {figures['test']:.4f}, dim {card['embedding']['dim']},"
              f" input {job.size} → {job.out}{verdict}")
    if world > 1:
        dist.barrier()


def main():
    args = parse_args()
    rank, world, device = start_processes()
    try:
        run(args, rank, world, device)
    except UserError as e:
        print(f"finetune: {e}", file=sys.stderr)
        sys.exit(2)
    finally:
        if world > 1 and dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    main()
