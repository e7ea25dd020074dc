#!/usr/bin/env bash
# Issue 18: better features from the same weights? The default model's FP32 export against its feature variants
# (scripts/export_model.py: -gem GeM pooling, -ms multi-scale, -gem-ms both), each embedding the demo
# catalogue through the Embedder, under bench/adapt.sh's protocol (GroupSplit by SHA-256 of
# label_group, 60/20/20): test recall@1, recall@10 and mAP@R raw and adapted (learned whitening as the
# adapt stage learns it, at adapt.dims, chosen on validation), the difference to the first model's
# test mAP@R with a 95% interval, EmbeddingQualityTest's near-duplicate recall@1 and Fashion-MNIST
# precision@10, and the model's ms per image (one thread, one image per call). Embeddings are cached
# in bench/target/adapt-cache by model fingerprint. Prints the CPU flags, a table and a last line
# `features: best=...`. About 15 minutes on 2 cores for four models (less once cached).
#
#   bench/features.sh
#   BENCH_FEATURES_MODELS="default-fp32 default-gem-ms default" bench/features.sh  # the first is the baseline
#   ("default" is model.id, "default-<variant>" that variant of its FP32 export: scripts/model-wheels.sh)
#   BENCH_FEATURES_CATALOGUE=path/catalogue.csv bench/features.sh   # default: the demo catalogue
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "error: $*" >&2; exit 1; }

catalogue=${BENCH_FEATURES_CATALOGUE:-data/demo/catalogue.csv}
[ -f "$catalogue" ] || die "no catalogue at $catalogue: make the demo first (make demo)"
read -r -a models <<<"${BENCH_FEATURES_MODELS:-default-fp32 default-gem default-ms default-gem-ms}"
scripts/prepare-model.sh "${models[@]}"
default_model=$(scripts/config.sh model.id)
model_dir=$(scripts/config.sh model.dir)
dirs=()
. scripts/model-wheels.sh
for id in "${models[@]}"; do dirs+=("$model_dir/$(resolve_model_id "$id" "$default_model")"); done

mvn -B -ntp -q -o -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/features.classpath >/dev/null
cp="bench/target/classes:$(cat bench/target/features.classpath)"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
mkdir -p bench/out/features
java -Xmx3g -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.prodlens.bench.adapt.FeaturesBench \
  "$catalogue" bench/target/adapt-cache "${dirs[@]}" 2>&1 | grep --line-buffered -v "CUDA is not supported" | tee bench/out/features/report.txt
