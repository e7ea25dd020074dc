"""Joins the Java and Python results of bench/faiss.sh into one table and a last summary line.

usage: faiss_report.py OUT_DIR NAME...
"""
import json
import os
import statistics
import sys

TARGETS = (0.90, 0.95, 0.99)


def load(out_dir, name, engine):
    with open(os.path.join(out_dir, f"{name}.{engine}.jsonl")) as f:
        return [json.loads(line) for line in f]


def one(records, kind):
    return next(r for r in records if r["kind"] == kind)


def main():
    out_dir, names = sys.argv[1], sys.argv[2:]
    ratios, overheads, at95 = [], [], {}
    rows = []
    for name in names:
        java, python = load(out_dir, name, "java"), load(out_dir, name, "python")
        build = one(java, "build")
        print(f"\n{name}: {build['factory']} on {build['n']} x {build['d']}, "
              f"build {build['build_s']:.1f} s (train {build['train_s']:.1f} s), "
              f"memory {build['memory_bytes'] / 2**20:.0f} MiB, file {build['file_bytes'] / 2**20:.0f} MiB")
        py_batch = {r["params"]: r for r in python if r["kind"] == "batch"}
        for r in (r for r in java if r["kind"] == "batch"):
            ratios.append(r["qps"] / py_batch[r["params"]]["qps"])
        for target in TARGETS:
            reaching = [r for r in java if r["kind"] == "batch" and r["recall"] >= target]
            if not reaching:
                rows.append((name, f">={target:.2f}", "not reached", "", "", "", ""))
                continue
            best = max(reaching, key=lambda r: r["qps"])
            py = py_batch[best["params"]]
            rows.append((name, f">={target:.2f}", best["params"], f"{best['recall']:.4f}",
                         f"{best['qps']:.0f}", f"{py['qps']:.0f}", f"{best['qps'] / py['qps']:.3f}"))
            if target == 0.95:
                at95[name] = best["qps"]
        js, ps = one(java, "single"), one(python, "single")
        jo, po = one(java, "overhead"), one(python, "overhead")
        overheads.append(jo["p50_us"] - po["p50_us"])
        print(f"  single query, 1 thread, {js['params']}: p50 java {js['p50_us']:.1f} us / "
              f"python {ps['p50_us']:.1f} us, p99 java {js['p99_us']:.1f} us / python {ps['p99_us']:.1f} us")
        print(f"  per-call cost (16-vector flat index): p50 java {jo['p50_us']:.2f} us / "
              f"python {po['p50_us']:.2f} us")

    print()
    header = ("index", "recall@10", "setting", "recall", "java qps", "python qps", "java/python")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))

    ratio = statistics.median(ratios)
    overhead = statistics.median(overheads)
    qps = " ".join(f"{n}_qps@0.95={q:.0f}" for n, q in at95.items())
    print(f"faiss-jni: batch_qps_ratio_vs_python={ratio:.3f} (min {min(ratios):.3f}, "
          f"{len(ratios)} settings) single_query_overhead_us={overhead:.2f} {qps} "
          f"targets={'met' if ratio >= 0.95 and overhead <= 20 else 'MISSED'}")


if __name__ == "__main__":
    main()
