#!/usr/bin/env bash
# Embedding benchmark: decode+preprocess, model only and end to end images/s on this machine;
# batch 1 and 32; DJL's ONNX Runtime and PyTorch engines; one intra-op thread per instance with
# one instance per core ("1x2") vs one instance using every core ("2x1"); and, in the same run,
# the raw ONNX Runtime Java API on the same ONNX file as the reference. Then retrieval quality
# of every candidate model (scripts/model-sources.tsv) against the colour-histogram baseline,
# with its model-only speed: the evidence for the default model. Every setting runs in a fresh
# JVM (libtorch fixes its thread count once per process). Results: bench/out/embed/results.jsonl.
#
#   bench/embed.sh                  # everything (about 30 minutes on 2 cores)
#   BENCH_IMAGES=64 bench/embed.sh  # fewer images per timed run
#   BENCH_QUALITY=0 bench/embed.sh  # skip the candidate-model quality table
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_setup all

out=bench/out/embed
mkdir -p "$out"
results="$out/results.jsonl"
: >"$results"
images=${BENCH_IMAGES:-128}
default_model=$(scripts/config.sh model.id)
cores=$(nproc)
cp="$BENCH_CP"
run() {  # MODE MODEL ENGINE THREADS WORKERS BATCH [IMAGES]
  java -Xmx4g -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.prodlens.bench.embed.EmbedBench \
    "$1" "models/$2" "$3" "$4" "$5" "$6" "${7:-$images}" "$results" 2>&1 | grep -v "CUDA is not supported" || true
}

echo "== decode + preprocess (one thread)"
run decode "$default_model" ONNX_RUNTIME 1 1 1 400
for engine in ONNX_RUNTIME PYTORCH; do
  for batch in 1 32; do
    for threading in "1 $cores" "$cores 1"; do   # THREADS WORKERS
      read -r threads workers <<<"$threading"
      echo "== $engine batch $batch, $threads intra-op thread(s) x $workers instance(s)"
      run pair "$default_model" "$engine" "$threads" "$workers" "$batch"
      [ "$engine" = ONNX_RUNTIME ] && run ort-raw "$default_model" ONNX_RUNTIME "$threads" "$workers" "$batch"
    done
  done
done

if [ "${BENCH_QUALITY:-1}" = 1 ]; then
  candidates=$(grep -v '^#' scripts/model-sources.tsv | cut -f1)
  for round in 1 2 3; do   # interleaved, so that a busy spell does not favour one model
    for model in $candidates; do
      echo "== candidate $model: model-only speed, round $round"
      run model "$model" ONNX_RUNTIME 1 1 1
    done
  done
  for model in $candidates; do
    echo "== candidate $model: quality"
    run quality "$model" ONNX_RUNTIME "$cores" 1 32
  done
fi

/usr/bin/python3 bench/embed_report.py "$results" "$default_model" | tee "$out/report.txt"
