"""bench/api.sh's rows and report.

  api_report.py RESULTS [EMBED_RESULTS MODEL_ID]   the table, the goals and the last line
Helpers bench/api.sh calls (each prints one JSON row, except brief and best-on):
  api_report.py meta PHOTOS MODEL VERSION SECONDS WARMUP PEER_WORKERS PEER_THREADS
  api_report.py row KIND CONFIG USERS SECONDS PREFIX START_EPOCH ROUND   (a Locust run: PREFIX.totals.json
                                            from bench/locustfile.py, PREFIX_stats.csv, PREFIX.rss)
  api_report.py probe CONFIG URL PHOTOS N   (each photo once, in sequence: the server's own timing)
  api_report.py brief < row                 (one progress line)
  api_report.py best-on RESULTS             (the batching-on config with the best RPS at c=32)
Only what was measured is printed; anything missing is "n/a". Sweep rows of several rounds (the
configs ran in alternation) are reported as their medians.
"""
import csv
import json
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

CONFIGS = ["off-1", "off-2", "on-1", "on-2", "peer"]
SUFFIXES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
GOAL_C1_FACTOR = 1.3        # p95 at c=1 <= 1.3 x (decode + model + index) of one request
GOAL_C32_VS_OFFLINE = 0.8   # RPS at c=32 >= 0.8 x offline model-only images/s
GOAL_BATCHING_GAIN = 1.5    # batching on / off RPS at c=32
GOAL_RSS_GROWTH = 1.10      # "flat": after the first minute, RSS of the second half <= 1.10 x the first half's
                            # (median and peak)


