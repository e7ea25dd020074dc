#!/usr/bin/env python3
"""Prints bench/build.sh's table and last line from results.jsonl and build-index's logs.

usage: build_report.py RESULTS_JSONL OUT_DIR
"""
import glob
import json
import os
import re
import statistics
import sys

STAGES = ("load", "train", "add", "tune")


def stages(out, label, n):
    """build-index's stage seconds per round, from its Progress lines ('build-index add: … in 12.3 s')."""
    runs = []
    for log in sorted(glob.glob(os.path.join(out, f"build-index-{label}-{n}-*.log"))):
        text = open(log).read()
        runs.append({s: float(m.group(1)) for s in STAGES
                     if (m := re.search(rf"^build-index {s}: .* in ([0-9.]+) s", text, re.M))})
    return {s: statistics.median(r[s] for r in runs if s in r) for s in STAGES if any(s in r for r in runs)}


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip().startswith("{")]
    out = sys.argv[2]
    sizes = sorted({r["vectors"] for r in rows})
    summary = {}
    bounds = []
    print()
    print(f"  {'vectors':>10}  {'tool':<32}{'index':<28}{'build s':>9}{'runs':>18}{'recall@10':>11}{'peak RSS GB':>13}")
    for n in sizes:
        tools = {}
        for r in rows:
            if r["vectors"] != n:
                continue
            name = (f"prodlens build-index{' (baseline)' if r.get('label') else ''}" if r.get("mode") == "build"
                    else f"{r['tool']} {r['version']}")
            detail = (f"{r['factory']} {r['search']}" if r.get("mode") == "build"
                      else r.get("detail", "(stopped)"))
            tools.setdefault(name, {"detail": detail, "s": [], "recall": [], "rss": [], "stopped": []})
            if "timed_out_s" in r:  # stopped by bench/build.sh: slower than this, nothing measured
                tools[name]["stopped"].append(r["timed_out_s"])
                continue
            tools[name]["s"].append(r["build_s"])
            tools[name]["recall"].append(r["recall10"])
            tools[name]["rss"].append(r["peak_rss_mb"] / 1024)
        for name, t in tools.items():
            if t["stopped"]:  # any run stopped: the median is beyond the time limit
                t["median"], t["over"] = None, min(t["stopped"])
                print(f"  {n:>10,}  {name:<32}{t['detail'][:27]:<28}{'>' + str(t['over']):>9}"
                      f"{str(t['s'] + ['stopped'] * len(t['stopped']))[:17]:>18}{'n/a':>11}{'n/a':>13}")
                continue
            t["median"] = statistics.median(t["s"])
            print(f"  {n:>10,}  {name:<32}{t['detail'][:27]:<28}{t['median']:>9.1f}{str(t['s'])[:17]:>18}"
                  f"{statistics.median(t['recall']):>11.3f}{max(t['rss']):>13.1f}")
        ours = tools.get("prodlens build-index")
        for r in rows:
            if r["vectors"] == n and r.get("mode") == "build" and "heap_max_mb" in r:
                # docs/operations.md: the driver's bound in local mode, and the target
                bound = r["heap_max_mb"] + 2 * r["index_mb"] + 1024
                target = 2.5 * (r["index_mb"] + n * r["dim"] * 4 / 2**20)
                ok = r["peak_rss_mb"] <= bound
                bounds.append(ok)
                print(f"  {'':>10}  build-index{' (baseline)' if r.get('label') else ''}: peak RSS "
                      f"{r['peak_rss_mb'] / 1024:.1f} GB, bound heap {r['heap_max_mb'] / 1024:.1f} + 2 x index "
                      f"{r['index_mb'] / 1024:.2f} + 1 = {bound / 1024:.1f} GB: {'within' if ok else 'OVER'}; "
                      f"target 2.5 x (index + vectors) = {target / 1024:.1f} GB")
        for label in ("baseline", "current"):
            if st := stages(out, label, n):
                print(f"  {'':>10}  build-index ({label}) by stage, medians: "
                      + ", ".join(f"{s} {v:.1f} s" for s, v in st.items()))
        peer = lambda prefix: next((t for k, t in tools.items() if k.startswith(prefix)), None)
        summary[n] = (ours, peer("faiss-cpu"), peer("autofaiss"))
    fmt = lambda v, f="{:.1f}": f.format(v) if v is not None else "n/a"
    ours100, faiss100, _ = summary.get(100_000, (None, None, None))
    ours1m, _, auto1m = summary.get(1_000_000, (None, None, None))
    x = ours100 and ours100["median"]
    y = faiss100 and faiss100["median"]
    a = ours1m and ours1m["median"]
    b = auto1m and auto1m["median"]
    over = auto1m and auto1m.get("over")  # autofaiss stopped: a bound, not a time
    recall = (ours1m or ours100) and statistics.median((ours1m or ours100)["recall"])
    print()
    print(f"build: n100k_s={fmt(x)} faiss_cpu_100k_s={fmt(y)} ratio_100k={fmt(x / y if x and y else None, '{:.2f}')} "
          f"n1m_s={fmt(a)} "
          + (f"autofaiss_1m_s=>{over} ratio_1m=<{fmt(a / over if a else None, '{:.2f}')} " if over else
             f"autofaiss_1m_s={fmt(b)} ratio_1m={fmt(a / b if a and b else None, '{:.2f}')} ")
          + f"peak_rss_1m_gb={fmt(ours1m and max(ours1m['rss']))} recall10={fmt(recall, '{:.3f}')} "
          f"rss_within_bound={'n/a' if not bounds else 'yes' if all(bounds) else 'no'}")


if __name__ == "__main__":
    main()
