#!/usr/bin/env bash
# Spark jobs benchmark (issue 4): the embed job in local[cores] vs the same Embedder in a plain
# Java loop on as many threads (Spark's overhead), on ITEMS real images from the offline sample
# catalogue (photos + edits, clip art + edits), alternating ROUNDS times; build-index + evaluate
# of that catalogue (every labelled item a query); build-index on 100k and 1M synthetic clustered
# vectors of the model's dimension (auto plan: time, recall@10 vs exact, memory). Every part runs
# in a fresh JVM. Results: bench/out/spark/results.jsonl; the table and summary line at the end.
#
#   bench/spark.sh                          # 10,000 images, 100k and 1M vectors (about 25 minutes on 2 cores)
#   BENCH_ITEMS=2000 BENCH_SIZES=100000 bench/spark.sh   # quicker
#   BENCH_SIZES= BENCH_APPEND=1 bench/spark.sh        # the embed part again, keeping the earlier build rows
#   BENCH_ITEMS=0 BENCH_APPEND=1 bench/spark.sh       # the build part again
#   BENCH_ITEMS=0 BENCH_SIZES= BENCH_ADAPT_SIZES=1000000 bench/spark.sh   # adapt vs build-index (issue 18)
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_setup default

out=bench/out/spark
work=bench/.cache/spark          # sample catalogue and synthetic tables, reused by later runs
mkdir -p "$out" "$work"
results="$out/results.jsonl"
[ "${BENCH_APPEND:-0}" = 1 ] || : >"$results"
cp="$BENCH_CP"
# the JVM options spark-submit would add on Java 17 (written by the build for bin/prodlens-jobs)
opens=$(tr '\n' ' ' < spark-jobs/target/launcher/jvm-options)
run() {  # HEAP ARGS...
  local heap=$1; shift
  java -Xmx"$heap" $opens -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Djava.awt.headless=true -cp "$cp" \
    dev.prodlens.bench.spark.SparkBench "$@" "$results" 2>&1 | grep --line-buffered -v -E "CUDA is not supported|^WARNING|SLF4J" || true
}

items=${BENCH_ITEMS-10000}
if [ "${items:-0}" -gt 0 ]; then
  echo "== embed: Spark local[$(nproc)] vs plain loop, $items images"
  run 8g embed "$work/embed" "$items" "${BENCH_ROUNDS:-3}"
fi
for n in ${BENCH_SIZES-100000 1000000}; do
  echo "== build-index: $n synthetic vectors"
  run 16g build "$work/build" "$n"
done
# issue 18: the adapt stage (auto) vs build-index on the same synthetic vectors, e.g. BENCH_ADAPT_SIZES=1000000
for n in ${BENCH_ADAPT_SIZES-}; do
  echo "== adapt vs build-index: $n synthetic vectors"
  # both timed parts start from the table in the page cache (adapt runs first: without this it
  # alone would pay for reading it from disk)
  [ -d "$work/build/synthetic-topics-$n" ] && find "$work/build/synthetic-topics-$n" -type f -exec cat {} + >/dev/null
  run 16g adapt "$work/build" "$n"
done
python3 bench/spark_report.py "$results"
