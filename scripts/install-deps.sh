#!/usr/bin/env bash
# Installs the Debian packages a target needs, only those missing (idempotent, no network when
# everything is present). Usage: scripts/install-deps.sh build|bench
set -euo pipefail

case "${1:-build}" in
  build) packages=(g++ make maven openjdk-17-jdk-headless libfaiss-dev libopenblas-dev libopenblas0-openmp) ;;
  bench) packages=(python3-faiss python3-numpy) ;;
  *) echo "usage: $0 build|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
