#!/usr/bin/env bash
# Installs the Debian packages a target needs, only those missing, and for `build` one source file
# of Debian's Faiss (idempotent and cached: no network when everything is present).
# Usage: scripts/install-deps.sh build|model|data|bench|browser|notebooks
set -euo pipefail

case "${1:-build}" in
  build) packages=(g++ make maven curl openjdk-17-jdk-headless libfaiss-dev libopenblas-dev libopenblas0-openmp libjpeg62-turbo-dev libwebp-dev) ;;
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

# Faiss's distance kernels (faiss/utils/distances_simd.cpp) compiled for AVX2 + FMA: Debian builds
# libfaiss generic (x86-64 baseline, a scalar loop per distance), so search-core compiles this one
# file again from Debian's own source of the same Faiss and ships both variants (see
# search-core/src/main/native/Makefile). Cached; checked against the checksum in Debian's .dsc.
FAISS_SRC_DIR=${PRODLENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodlens}/faiss-1.7.3
FAISS_ORIG_URL=http://deb.debian.org/debian/pool/main/f/faiss/faiss_1.7.3.orig.tar.gz
FAISS_ORIG_SHA256=3e4fac26d8c9e9008ecea4ae5fc414c658998fce4ba75835058b1a71d3516002
fetch_faiss_simd_source() {
  local version
  version=$(dpkg-query -W -f='${Version}' libfaiss-dev)
  case "$version" in
    1.7.3-*) ;;
    *) echo "error: libfaiss-dev $version installed, search-core is built against 1.7.3 (Debian bookworm)" >&2; exit 1 ;;
  esac
  [ -f "$FAISS_SRC_DIR/faiss/utils/distances_simd.cpp" ] && return 0
  mkdir -p "$FAISS_SRC_DIR"
  local tarball="$FAISS_SRC_DIR/faiss_1.7.3.orig.tar.gz.part"
  curl -fsSL -o "$tarball" "$FAISS_ORIG_URL" || { echo "error: cannot download $FAISS_ORIG_URL (Debian's archive)" >&2; exit 1; }
  echo "$FAISS_ORIG_SHA256  $tarball" | sha256sum -c --quiet - || { rm -f "$tarball"; echo "error: checksum mismatch for $FAISS_ORIG_URL" >&2; exit 1; }
  tar -xzf "$tarball" -C "$FAISS_SRC_DIR" --strip-components=1 faiss-1.7.3/faiss/utils/distances_simd.cpp
  rm -f "$tarball"
}

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
[ "${1:-build}" = build ] && fetch_faiss_simd_source
exit 0
