#!/usr/bin/env bash
# The live catalogue's benchmark (issue 17; docs/live.md): item writes through the real service over
# HTTP (ApiMain.start in the benchmark's JVM, the configured model, batching as configured), on
# bundles made from the demo bundle's items and vectors: an exact Flat and an HNSW32,Flat index
# (efSearch=64) over the same base items, each with the local update log (fsync) and with Kafka (one
# KRaft broker started in the same JVM, acks=all), side by side in one run. Per configuration:
# sustained upserts/s with embedding (PUT with the photo, BENCH_LIVE_WRITERS client threads) and
# metadata-only changes (PATCH), ack p50/p99 and the share answered visible=true; time from the 200
# to visible, seen from outside (search by the photo, top 10 / GET /v1/items/{id}, polled); search
# p95 at concurrency 8 while writing at half the sustained upsert rate, as a ratio to idle (same
# queries); recall@10 of the live index (base + 20% added through the API) against a fresh bundle
# of the same type over the same items and vectors, on held-out photos; lost = acknowledged writes
# missing after a restart. Prints the CPU flags, the counts, a table and a last summary line
# (the Flat/local row). About 8 to 9 minutes on 2 cores (3 rounds; BENCH_LIVE_ROUNDS=1: about 3).
#
#   bench/live.sh
#   BENCH_LIVE_BASE=2000 BENCH_LIVE_QUERIES=200 BENCH_LIVE_WRITERS=4 BENCH_LIVE_PATCHES=600
#   BENCH_LIVE_SEARCH_SECONDS=8 BENCH_LIVE_ROUNDS=3 (the configurations alternate; medians)
#   BENCH_LIVE_BUNDLE=dir   # a sealed bundle version to take items and vectors from
#                           # (default: the configured catalogue's CURRENT, the demo bundle)
#   BENCH_LIVE_IMAGES=dir   # what its image references are relative to (default: the images root)
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "error: $*" >&2; exit 1; }
conf=conf/prodlens.properties
conf_get() { scripts/config.sh --conf "$conf" "$1"; }

base=${BENCH_LIVE_BASE:-2000}
queries=${BENCH_LIVE_QUERIES:-200}
writers=${BENCH_LIVE_WRITERS:-4}
patches=${BENCH_LIVE_PATCHES:-600}
search_seconds=${BENCH_LIVE_SEARCH_SECONDS:-8}
rounds=${BENCH_LIVE_ROUNDS:-3}
work=bench/.cache/live

catalogue_dir=$(conf_get bundles.dir)/$(conf_get catalogue.name)
if [ -n "${BENCH_LIVE_BUNDLE:-}" ]; then
  bundle=$BENCH_LIVE_BUNDLE
else
  [ -f "$catalogue_dir/CURRENT" ] || die "no bundle ($catalogue_dir/CURRENT): build the demo first (make demo)"
  bundle=$catalogue_dir/$(cat "$catalogue_dir/CURRENT")
fi
if [ -n "${BENCH_LIVE_IMAGES:-}" ]; then
  images=$BENCH_LIVE_IMAGES
else
  images=$(conf_get catalogue.images-root)
  [ -n "$images" ] || images=$(dirname "$(conf_get catalogue.path)")
fi
[ -d "$images" ] || die "no images root $images for $bundle"

mvn -B -ntp -q -o -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/live.classpath >/dev/null
cp="bench/target/classes:$(cat bench/target/live.classpath)"

rm -rf "$work"
mkdir -p "$work/tmp"
trap 'rm -rf "$work"' EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "disk: $(df -h --output=source,fstype,size,avail,target "$work" | tail -1)"
java -Xms2g -Xmx3g -XX:G1HeapRegionSize=4m -Djava.awt.headless=true -cp "$cp" -Djava.io.tmpdir="$PWD/$work/tmp" \
  -Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient=error \
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.controller=error \
  dev.prodlens.bench.live.LiveBench "$work" "$bundle" "$images" "$conf" "$(conf_get model.dir)" \
  "$base" "$queries" "$writers" "$patches" "$search_seconds" "$rounds" \
  2> >(grep --line-buffered -v -E "^WARNING|SLF4J" >&2) |
  grep --line-buffered -v -E "^(Bootstrap|Formatting) metadata"  # the test kit's format step
