#!/usr/bin/env bash
# Faiss binding benchmark: our Java binding against Debian's python3-faiss (the same Faiss 1.7.3)
# on the same index files, queries and settings, in the same run. Prints a table and a last
# summary line. Datasets are generated once into bench/.cache; results go to bench/out/faiss.
#
# Engines: "java" is the binding with Debian's generic distance kernels (the very code
# python3-faiss runs: the like-for-like comparison); "python" is python3-faiss on java's index
# file; "java-avx2" is the binding as it loads on an AVX2 CPU (its own build of the index).
#
#   bench/faiss.sh                    # 1,000,000 x 256 and 100,000 x 1,280
#   BENCH_SCALE=0.1 bench/faiss.sh    # a tenth of the rows, for a quick look
#   BENCH_REPEATS=5                   # timed runs per setting (median), after one warm-up
#   BENCH_ONLY="big-hnsw32 ..."       # a subset of the indexes below
#   BENCH_ENGINES="java python java-avx2"
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh build
scripts/install-deps.sh bench
mvn -B -ntp -q install -DskipTests

scale=${BENCH_SCALE:-1}
engines=" ${BENCH_ENGINES:-java python java-avx2} "
rows() { python3 -c "print(max(1000, int($1 * $scale)))"; }
cache=bench/.cache
out=bench/out/faiss
mkdir -p "$out"
for engine in $engines; do rm -f "$out"/*."$engine".jsonl; done

# Python: Debian's interpreter and python3-faiss, with the OpenMP build of OpenBLAS that our .so
# links (the default pthread OpenBLAS oversubscribes the cores next to Faiss's OpenMP; see
# search-core/src/main/native/Makefile), so both sides run the same BLAS.
py() { LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 "$@"; }
java_cp="bench/target/classes:search-core/target/search-core-0.1.0-SNAPSHOT.jar"
java_bench() {  # SIMD NAME DATA FACTORY TRAIN AXES...
  local simd=$1; shift
  java -Xmx4g -Dprodlens.faiss.simd="$simd" -cp "$java_cp" dev.prodlens.bench.faiss.FaissBench \
    "$1" "$out" "$2" "$3" "$4" "${@:5}"
}
if [[ $engines == *" java-avx2 "* ]] && ! grep -qw avx2 /proc/cpuinfo; then
  echo "this CPU has no AVX2: skipping engine java-avx2" >&2
  engines=${engines/ java-avx2 / }
fi

big="$cache/clustered-$(rows 1000000)x256"
wide="$cache/clustered-$(rows 100000)x1280"
py bench/faiss_data.py "$big" "$(rows 1000000)" 256 1000
py bench/faiss_data.py "$wide" "$(rows 100000)" 1280 1000

# name | dataset | factory | training rows | sweep axes
indexes=(
  "big-hnsw32|$big|HNSW32|0|efSearch=16/32/48/64/96/128/192/256/384/512"
  "big-ivfpq|$big|IVF1024,PQ64np,RFlat|100000|nprobe=8/16/32/64/128 k_factor_rf=1/2/4/8"
  "wide-hnsw32|$wide|HNSW32|0|efSearch=16/32/48/64/96/128/192/256/384/512"
  "wide-ivfpq|$wide|IVF256,PQ128np,RFlat|50000|nprobe=4/8/16/32/64 k_factor_rf=1/2/4/8"
)
names=()
for spec in "${indexes[@]}"; do
  IFS='|' read -r name data factory train axes <<<"$spec"
  if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then continue; fi
  echo "== $name: $factory on $data ($(date -u +%H:%M:%S))" >&2
  # shellcheck disable=SC2086  # axes are separate arguments
  if [[ $engines == *" java "* ]]; then java_bench generic "$data" "$name" "$factory" "$train" $axes; fi
  # shellcheck disable=SC2086
  if [[ $engines == *" python "* ]]; then py bench/faiss_py.py "$data" "$out" "$name" $axes; fi
  # shellcheck disable=SC2086
  if [[ $engines == *" java-avx2 "* ]]; then java_bench avx2 "$data" "$name" "$factory" "$train" $axes; fi
  rm -f "$out/$name".*.index   # up to a few GiB each; the results are in the jsonl files
  names+=("$name")
done
py bench/faiss_report.py "$out" "${names[@]}" | tee "$out/report.txt"
