#!/usr/bin/env bash
# Products benchmark (issue 21). Region search (buyers' photos; docs/api.md, "Region search"): on the
# demo bundle, through the real service over HTTP (ApiMain.start in the benchmark's JVM, the
# configured model, batching as configured), one query at a time: the composite set
# (dev.prodlens.testkit.ProductScenes: BENCH_SCENES demo products, each pasted into an offline photo
# at 25-60% of the frame, blurred and relit, seeded) and BENCH_COPIES whole catalogue photos (the
# demo's edited copies, each searched with itself excluded; found: another photo of its product),
# each with regions=off and regions=on: recall@1, recall@10 and the latency the client sees (p50,
# p95).
# Duplicate listings (docs/match.md): the match job on BENCH_MATCH_SIZES synthetic vectors (bench/spark.sh's
# clustered set, shared with bench/build.sh; build-index first, timed apart), and on the labelled
# sample: the demo catalogue's live bundle (its products' edited copies are its label groups), whose
# held-out Shopee F1 is match_f1. Prints the CPU flags, tables and a last summary line:
#   products: match_1m_s=<t> match_f1=<f> scene_recall10_whole=<a> scene_recall10_regions=<b> regions_p95_ms=<c>
# About 15 minutes on 2 cores with the 1M set made (making it: 10 more).
#
#   bench/products.sh
#   BENCH_MATCH_SIZES=100000            # match on 100k only (default "100000 1000000"; empty: none)
#   BENCH_SCENES=300 BENCH_COPIES=300 BENCH_SEED=21
#   BENCH_REGIONS_LAYOUT=0.75:2,0.5:3   # another api.regions.layout to compare
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "error: $*" >&2; exit 1; }
conf=conf/prodlens.properties
conf_get() { scripts/config.sh --conf "$conf" "$1"; }

scenes=${BENCH_SCENES:-300}
copies=${BENCH_COPIES:-300}
seed=${BENCH_SEED:-21}
layout=${BENCH_REGIONS_LAYOUT:-$(conf_get api.regions.layout)}

catalogue_dir=$(conf_get bundles.dir)/$(conf_get catalogue.name)
[ -f "$catalogue_dir/CURRENT" ] || die "no bundle ($catalogue_dir/CURRENT): build the demo first (make demo)"
csv=$(conf_get catalogue.path)
[ -f "$csv" ] || die "no catalogue $csv: build the demo first (make demo)"

source bench/lib.sh
bench_setup default
cp=$BENCH_CP
out=bench/out/products
mkdir -p "$out"

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"

# --- duplicate listings: the match job ---
matches="$out/match.jsonl"
: >"$matches"
opens=$(tr '\n' ' ' < spark-jobs/target/launcher/jvm-options)
for n in ${BENCH_MATCH_SIZES-100000 1000000}; do
  echo "== match on $n synthetic vectors (build-index first)"
  java -Xmx${BENCH_DRIVER_MEMORY:-4g} $opens -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Djava.awt.headless=true -cp "$cp" \
    dev.prodlens.bench.spark.SparkBench match bench/.cache/spark/build "$n" "$matches" 2>&1 \
    | grep --line-buffered -v -E "CUDA is not supported|^WARNING|SLF4J" | grep --line-buffered -E "^(match|build-index|\{)" || true
done
echo "== match on the labelled sample: the demo catalogue's live bundle"
rm -rf "$out/match-demo"
SPARK_LOCAL_IP=127.0.0.1 bin/prodlens-jobs --conf spark.log.level=WARN match --conf "$conf" \
  "match.output=$out/match-demo" 2>&1 | grep -E "^match" || die "the match job failed on the demo bundle"
demo_summary=$(ls "$out"/match-demo/*/duplicates/summary.json)
/usr/bin/python3 - "$matches" "$demo_summary" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
demo = json.load(open(sys.argv[2]))
print(f"{'set':<22}{'listings':>10}{'index':>22}{'build s':>9}{'match s':>9}{'threshold':>10}{'F1 held-out':>12}{'groups':>9}")
for r in rows:
    print(f"{'synthetic':<22}{r['vectors']:>10,}{r['factory']:>22}{r['build_s']:>9.1f}{r['match_s']:>9.1f}{r['threshold']:>10.2f}{r['f1_held_out']:>12.3f}{r['groups']:>9,}")
print(f"{'demo (labelled sample)':<22}{demo['listings']:>10,}{'(its bundle)':>22}{'':>9}{demo['seconds']:>9.1f}{demo['threshold']:>10.2f}{demo.get('f1_held_out', float('nan')):>12.3f}{demo['groups']:>9,}")
PY
match_1m=$(/usr/bin/python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if l.strip() and json.loads(l)['vectors']==1000000]; print(f\"{r[-1]['match_s']:.1f}\" if r else 'n/a')" "$matches")
match_f1=$(/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(f\"{d['f1_held_out']:.3f}\" if 'f1_held_out' in d else 'n/a')" "$demo_summary")

# --- region search: buyers' photos ---
echo "bundle: $catalogue_dir/$(cat "$catalogue_dir/CURRENT"); model $(conf_get model.id); regions layout $layout"
java -Xms1g -Xmx2g -Djava.awt.headless=true -cp "$cp" \
  -Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  dev.prodlens.bench.products.ProductsBench "$csv" "$scenes" "$copies" "$seed" \
  --conf "$conf" api.port=0 api.host=127.0.0.1 api.reload-interval-ms=3600000 \
  "api.regions.layout=$layout" \
  2> >(grep --line-buffered -v -E "^WARNING|SLF4J" >&2) | tee "$out/regions.txt"
regions=$(sed -n 's/^regions: //p' "$out/regions.txt" | tail -1)
echo "products: match_1m_s=$match_1m match_f1=$match_f1 $regions"