def photo_paths(root, limit):
    """The photos bench/locustfile.py posts, in the same order."""
    paths = sorted(p for p in Path(root).rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    return paths[:limit]


def label(config, meta=None):
    if config == "peer":
        meta = meta or {}
        return f"peer FastAPI+ORT {meta.get('peer_workers', '?')}w x {meta.get('peer_threads', '?')}t"
    batching, instances = config.split("-")
    return f"ours batching {batching}, {instances} inst"


# --- helpers for bench/api.sh ---------------------------------------------------------------------

def meta(photos, model, version, seconds, warmup, workers, threads):
    from importlib.metadata import version as package_version
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    return {"kind": "meta", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "cpu": cpu,
            "cores": os.cpu_count(), "photos_dir": photos, "photos": len(photo_paths(photos, 1000)),
            "model": model, "bundle_version": version, "seconds": int(seconds), "warmup_seconds": int(warmup),
            "peer_workers": int(workers), "peer_threads": int(threads), "locust": package_version("locust")}


def row(kind, config, users, seconds, prefix, start_epoch, round_number="1"):
    # The totals bench/locustfile.py wrote (complete and exact); Locust's CSV only as a cross-check.
    totals = json.loads(Path(f"{prefix}.totals.json").read_text())
    r = {"kind": kind, "server": "peer" if config == "peer" else "ours", "config": config,
         "round": int(round_number), "concurrency": int(users), "seconds": int(seconds), "requests": totals["requests"],
         "errors": totals["failures"], "rps": totals["rps"], "p50_ms": totals["p50_ms"], "p95_ms": totals["p95_ms"],
         "p99_ms": totals["p99_ms"], "mean_ms": totals["mean_ms"],
         "loadgen_cpu_pct": round(100 * totals["loadgen_cpu_s"] / totals["seconds"], 1)
         if totals.get("loadgen_cpu_s") is not None and totals.get("seconds") else None}
    with open(f"{prefix}_stats.csv", newline="") as f:
        csv_total = next((c for c in csv.DictReader(f) if c["Name"] == "Aggregated"), None)
    if csv_total and int(csv_total["Request Count"]):
        r.update(locust_csv_requests=int(csv_total["Request Count"]), locust_csv_rps=float(csv_total["Requests/s"]),
                 locust_csv_p95_ms=float(csv_total["95%"]))
    samples = [tuple(map(int, line.split())) for line in open(f"{prefix}.rss") if len(line.split()) == 2]
    r["peak_rss_mb"] = round(max(kb for _, kb in samples) / 1024, 1) if samples else None
    if kind == "soak" and samples:
        # A JVM's RSS swings with its heap (G1 commits regions under load and gives them back), by
        # hundreds of MB between two samples, so one sample at the end says little. After the first
        # minute, compare the two halves of the run by their median and their peak: a leak lifts both.
        settled = [kb for t, kb in samples if t > int(start_epoch) + 60] or [kb for _, kb in samples]
        first, second = settled[:len(settled) // 2] or settled, settled[len(settled) // 2:]
        mb = lambda kb: round(kb / 1024, 1)
        r.update(rss_mb_first_median=mb(statistics.median(first)), rss_mb_second_median=mb(statistics.median(second)),
                 rss_mb_first_peak=mb(max(first)), rss_mb_second_peak=mb(max(second)),
                 rss_samples=len(samples), rss_file=f"{prefix}.rss")
    return r


def probe(config, url, photos, limit):
    """Posts each photo once, one at a time, and keeps the server's own timing_ms of each."""
    parts = {k: [] for k in ("decode", "model", "index", "queue", "total", "sum", "round_trip")}
    errors, first_error = 0, None
    for path in photo_paths(photos, int(limit)):
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="photo{path.suffix.lower()}"\r\n'
                f"Content-Type: {SUFFIXES[path.suffix.lower()]}\r\n\r\n").encode() + path.read_bytes() \
            + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(f"{url}/v1/search?k=10", data=body, method="POST",
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                timing = json.load(response)["timing_ms"]
            round_trip = (time.perf_counter() - t0) * 1000
            stages = [float(timing[k]) for k in ("decode", "model", "index")]
        except (urllib.error.URLError, OSError, ValueError, KeyError, TypeError) as e:
            errors += 1
            first_error = first_error or f"{path.name}: {e}"
            continue
        for k in ("decode", "model", "index", "queue", "total"):
            if k in timing:
                parts[k].append(float(timing[k]))
        parts["sum"].append(sum(stages))
        parts["round_trip"].append(round_trip)
    median = lambda v: round(statistics.median(v), 3) if v else None
    ordered = sorted(parts["sum"])
    return {"kind": "single", "server": "peer" if config == "peer" else "ours", "config": config,
            "photos": len(parts["sum"]), "errors": errors, "first_error": first_error,
            **{f"{k}_ms": median(v) for k, v in parts.items()},
            # the spread over the photos, next to the median the c=1 goal is stated against
            "sum_p95_ms": round(ordered[max(0, -(-95 * len(ordered) // 100) - 1)], 3) if ordered else None}


def brief(r):
    if r["kind"] == "single":
        return (f"   {r['config']}: one request at a time over {r['photos']} photos (server's medians): "
                f"decode {fmt(r['decode_ms'], 2)} + model {fmt(r['model_ms'], 2)} + index {fmt(r['index_ms'], 2)} "
                f"= {fmt(r['sum_ms'], 2)} ms; round trip {fmt(r['round_trip_ms'], 2)} ms; errors {r['errors']}"
                + (f" (first: {r['first_error']})" if r.get("first_error") else ""))
    line = (f"   {r['config']} c={r['concurrency']}: {fmt(r['rps'])} RPS, p50/p95/p99 {fmt(r['p50_ms'])}/"
            f"{fmt(r['p95_ms'])}/{fmt(r['p99_ms'])} ms, errors {r['errors']}, peak RSS {fmt(r['peak_rss_mb'], 0)} MB")
    if r["kind"] == "soak":
        line += (f", RSS median/peak after the first minute: first half {fmt(r.get('rss_mb_first_median'), 0)}/"
                 f"{fmt(r.get('rss_mb_first_peak'), 0)} MB, second half {fmt(r.get('rss_mb_second_median'), 0)}/"
                 f"{fmt(r.get('rss_mb_second_peak'), 0)} MB")
    return line


def best_on(rows, at=32):
    """The batching-on config of ours with the most RPS at c=32 (None if none ran)."""
    candidates = [r for r in merge_rounds([r for r in rows if r["kind"] == "sweep"])
                  if r["config"].startswith("on-") and r["concurrency"] == at]
    return max(candidates, key=lambda r: r["rps"])["config"] if candidates else None


# --- the report -----------------------------------------------------------------------------------

def fmt(v, digits=1):
    return "n/a" if v is None else f"{v:.{digits}f}"


def offline_model_only(path, model):
    """Best model-only images/s of MODEL in bench/embed.sh's results, else BENCH_MODEL_IMG_S."""
    best = None
    if path and Path(path).is_file():
        for line in open(path):
            if not line.strip():
                continue
            r = json.loads(line)
            if r.get("model") != model:
                continue
            value = r.get("model_img_s") if r.get("mode") == "pair" else \
                r.get("img_s") if r.get("mode") in ("model", "model-only", "ort-raw") else None
            if value is not None and (best is None or value > best[0]):
                how = f"{r['mode']} {r.get('engine', '?')} batch {r.get('batch')} {r.get('threads')}x{r.get('workers')}"
                best = (float(value), f"bench/embed.sh: {how}")
    if best is None and os.environ.get("BENCH_MODEL_IMG_S"):
        best = (float(os.environ["BENCH_MODEL_IMG_S"]), "BENCH_MODEL_IMG_S")
    return best


def merge_rounds(sweep):
    """One row per config and concurrency: the median over the rounds of RPS and of each latency
    (the configs ran in alternation, so a noisy minute on a shared machine hits them alike rather
    than deciding a comparison), errors and requests summed, the highest peak RSS."""
    groups = {}
    for r in sweep:
        groups.setdefault((r["config"], r["concurrency"]), []).append(r)
    merged = []
    for rounds in groups.values():
        m = dict(rounds[0])
        for key in ("rps", "p50_ms", "p95_ms", "p99_ms", "mean_ms", "loadgen_cpu_pct"):
            values = [x[key] for x in rounds if x.get(key) is not None]
            m[key] = statistics.median(values) if values else None
        m["errors"] = sum(x["errors"] for x in rounds)
        m["requests"] = sum(x["requests"] for x in rounds)
        peaks = [x["peak_rss_mb"] for x in rounds if x.get("peak_rss_mb") is not None]
        m["peak_rss_mb"] = max(peaks) if peaks else None
        m["rounds_rps"] = [x["rps"] for x in rounds]
        merged.append(m)
    return merged


def merge_probes(probes):
    """The one-request-at-a-time probes by config, as the medians over rounds of each figure."""
    groups = {}
    for r in probes:
        groups.setdefault(r["config"], []).append(r)
    merged = {}
    for config, rounds in groups.items():
        m = dict(rounds[-1])
        for key in ("decode_ms", "model_ms", "index_ms", "sum_ms", "sum_p95_ms", "round_trip_ms"):
            values = [x[key] for x in rounds if x.get(key) is not None]
            m[key] = statistics.median(values) if values else None
        m["errors"] = sum(x["errors"] for x in rounds)
        merged[config] = m
    return merged


def verdict(ok):
    return "n/a" if ok is None else "PASS" if ok else "MISS"


def report(path, embed_path=None, model=None):
    rows = [json.loads(line) for line in open(path) if line.strip()]
    meta_row = next((r for r in rows if r["kind"] == "meta"), {})
    model = model or meta_row.get("model")
    sweep = merge_rounds([r for r in rows if r["kind"] == "sweep"])
    rounds = max((len(r["rounds_rps"]) for r in sweep), default=0)
    soak = next((r for r in rows if r["kind"] == "soak"), None)
    single = merge_probes([r for r in rows if r["kind"] == "single"])
    at = lambda config, c: next((r for r in sweep if r["config"] == config and r["concurrency"] == c), None)

    print(f"\nsearch API load test ({meta_row.get('date', '?')}, {meta_row.get('cores', '?')} cores, "
          f"{meta_row.get('cpu', '?')}): model {model}, bundle {meta_row.get('bundle_version', '?')}")
    print(f"Locust {meta_row.get('locust', '?')} (FastHttpUser, closed loop, no think time, on the same cores), "
          f"{meta_row.get('seconds', '?')} s per row after a {meta_row.get('warmup_seconds', '?')} s warm-up, "
          f"{rounds} round(s) of every config in alternation, medians; "
          f"{meta_row.get('photos', '?')} photos from {meta_row.get('photos_dir', '?')}; POST /v1/search?k=10")
    print("peak RSS: VmRSS of the server's processes, summed, sampled every second (MB = MiB); "
          "Locust CPU: its own, in % of one core\n")
    best_cfg = best_on(rows)
    header = (f"{'server config':<34}{'conc':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'RPS':>9}{'errors':>8}"
              f"{'peak RSS MB':>13}{'Locust CPU':>12}")
    print(header)
    print("-" * len(header))
    order = {c: i for i, c in enumerate(CONFIGS)}
    for r in sorted(sweep, key=lambda r: (order.get(r["config"], 99), r["concurrency"])) + ([soak] if soak else []):
        name = label(r["config"], meta_row) + (f" SOAK {r['seconds']} s" if r["kind"] == "soak" else "")
        mark = " *" if r["kind"] == "sweep" and r["config"] == best_cfg else ""
        print(f"{name + mark:<34}{r['concurrency']:>5}{fmt(r['p50_ms']):>9}{fmt(r['p95_ms']):>9}{fmt(r['p99_ms']):>9}"
              f"{fmt(r['rps']):>9}{r['errors']:>8}{fmt(r['peak_rss_mb']):>13}"
              f"{fmt(r.get('loadgen_cpu_pct'), 0) + ' %':>12}")
    print("* ours, batching on, best RPS at c=32: the config of c1_p95_ms in the last line"
          if best_cfg else "* no batching-on config of ours ran at c=32")
    if rounds > 1:
        print("RPS at c=32 in each round: " + "; ".join(
            f"{r['config']} " + "/".join(fmt(v) for v in r["rounds_rps"])
            for r in sorted(sweep, key=lambda r: order.get(r["config"], 99)) if r["concurrency"] == 32))
    for r in single.values():
        print(f"one request at a time ({label(r['config'], meta_row)}, server-reported medians over {r['photos']} photos"
              f"{', median of the rounds' if rounds > 1 else ''}): "
              f"decode {fmt(r['decode_ms'], 2)} + model {fmt(r['model_ms'], 2)} + index {fmt(r['index_ms'], 2)} "
              f"= {fmt(r['sum_ms'], 2)} ms (p95 over the photos {fmt(r.get('sum_p95_ms'), 2)} ms); "
              f"round trip {fmt(r['round_trip_ms'], 2)} ms; errors {r['errors']}"
              + (f" (first: {r['first_error']})" if r.get("first_error") else ""))
    for config, r in single.items():
        # Locust reuses keep-alive connections, the probe opens one per request: a gap near 40 ms
        # is Nagle's algorithm meeting the client's delayed ACK (TCP_NODELAY off on the server).
        c1_row = at(config, 1)
        if c1_row and c1_row["p50_ms"] is not None and r["round_trip_ms"] is not None \
                and c1_row["p50_ms"] - r["round_trip_ms"] > 20:
            print(f"WARNING {label(config, meta_row)}: p50 at c=1 over keep-alive connections {fmt(c1_row['p50_ms'])} ms, "
                  f"{fmt(c1_row['p50_ms'] - r['round_trip_ms'])} ms over one request on a fresh connection: "
                  f"the ~40 ms of Nagle + delayed ACK? (check TCP_NODELAY on the server's accepted sockets)")
    if soak:
        print(f"soak RSS after the first minute ({soak.get('rss_samples', 0)} samples, every 5 s): first half median "
              f"{fmt(soak.get('rss_mb_first_median'))} MB, peak {fmt(soak.get('rss_mb_first_peak'))} MB; second half median "
              f"{fmt(soak.get('rss_mb_second_median'))} MB, peak {fmt(soak.get('rss_mb_second_peak'))} MB")

    # The measured values behind the goals; None where that part did not run.
    ours_c32 = [r for r in sweep if r["server"] == "ours" and r["concurrency"] == 32]
    c32 = max(ours_c32, key=lambda r: r["rps"]) if ours_c32 else None
    c1 = at(best_cfg, 1) if best_cfg else None
    c1_p95 = c1["p95_ms"] if c1 else None
    base = next((single[c] for c in ["off-1", "off-2", "on-1", "on-2"] if c in single and single[c]["sum_ms"]), None)
    on32 = [r for r in ours_c32 if r["config"].startswith("on-")]
    off32 = [r for r in ours_c32 if r["config"].startswith("off-")]
    best_on32 = max(on32, key=lambda r: r["rps"]) if on32 else None
    best_off32 = max(off32, key=lambda r: r["rps"]) if off32 else None
    gain = best_on32["rps"] / best_off32["rps"] if best_on32 and best_off32 and best_off32["rps"] > 0 else None
    ours_rows = [r for r in rows if r.get("server") == "ours" and r["kind"] in ("sweep", "soak", "single")]
    errors = sum(r["errors"] for r in ours_rows) if ours_rows else None
    peer32 = at("peer", 32)
    offline = offline_model_only(embed_path, model)

    print(f"\ngoals (this machine, model {model}):")
    limit = GOAL_C1_FACTOR * base["sum_ms"] if base and base["sum_ms"] else None
    ok = c1_p95 <= limit if c1_p95 is not None and limit else None
    print(f"  p95 at c=1 <= {GOAL_C1_FACTOR} x one request's decode+model+index: {fmt(c1_p95)} ms "
          f"({best_cfg or 'n/a'}) vs {GOAL_C1_FACTOR} x {fmt(base['sum_ms'] if base else None, 2)} = {fmt(limit)} ms "
          f"({base['config'] if base else 'n/a'})  {verdict(ok)}")
    off1 = at("off-1", 1)
    if off1:
        print(f"      (batching off, 1 instance: p95 at c=1 {fmt(off1['p95_ms'])} ms)")
    need = GOAL_C32_VS_OFFLINE * offline[0] if offline else None
    ok = c32["rps"] >= need if c32 and need else None
    print(f"  RPS at c=32 >= {GOAL_C32_VS_OFFLINE} x offline model-only: {fmt(c32['rps'] if c32 else None)} "
          f"({c32['config'] if c32 else 'n/a'}) vs {GOAL_C32_VS_OFFLINE} x {fmt(offline[0] if offline else None)} "
          f"= {fmt(need)} ({offline[1] if offline else 'no bench/out/embed/results.jsonl, no BENCH_MODEL_IMG_S'})  {verdict(ok)}")
    cores = meta_row.get("cores")
    if base and base["sum_ms"] and isinstance(cores, int) and cores > 0:
        # What the CPU can do at all on these photos: every search is decoded, embedded and searched
        # on these cores, one request's stages taking the probe's median time; no HTTP, no load generator.
        ceiling = cores * 1000.0 / base["sum_ms"]
        print(f"      (compute ceiling for these photos: {cores} cores x 1000 / {fmt(base['sum_ms'], 2)} ms "
              f"(decode+model+index) = {fmt(ceiling)} req/s; ours at c=32 is {fmt(c32['rps'] / ceiling if c32 else None, 2)}"
              f" of it" + (f", the goal {fmt(need / ceiling, 2)}" if need else "") + ")")
    ok = gain >= GOAL_BATCHING_GAIN if gain is not None else None
    print(f"  batching >= {GOAL_BATCHING_GAIN}x RPS at c=32: {fmt(best_on32['rps'] if best_on32 else None)} "
          f"({best_on32['config'] if best_on32 else 'n/a'}) / {fmt(best_off32['rps'] if best_off32 else None)} "
          f"({best_off32['config'] if best_off32 else 'n/a'}) = {fmt(gain, 2)}  {verdict(ok)}")
    if soak and soak.get("rss_mb_first_median"):
        growth = soak["rss_mb_second_median"] / soak["rss_mb_first_median"]
        peak_growth = soak["rss_mb_second_peak"] / soak["rss_mb_first_peak"]
        ok = soak["errors"] == 0 and growth <= GOAL_RSS_GROWTH and peak_growth <= GOAL_RSS_GROWTH
        print(f"  soak ({soak['config']}, c=32, {soak['seconds']} s): zero errors and RSS of the second half <= "
              f"{GOAL_RSS_GROWTH} x the first's (median, peak): errors {soak['errors']}, median {fmt(soak['rss_mb_first_median'])}"
              f" -> {fmt(soak['rss_mb_second_median'])} MB ({growth:.2f}x), peak {fmt(soak['rss_mb_first_peak'])} -> "
              f"{fmt(soak['rss_mb_second_peak'])} MB ({peak_growth:.2f}x)  {verdict(ok)}")
    else:
        print("  soak: zero errors and flat RSS at c=32: not run  n/a")
    if peer32:
        ratio = c32["rps"] / peer32["rps"] if c32 and peer32["rps"] > 0 else None
        print(f"  (peer at c=32: {fmt(peer32['rps'])} RPS, p95 {fmt(peer32['p95_ms'])} ms; ours best / peer = {fmt(ratio, 2)})")

    print(f"\napi: c1_p95_ms={fmt(c1_p95)} c32_rps={fmt(c32['rps'] if c32 else None)} batching_gain={fmt(gain, 2)} "
          f"errors={'n/a' if errors is None else errors} peer_c32_rps={fmt(peer32['rps'] if peer32 else None)}")


def main(argv):
    command = argv[1] if len(argv) > 1 else ""
    if command == "meta":
        print(json.dumps(meta(*argv[2:9])))
    elif command == "row":
        print(json.dumps(row(*argv[2:9])))
    elif command == "probe":
        print(json.dumps(probe(*argv[2:6])))
    elif command == "brief":
        print(brief(json.loads(sys.stdin.readline())), flush=True)
    elif command == "best-on":
        print(best_on([json.loads(line) for line in open(argv[2]) if line.strip()]) or "")
    elif command and Path(command).is_file():
        report(command, *argv[2:4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
