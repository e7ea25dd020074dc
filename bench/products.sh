#!/usr/bin/env bash
# Products benchmark (issue 21). Region search (buyers' photos; docs/api.md, "Region search"): on the
# demo bundle, through the real service over HTTP (ApiMain.start in the benchmark's JVM, the
# configured model, batching as configured), one query at a time: the composite set
# (dev.prodlens.testkit.ProductScenes: BENCH_SCENES demo products, each pasted into an offline photo
# at 25-60% of the frame, blurred and relit, seeded) and BENCH_COPIES whole catalogue photos (the
# demo's edited copies, each searched with itself excluded; found: another photo of its product),
# each with regions=off and regions=on: recall@1, recall@10 and the latency the client sees (p50,
# p95). The product-matching part (match_1m_s, match_f1) is not built yet: n/a. Prints the CPU
# flags, a table and a last summary line. About 3 minutes on 2 cores.
#
#   bench/products.sh
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

mvn -B -ntp -q -o -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/products.classpath >/dev/null
cp="bench/target/classes:$(cat bench/target/products.classpath)"

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "bundle: $catalogue_dir/$(cat "$catalogue_dir/CURRENT"); model $(conf_get model.id); regions layout $layout"
java -Xms1g -Xmx2g -Djava.awt.headless=true -cp "$cp" \
  -Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  dev.prodlens.bench.products.ProductsBench "$csv" "$scenes" "$copies" "$seed" \
  --conf "$conf" api.port=0 api.host=127.0.0.1 api.reload-interval-ms=3600000 \
  "api.regions.layout=$layout" \
  2> >(grep --line-buffered -v -E "^WARNING|SLF4J" >&2)
