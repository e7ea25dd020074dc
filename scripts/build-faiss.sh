#!/usr/bin/env bash
# Builds the Faiss that search-core's JNI binding links (search-core/src/main/native/Makefile):
# Faiss 1.12.0 from source, static, CPU only, in three builds of the whole library:
#   lib/libfaiss.a         generic (x86-64 baseline), for CPUs without AVX2
#   lib/libfaiss_avx2.a    -mavx2 -mfma -mf16c -mpopcnt
#   lib/libfaiss_avx512.a  the same plus AVX-512 F, CD, VL, DQ, BW
# (Faiss's own variants, FAISS_OPT_LEVEL=avx512 builds all three; Faiss has no dispatch inside one
# library, NativeLibrary.java picks the binding's variant by the CPU), with the headers, into
# ${PRODLENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodlens}/faiss-1.12.0.
#
# The source: no Debian release that this machine's archive serves is newer than bookworm's 1.7.3,
# and PyPI's faiss-cpu sdist carries no Faiss source; crates.io's faiss-sys 0.7.0 (the Rust
# binding's -sys crate) bundles Faiss 1.12.0's tree (faiss-sys-0.7.0/faiss: its faiss/, cmake/ and
# CMakeLists.txt are upstream's tag v1.12.0 byte for byte). Checked against the sha256 that
# crates.io's index gives for the crate.
#
# Idempotent: nothing happens when the stamp (.complete, holding this build's settings) is there;
# without it (never built, a build cut short, other settings) the source and build folders are
# made afresh. About 20 minutes of compiling on 2 cores (three builds of ~100 files each).
# FAISS_JOBS overrides the parallel jobs (default: nproc).
set -euo pipefail

FAISS_VERSION=1.12.0
CRATE=faiss-sys-0.7.0
CRATE_URL=https://static.crates.io/crates/faiss-sys/$CRATE.crate
CRATE_SHA256=c4a8fa67f7070bb81f41dc71c98813b3e40a66bedab12d6c2ac2af50f0837a7e
DIR=${PRODLENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodlens}/faiss-$FAISS_VERSION
JOBS=${FAISS_JOBS:-$(nproc)}

CMAKE_ARGS=(
  -DFAISS_OPT_LEVEL=avx512
  -DFAISS_ENABLE_GPU=OFF -DFAISS_ENABLE_PYTHON=OFF -DFAISS_ENABLE_C_API=OFF
  -DFAISS_ENABLE_EXTRAS=OFF -DFAISS_ENABLE_MKL=OFF -DBUILD_TESTING=OFF
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DCMAKE_BUILD_TYPE=Release -DBLA_VENDOR=OpenBLAS -DCMAKE_INSTALL_LIBDIR=lib
  "-DCMAKE_INSTALL_PREFIX=$DIR"
)
STAMP="$DIR/.complete"
SETTINGS="$CRATE $CRATE_SHA256 ${CMAKE_ARGS[*]}"

[ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$SETTINGS" ] && exit 0

for tool in curl cmake make g++; do
  command -v "$tool" > /dev/null || { echo "error: $tool not found: run make deps (scripts/install-deps.sh build)" >&2; exit 1; }
done

mkdir -p "$DIR"
rm -rf "$STAMP" "$DIR/src" "$DIR/build" "$DIR/include" "$DIR/lib" "$DIR/share"
crate="$DIR/$CRATE.crate"
if ! { [ -f "$crate" ] && echo "$CRATE_SHA256  $crate" | sha256sum -c --quiet - > /dev/null 2>&1; }; then
  rm -f "$crate"
  if ! err=$(curl -fsSL --retry 3 -o "$crate.part" "$CRATE_URL" 2>&1); then
    rm -f "$crate.part"
    echo "error: cannot download $CRATE_URL (Faiss $FAISS_VERSION's source, crates.io): ${err//$'\n'/ }" >&2
    exit 1
  fi
  echo "$CRATE_SHA256  $crate.part" | sha256sum -c --quiet - > /dev/null 2>&1 || { rm -f "$crate.part"; echo "error: checksum mismatch for $CRATE_URL" >&2; exit 1; }
  mv "$crate.part" "$crate"
fi
mkdir -p "$DIR/src"
tar -xzf "$crate" -C "$DIR/src" --strip-components=2 "$CRATE/faiss/CMakeLists.txt" "$CRATE/faiss/cmake" "$CRATE/faiss/faiss"

echo "building Faiss $FAISS_VERSION (generic, AVX2, AVX-512; static) in $DIR, $JOBS jobs: about 20 minutes on 2 cores"
start=$(date +%s)
cmake -S "$DIR/src" -B "$DIR/build" "${CMAKE_ARGS[@]}" > "$DIR/cmake.log" 2>&1 || { echo "error: Faiss's cmake failed, see $DIR/cmake.log" >&2; exit 1; }
make -C "$DIR/build" -j"$JOBS" faiss faiss_avx2 faiss_avx512 > "$DIR/build.log" 2>&1 || { echo "error: Faiss's build failed, see $DIR/build.log" >&2; exit 1; }
cmake --install "$DIR/build" > "$DIR/install.log" 2>&1 || { echo "error: Faiss's install failed, see $DIR/install.log" >&2; exit 1; }
for lib in libfaiss.a libfaiss_avx2.a libfaiss_avx512.a; do
  [ -f "$DIR/lib/$lib" ] || { echo "error: $DIR/lib/$lib missing after Faiss's install" >&2; exit 1; }
done
rm -rf "$DIR/build" "$DIR/src"
echo "$SETTINGS" > "$STAMP"
echo "Faiss $FAISS_VERSION built in $(( $(date +%s) - start )) s"
