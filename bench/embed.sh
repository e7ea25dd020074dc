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
#   BENCH_QUALITY=0 BENCH_PRECISION_ONLY=1 bench/embed.sh   # only FP32 vs INT8 (issue 19); its last line:
#     int8: default=<model>/<precision> model_only_speedup=<x vs FP32 mobilenetv2-deepsort> e2e_img_s=<y> demo_recall1=<r> demo_mapr=<m>
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
bench_setup "$([ "${BENCH_PRECISION_ONLY:-0}" = 1 ] && echo default || echo all)"

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

if [ "${BENCH_PRECISION_ONLY:-0}" != 1 ]; then
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
fi

# issue 19: FP32 vs INT8 per model in one JVM (alternating), images per core, and their quality on
# the demo catalogue and the quality test's sets; the baseline is the FP32 default before INT8
if [ "${BENCH_PRECISION:-1}" = 1 ]; then
  catalogue=${BENCH_PRECISION_CATALOGUE:-data/demo/catalogue.csv}
  [ -f "$catalogue" ] || { echo "error: no catalogue at $catalogue: make the demo first (make demo), or BENCH_PRECISION=0" >&2; exit 1; }
  read -r -a precision_models <<<"${BENCH_PRECISION_MODELS:-mobilenetv2-deepsort mobilenetv2-deepsort-int8 efficientnet-lite0 efficientnet-lite0-int8}"
  scripts/prepare-model.sh "${precision_models[@]}"
  model_dir=$(scripts/config.sh model.dir)
  echo "== FP32 vs INT8: ${precision_models[*]}"
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'fma\|avx2\|avx512[a-z_]*\|avx_vnni\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  java -Xmx4g -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.prodlens.bench.embed.PrecisionBench \
    "$results" "$catalogue" bench/target/adapt-cache "$images" "${precision_models[@]/#/$model_dir/}" 2>&1 \
    | grep --line-buffered -v "CUDA is not supported" | tee "$out/precision.txt"
fi
