#!/usr/bin/env bash
# Faiss binding benchmark: our Java binding (Faiss 1.12.0) against Debian's python3-faiss (1.7.3)
# on the same index files, queries and settings, in the same run. Prints a table and a last
# summary line. Datasets are generated once into bench/.cache; results go to bench/out/faiss.
#
# Each index is built once, by the binding's AVX2 build on AVX2 machines (java-avx2), and then
# searched by every engine: "java-avx2", "java" (the binding forced onto Faiss's generic build,
# compiled for the x86-64 baseline as Debian's python3-faiss is; since the binding moved to Faiss
# 1.12.0, java vs python also compares two Faiss versions) and "python" (python3-faiss).
#
#   bench/faiss.sh                    # 1,000,000 x 256 and 100,000 x 1,280
#   BENCH_SCALE=0.1 bench/faiss.sh    # a tenth of the rows, for a quick look
#   BENCH_REPEATS=5                   # timed runs per setting (median), after one warm-up
#   BENCH_ONLY="big-hnsw32 ..."       # a subset of the indexes below
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
scripts/install-deps.sh bench
mvn -B -ntp -q install -DskipTests

scale=${BENCH_SCALE:-1}
rows() { python3 -c "print(max(1000, int($1 * $scale)))"; }
cache=bench/.cache
out=bench/out/faiss
mkdir -p "$out"

# Python: Debian's interpreter and python3-faiss, with the OpenMP build of OpenBLAS that our .so
# links (the default pthread OpenBLAS oversubscribes the cores next to Faiss's OpenMP; see
# search-core/src/main/native/Makefile), so both sides run the same BLAS.
py() { LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 "$@"; }
java_cp="bench/target/classes:search-core/target/search-core-0.1.0-SNAPSHOT.jar"
java_bench() {  # SIMD [JVM OPTIONS] -- build|search DATA NAME FACTORY TRAIN AXES...
  local simd=$1 jvm=(); shift
  while [ "$1" != -- ]; do jvm+=("$1"); shift; done; shift
  java -Xmx4g "${jvm[@]}" -Dprodlens.faiss.simd="$simd" -cp "$java_cp" \
    dev.prodlens.bench.faiss.FaissBench "$1" "$2" "$out" "$3" "$4" "$5" "${@:6}"
}
builder=java; builder_simd=generic
if grep -qw avx2 /proc/cpuinfo; then builder=java-avx2; builder_simd=avx2; fi

big="$cache/lowrank-$(rows 1000000)x256"
wide="$cache/lowrank-$(rows 100000)x1280"
py bench/faiss_data.py "$big" "$(rows 1000000)" 256 1000
py bench/faiss_data.py "$wide" "$(rows 100000)" 1280 1000

# name | dataset | factory | build parameters | training rows | sweep axes
# PQ sub-vectors of 4 or 8 dimensions (PQ64 on 256-d, PQ160 on 1280-d): Faiss 1.7.3's AVX2 kernels
# have fast paths for 1, 2, 4, 8 and 12; other lengths with a tail (PQ128 on 1280-d: 10) run
# slower than the generic scalar loop (see README).
indexes=(
  "big-hnsw32|$big|HNSW32||0|efSearch=16/24/32/48/64/96/128/192/256/384/512"
  "big-hnsw32-efc128|$big|HNSW32|efConstruction=128|0|efSearch=16/24/32/48/64/96/128/192/256/384/512"
  "big-ivfpq|$big|IVF1024,PQ64np,RFlat||100000|nprobe=2/4/8/16/32 k_factor_rf=1/2/4/8/16/32"
  "wide-hnsw32|$wide|HNSW32||0|efSearch=16/24/32/48/64/96/128/192/256/384/512"
  "wide-ivfpq|$wide|IVF256,PQ160np,RFlat||50000|nprobe=2/4/8/16/32 k_factor_rf=1/2/4/8/16/32"
)
for spec in "${indexes[@]}"; do
  IFS='|' read -r name data factory build_params train axes <<<"$spec"
  if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then continue; fi
  echo "== $name: $factory $build_params on $data ($(date -u +%H:%M:%S))" >&2
  rm -f "$out/$name".*.jsonl
  # shellcheck disable=SC2086  # axes are separate arguments
  java_bench "$builder_simd" -Dbench.buildParams="$build_params" -- build "$data" "$name" "$factory" "$train" $axes
  latency=$(python3 -c "import json,sys; print(next(json.loads(l)['params'] for l in open(sys.argv[1]) if '\"single\"' in l))" "$out/$name.$builder.jsonl")
  if [ "$builder" = java-avx2 ]; then
    # shellcheck disable=SC2086
    java_bench generic -Dbench.latencyParams="$latency" -- search "$data" "$name" "$factory" "$train" $axes
  fi
  # shellcheck disable=SC2086
  py bench/faiss_py.py "$data" "$out" "$name" "$builder" $axes
  rm -f "$out/$name.index"   # up to a few GiB each; the results are in the jsonl files
done
# the report covers every index with results in $out (a BENCH_ONLY run keeps the others')
all_names=()
for spec in "${indexes[@]}"; do
  name=${spec%%|*}
  if [ -f "$out/$name.$builder.jsonl" ]; then all_names+=("$name"); fi
done
py bench/faiss_report.py "$out" "${all_names[@]}" | tee "$out/report.txt"
