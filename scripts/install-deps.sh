#!/usr/bin/env bash
# Installs the Debian packages a target needs, only those missing, and for `build` the Faiss that
# search-core links, built from source (scripts/build-faiss.sh; idempotent and cached: no network
# and no compiling when everything is present).
# Usage: scripts/install-deps.sh build|model|data|bench|browser|notebooks
set -euo pipefail

case "${1:-build}" in
  build) packages=(g++ make cmake maven curl openjdk-17-jdk-headless libopenblas-dev libopenblas0-openmp libjpeg62-turbo-dev libwebp-dev) ;;
  # Debian's CPU torch for the one-off model export (not PyPI's multi-GB CUDA wheel).
  model) packages=(python3-torch python3-torchvision python3-onnx python3-pil python3-sympy python3-packaging curl unzip) ;;
  # Images available offline: real photos (skimage, sklearn, darknet), clip art, Fashion-MNIST.
  data) packages=(python3-skimage python3-sklearn darknet openclipart-png dataset-fashion-mnist fonts-dejavu-core fontconfig libjpeg-turbo-progs) ;;
  bench) packages=(python3-faiss python3-numpy) ;;
  # The web page's end-to-end test: headless Chromium driven through its WebDriver.
  browser) packages=(chromium chromium-driver) ;;
  # Debian's Python with venv, for the notebooks' environment (scripts/notebooks.sh; the rest from PyPI, pinned).
  notebooks) packages=(python3 python3-venv) ;;
  *) echo "usage: $0 build|model|data|bench|browser|notebooks" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
packages_now() {
  echo "installing: $*"
  local sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"
}
[ ${#missing[@]} -gt 0 ] && packages_now "${missing[@]}"
[ "${1:-build}" = build ] && "$(dirname "$0")/build-faiss.sh"
exit 0
