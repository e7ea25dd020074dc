"""Joins the results of bench/faiss.sh into one table and a last summary line.

Every engine searched the same index: java-avx2 (the binding with AVX2 kernels, which built it
when the CPU has AVX2), java (the binding on Debian's generic kernels) and python (python3-faiss,
generic). Settings are picked by the builder's recall; all engines' QPS are shown at that setting.

usage: faiss_report.py OUT_DIR NAME...
"""
import json
import os
import statistics
import sys

TARGETS = (0.90, 0.95, 0.99)
ENGINES = ("java-avx2", "java", "python")


def load(out_dir, name):
    results = {}
    for engine in ENGINES:
        path = os.path.join(out_dir, f"{name}.{engine}.jsonl")
        if os.path.exists(path):
            with open(path) as f:
                records = [json.loads(line) for line in f]
            if one(records, "overhead"):  # a complete run
                results[engine] = records
    return results


def one(records, kind):
    return next((r for r in records if r["kind"] == kind), None)


def batch(records):
    return {r["params"]: r for r in records if r["kind"] == "batch"}


def print_table(header, rows):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def main():
    out_dir, names = sys.argv[1], sys.argv[2:]
    ratios, overheads, avx2_gains, at95 = [], [], [], []
    rows = []
    for name in names:
        res = load(out_dir, name)
        builder = next(e for e in ENGINES if e in res and one(res[e], "build"))
        build = one(res[builder], "build")
        print(f"\n{name}: {build['factory']} on {build['n']} x {build['d']}, built by {builder} in "
              f"{build['build_s']:.1f} s (train {build['train_s']:.1f} s), memory "
              f"{build['memory_bytes'] / 2**20:.0f} MiB, file {build['file_bytes'] / 2**20:.0f} MiB")
        for engine, records in res.items():
            single, over = one(records, "single"), one(records, "overhead")
            print(f"  {engine:9} single query, 1 thread, {single['params']}: p50 {single['p50_us']:.1f} us,"
                  f" p99 {single['p99_us']:.1f} us; per-call cost (16-vector flat index) p50 "
                  f"{over['p50_us']:.2f} us")
        tables = {e: batch(r) for e, r in res.items()}
        if "java" in tables and "python" in tables:
            ratios += [r["qps"] / tables["python"][p]["qps"] for p, r in tables["java"].items()]
            overheads.append(one(res["java"], "overhead")["p50_us"]
                             - one(res["python"], "overhead")["p50_us"])
        for target in TARGETS:
            reaching = [r for r in tables[builder].values() if r["recall"] >= target]
            if not reaching:
                best = max(tables[builder].values(), key=lambda r: r["recall"])
                rows.append([name, f">={target:.2f}", f"not reached (best {best['recall']:.4f})"]
                            + [""] * 6)
                continue
            setting = max(reaching, key=lambda r: r["qps"])["params"]
            qps = {e: t[setting]["qps"] for e, t in tables.items()}
            row = [name, f">={target:.2f}", setting, f"{tables[builder][setting]['recall']:.4f}"]
            row += [f"{qps[e]:.0f}" if e in qps else "-" for e in ENGINES]
            row.append(f"{qps['java'] / qps['python']:.3f}" if "java" in qps and "python" in qps else "-")
            row.append(f"{qps['java-avx2'] / qps['python']:.2f}"
                       if "java-avx2" in qps and "python" in qps else "-")
            if target == 0.95:
                at95.append(f"{name}_qps@0.95={qps[builder]:.0f}")
                if "java-avx2" in qps and "python" in qps:
                    avx2_gains.append(qps["java-avx2"] / qps["python"])
            rows.append(row)

    print()
    print_table(("index", "recall@10", "setting", "recall", "java-avx2 qps", "java qps",
                 "python qps", "java/python", "avx2/python"), rows)

    parts = []
    if ratios:
        parts.append(f"batch_qps_ratio_vs_python={statistics.median(ratios):.3f} "
                     f"(min {min(ratios):.3f}, {len(ratios)} settings)")
        parts.append(f"single_query_overhead_us={statistics.median(overheads):.2f}")
    if avx2_gains:
        parts.append(f"avx2_vs_python_qps@0.95={statistics.median(avx2_gains):.2f}x")
    parts += at95
    if ratios:
        met = statistics.median(ratios) >= 0.95 and statistics.median(overheads) <= 20
        parts.append(f"targets={'met' if met else 'MISSED'}")
    print("faiss-jni: " + " ".join(parts))


if __name__ == "__main__":
    main()
