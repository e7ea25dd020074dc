#!/usr/bin/python3
"""Prints bench/embed.sh's tables and its summary line from results.jsonl."""
import json
import sys


def main(path, default_model):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    decode = next(r for r in rows if r["mode"] == "decode")
    print(f"\ndecode + EXIF + resize/crop + normalise, one thread: {decode['decode_ms']:.2f} ms/image ({decode['img_s']:.0f} img/s)\n")

    speed = {}
    for r in rows:
        if r["model"] != default_model:
            continue
        key = (r["engine"], r["batch"], r["threads"], r["workers"])
        if r["mode"] == "pair":
            speed[("model",) + key] = r["model_img_s"]
            speed[("e2e",) + key] = r["e2e_img_s"]
        elif r["mode"] == "ort-raw":
            speed[("ort-raw",) + key] = r["img_s"]
    print(f"{default_model}: images/s ('TxW' = intra-op threads per instance x instances)")
    print(f"{'engine':<13}{'batch':>6}{'TxW':>6}{'model only':>12}{'end to end':>12}{'e2e/model':>11}{'raw ORT':>10}")
    settings = sorted({k[1:] for k in speed}, key=lambda s: (s[0] != "ONNX_RUNTIME", s[1], s[2]))
    best = None
    for engine, batch, threads, workers in settings:
        model = speed.get(("model", engine, batch, threads, workers))
        e2e = speed.get(("e2e", engine, batch, threads, workers))
        raw = speed.get(("ort-raw", engine, batch, threads, workers))
        if model is None or e2e is None:
            continue
        print(f"{engine:<13}{batch:>6}{f'{threads}x{workers}':>6}{model:>12.1f}{e2e:>12.1f}{e2e / model:>11.2f}"
              f"{(f'{raw:.1f}' if raw else '-'):>10}")
        if best is None or e2e > best[1]:
            best = ((engine, batch, threads, workers), e2e, model)

    quality = [r for r in rows if r["mode"] == "quality"]
    if quality:
        rounds = {}
        for r in rows:
            if r["mode"] == "model" and r["batch"] == 1 and r["threads"] == 1 and r["workers"] == 1 and r["engine"] == "ONNX_RUNTIME":
                rounds.setdefault(r["model"], []).append(r["img_s"])
        one = {m: sorted(v)[len(v) // 2] for m, v in rounds.items()}  # median of the interleaved rounds
        print("\ncandidate models (ONNX Runtime; near-dup recall@1 over "
              f"{quality[0]['queries']} edited photos among {quality[0]['catalogue']} images; Fashion-MNIST precision@10, chance 0.10)")
        print(f"{'model':<24}{'near-dup r@1':>13}{'fashion p@10':>13}{'ms/img (1 thread)':>19}  (median of interleaved runs)")
        base = quality[0]
        print(f"{'colour-histogram':<24}{base['baseline_near_dup_r1']:>13.3f}{base['baseline_fashion_p10']:>13.3f}{'-':>19}")
        for r in quality:
            ms = 1000 / one[r["model"]] if r["model"] in one else float("nan")
            print(f"{r['model']:<24}{r['near_dup_r1']:>13.3f}{r['fashion_p10']:>13.3f}{ms:>19.1f}")
        print("\nnear-dup recall@1 by edit:")
        edits = list(base["baseline_by_edit"])
        print(f"{'':<24}" + "".join(f"{e:>10}" for e in edits))
        print(f"{'colour-histogram':<24}" + "".join(f"{base['baseline_by_edit'][e]:>10.2f}" for e in edits))
        for r in quality:
            print(f"{r['model']:<24}" + "".join(f"{r['near_dup_by_edit'][e]:>10.2f}" for e in edits))

    (engine, batch, threads, workers), e2e, model = best
    print(f"\nembed: model={default_model} engine={engine} e2e_img_s={e2e:.1f} model_only_img_s={model:.1f} "
          f"ratio={e2e / model:.2f} decode_ms={decode['decode_ms']:.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
