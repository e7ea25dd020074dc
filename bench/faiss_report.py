"""Joins the results of bench/faiss.sh into one table and a last summary line.

Engines: java (the binding on Debian's generic kernels), python (python3-faiss on java's index),
java-avx2 (the binding with AVX2 kernels, its own build). Any engine may be missing.

usage: faiss_report.py OUT_DIR NAME...
"""
import json
import os
import statistics
import sys

TARGETS = (0.90, 0.95, 0.99)
ENGINES = ("java", "python", "java-avx2")


def load(out_dir, name):
    results = {}
    for engine in ENGINES:
        path = os.path.join(out_dir, f"{name}.{engine}.jsonl")
        if os.path.exists(path):
            with open(path) as f:
                results[engine] = [json.loads(line) for line in f]
    return results


def one(records, kind):
    return next((r for r in records if r["kind"] == kind), None)


def fastest_reaching(records, target):
    """The batch setting with the highest QPS among those reaching the recall target."""
    reaching = [r for r in records if r["kind"] == "batch" and r["recall"] >= target]
    return max(reaching, key=lambda r: r["qps"]) if reaching else None


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def main():
    out_dir, names = sys.argv[1], sys.argv[2:]
    ratios, overheads, avx2_gains, avx2_builds, summary_qps = [], [], [], [], []
    rows = []
    for name in names:
        res = load(out_dir, name)
        java, python, avx2 = (res.get(e, []) for e in ENGINES)
        print(f"\n{name}:")
        for engine, records in res.items():
            build = one(records, "build")
            if build:
                print(f"  {engine:9} build {build['factory']} on {build['n']} x {build['d']}: "
                      f"{build['build_s']:.1f} s (train {build['train_s']:.1f} s), memory "
                      f"{build['memory_bytes'] / 2**20:.0f} MiB, file {build['file_bytes'] / 2**20:.0f} MiB")
        for engine, records in res.items():
            single, over = one(records, "single"), one(records, "overhead")
            print(f"  {engine:9} single query, 1 thread, {single['params']}: p50 {single['p50_us']:.1f} us, "
                  f"p99 {single['p99_us']:.1f} us; per-call cost (16-vector flat) p50 {over['p50_us']:.2f} us")
        if java and python:
            py_batch = {r["params"]: r for r in python if r["kind"] == "batch"}
            ratios += [r["qps"] / py_batch[r["params"]]["qps"] for r in java if r["kind"] == "batch"]
            overheads.append(one(java, "overhead")["p50_us"] - one(python, "overhead")["p50_us"])
        for target in TARGETS:
            row = [name, f">={target:.2f}"]
            best = fastest_reaching(java, target) if java else None
            if best:
                py = next((r for r in python if r.get("params") == best["params"]
                           and r["kind"] == "batch"), None)
                row += [best["params"], f"{best['recall']:.4f}", f"{best['qps']:.0f}",
                        f"{py['qps']:.0f}" if py else "-",
                        f"{best['qps'] / py['qps']:.3f}" if py else "-"]
            else:
                row += ["not reached", "", "", "", ""]
            fast = fastest_reaching(avx2, target) if avx2 else None
            if fast:
                row += [fast["params"], f"{fast['recall']:.4f}", f"{fast['qps']:.0f}",
                        f"{fast['qps'] / best['qps']:.2f}" if best else "-"]
                if best and target == 0.95:
                    avx2_gains.append(fast["qps"] / best["qps"])
            else:
                row += ["-" if not avx2 else "not reached", "", "", ""]
            if target == 0.95 and (fast or best):
                summary_qps.append(f"{name}_qps@0.95={(fast or best)['qps']:.0f}")
            rows.append(row)
        if java and avx2:
            avx2_builds.append(one(java, "build")["build_s"] / one(avx2, "build")["build_s"])

    print()
    print_table(("index", "recall@10", "java setting", "recall", "java qps", "python qps",
                 "java/python", "avx2 setting", "recall", "avx2 qps", "avx2/java"), rows)

    parts = []
    if ratios:
        parts.append(f"batch_qps_ratio_vs_python={statistics.median(ratios):.3f} "
                     f"(min {min(ratios):.3f}, {len(ratios)} settings)")
        parts.append(f"single_query_overhead_us={statistics.median(overheads):.2f}")
    if avx2_gains:
        parts.append(f"avx2_qps_gain@0.95={statistics.median(avx2_gains):.2f}x")
    if avx2_builds:
        parts.append(f"avx2_build_gain={statistics.median(avx2_builds):.2f}x")
    parts += summary_qps
    if ratios:
        met = statistics.median(ratios) >= 0.95 and statistics.median(overheads) <= 20
        parts.append(f"targets={'met' if met else 'MISSED'}")
    print("faiss-jni: " + " ".join(parts))


if __name__ == "__main__":
    main()
