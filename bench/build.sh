#!/usr/bin/env bash
# Issue 20: build-index beside Faiss itself. On the same synthetic vectors (bench/spark.sh's
# clustered set of the model's dimension, from its Parquet embeddings table): our build-index job
# whole (a fresh JVM, its stages from its own log), faiss-cpu's and hnswlib's bare HNSW32 build
# (efConstruction 40, recall at efSearch 64) and autofaiss's build_index (within build-index's
# index.memory-budget-mb of index memory), each in its own process,
# alternating ROUNDS times; recall@10 against exact search and each process's peak RSS. Prints the
# CPU flags, a table and a last line:
#   build: n100k_s=<x> faiss_cpu_100k_s=<y> ratio_100k=<x/y> n1m_s=<a> autofaiss_1m_s=<b> ratio_1m=<a/b> peak_rss_1m_gb=<m> recall10=<r>
#
#   bench/build.sh                              # 100k and 1M (about 40 minutes on 2 cores)
#   BENCH_SIZES=100000 bench/build.sh           # 100k only
#   BENCH_ROUNDS=3 BENCH_PEERS="faiss-cpu" ...  # more rounds (medians), fewer peers (BENCH_PEERS= none;
#                                               # BENCH_PEERS_1M for 1M, default autofaiss)
#   BENCH_PEER_TIMEOUT=900                      # seconds a peer may run; one stopped then is reported
#                                               # as ">900" (autofaiss at 1M within a 4 GB budget)
#   BENCH_DRIVER_MEMORY=4g                      # the job's heap (-Xmx: local mode's --driver-memory); its
#                                               # peak RSS is checked against docs/operations.md's bound
#   BENCH_BASELINE_CLASSES=../old/spark-jobs/target/classes bench/build.sh
#       # also an earlier build-index, its spark-jobs classes first on the same classpath (a worktree of
#       # the commit before a change, `mvn -o -q -pl spark-jobs compile`), alternating with today's;
#       # BENCH_BASELINE_DRIVER_MEMORY=16g gives it another heap
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "error: $*" >&2; exit 1; }

source bench/lib.sh
bench_setup default

out=bench/out/build
work=bench/.cache/spark/build       # bench/spark.sh's synthetic tables, shared
mkdir -p "$out" "$work"
results="$out/results.jsonl"
: >"$results"
rm -f "$out"/build-index-*.log
bench_venv bench/.cache/peers/build-venv bench/peers/build-requirements.txt
bench_venv bench/.cache/peers/autofaiss-venv bench/peers/autofaiss-requirements.txt

opens=$(tr '\n' ' ' < spark-jobs/target/launcher/jvm-options)
model_id=$(scripts/config.sh model.id)
budget_mb=$(scripts/config.sh index.memory-budget-mb)   # autofaiss plans within build-index's budget
peer_timeout=${BENCH_PEER_TIMEOUT:-900}
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
for round in $(seq "${BENCH_ROUNDS:-1}"); do
  for n in ${BENCH_SIZES-100000 1000000}; do
    for label in ${BENCH_BASELINE_CLASSES:+baseline} current; do
      echo "== round $round, $n vectors: build-index ($label)"
      cp="$BENCH_CP" rows="$results" heap=${BENCH_DRIVER_MEMORY:-4g}
      if [ "$label" = baseline ]; then
        cp="$BENCH_BASELINE_CLASSES:$BENCH_CP" rows="$out/baseline.jsonl" heap=${BENCH_BASELINE_DRIVER_MEMORY:-$heap}
        : >"$rows"
      fi
      java -Xmx"$heap" $opens -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Djava.awt.headless=true -cp "$cp" \
        dev.prodlens.bench.spark.SparkBench build "$work" "$n" "$rows" 2>&1 \
        | grep --line-buffered -v -E "CUDA is not supported|^WARNING|SLF4J" | tee "$out/build-index-$label-$n-$round.log" || true
      if [ "$label" = baseline ]; then sed 's/^{/{"label":"baseline",/' "$rows" >>"$results"; fi
    done
    table="$work/synthetic-topics-$n/work-$model_id/bench/$model_id/embeddings.parquet"
    [ -d "$table" ] || die "no embeddings table at $table"
    peers=${BENCH_PEERS-faiss-cpu hnswlib autofaiss}
    if [ "$n" -gt 100000 ]; then peers=${BENCH_PEERS_1M-autofaiss}; fi
    for tool in $peers; do
      echo "== round $round, $n vectors: $tool"
      venv=bench/.cache/peers/build-venv
      [ "$tool" = autofaiss ] && venv=bench/.cache/peers/autofaiss-venv
      # a peer that runs past BENCH_PEER_TIMEOUT is stopped and reported as taking longer than it
      rc=0
      timeout "$peer_timeout" "$venv/bin/python" bench/build_peers.py "$table" "$tool" "$budget_mb" \
        | tee -a "$results" || rc=$?
      if [ "$rc" = 124 ]; then
        version=$("$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$tool'))")
        echo "{\"tool\":\"$tool\",\"version\":\"$version\",\"vectors\":$n,\"timed_out_s\":$peer_timeout}" \
          | tee -a "$results"
      elif [ "$rc" != 0 ]; then
        die "$tool failed (exit $rc)"
      fi
    done
  done
done
bench/.cache/peers/build-venv/bin/python bench/build_report.py "$results" "$out"
