#!/usr/bin/env python3
"""Prints bench/spark.sh's table and its one-line summary from results.jsonl."""
import json
import sys

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
# the latest row of each kind: BENCH_APPEND=1 runs add rows to an earlier run's
embed = next((r for r in reversed(rows) if r["mode"] == "embed"), None)
builds = sorted({r["vectors"]: r for r in rows if r["mode"] == "build"}.values(), key=lambda r: r["vectors"])
SEED_QDRANT_100K_S = 360.0  # the seed project: 100,000 points into Qdrant took 6 minutes

print()
if embed:
    print(f"embed, {embed['images']:,} real images, {embed['threads']} threads (medians of {len(embed['spark_img_s'])} alternating runs)")
    print(f"  {'path':<34}{'img/s':>10}")
    print(f"  {'Spark embed job (local mode)':<34}{embed['spark_median']:>10.1f}   runs {embed['spark_img_s']}")
    print(f"  {'plain Java loop, same Embedder':<34}{embed['plain_median']:>10.1f}   runs {embed['plain_img_s']}")
    print(f"  Spark overhead: {embed['overhead_pct']:.1f}% (limit 15%)")
    print(f"  build-index of it: {embed['factory']} in {embed['build_s']:.1f} s; evaluate {embed['eval_queries']:,} queries in "
          f"{embed['eval_s']:.1f} s: recall@10 exact {embed['exact_recall10']:.3f} / index {embed['ann_recall10']:.3f}, "
          f"mAP@R {embed['exact_map_r']:.3f}, Shopee F1 {embed['shopee_f1']:.3f}")
if builds:
    print()
    print(f"  {'vectors':>10} {'dim':>5}  {'index':<16}{'build s':>9}{'recall@10':>11}  {'search':<18}{'index MB':>10}{'peak RSS MB':>13}")
    for b in builds:
        print(f"  {b['vectors']:>10,} {b['dim']:>5}  {b['factory']:<16}{b['build_s']:>9.1f}{b['recall10']:>11.3f}  "
              f"{b['search']:<18}{b['index_mb']:>10.0f}{b['peak_rss_mb']:>13.0f}")
    b100k = next((b for b in builds if b["vectors"] == 100_000), None)
    if b100k:
        print(f"  seed: 100,000 points into Qdrant took {SEED_QDRANT_100K_S:.0f} s; build-index of 100k here: "
              f"{b100k['build_s']:.1f} s ({SEED_QDRANT_100K_S / b100k['build_s']:.1f}x faster)")
adapts = sorted({r["vectors"]: r for r in rows if r["mode"] == "adapt"}.values(), key=lambda r: r["vectors"])
if adapts:
    print()
    print("adapt stage (adapt.method=auto) vs build-index of the model's vectors, same vectors, same JVM")
    print(f"  {'vectors':>10} {'dim':>5}  {'adapt s':>9}{'build-index s':>15}{'ratio':>8}  {'chosen':<24}{'peak RSS MB':>13}")
    for a in adapts:
        print(f"  {a['vectors']:>10,} {a['dim']:>5}  {a['adapt_s']:>9.1f}{a['build_s']:>15.1f}{a['adapt_s'] / a['build_s']:>8.2f}  "
              f"{a['chosen']:<24}{a['peak_rss_mb']:>13.0f}")
b1m = next((b for b in builds if b["vectors"] == 1_000_000), None)
print()
print("spark: embed_img_s={} plain_loop_img_s={} overhead_pct={} build_1m_s={} recall10={}".format(
    f"{embed['spark_median']:.1f}" if embed else "NA", f"{embed['plain_median']:.1f}" if embed else "NA",
    f"{embed['overhead_pct']:.1f}" if embed else "NA", f"{b1m['build_s']:.1f}" if b1m else "NA",
    f"{b1m['recall10']:.3f}" if b1m else "NA"))
