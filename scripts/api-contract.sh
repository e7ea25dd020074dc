#!/usr/bin/env bash
# The HTTP API's contract checked by tools nobody here wrote (issue 22), against a running service:
#   scripts/api-contract.sh install     the checkers' environment from search-api/contract/requirements.txt
#                                       (pinned, once, cached)
#   scripts/api-contract.sh check URL   openapi-spec-validator on URL/openapi.json, then Schemathesis with
#                                       every check (all are on; search-api/contract/schemathesis.toml) against the
#                                       service at URL; non-zero on any finding
# Of this script:
#   PRODLENS_CONTRACT_KEY       the X-API-Key every request sends (the service's write and admin key), if any
#   PRODLENS_CONTRACT_EXAMPLES  Schemathesis's examples per operation (default 20)
#   PRODLENS_CONTRACT_SEED      its seed (default 22: the same requests on every run)
#   PRODLENS_CONTRACT_OUT       where the document and the reports go (default target/api-contract)
#   PRODLENS_CONTRACT_IMAGES    a directory of photos the generated image bodies are drawn from
#                               (search-api/contract/hooks.py; default: 1x1 images of each format)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/python-env.sh"

install() {
  python_env api-contract "$repo/search-api/contract/requirements.txt"
}

check() {
  local url=${1:?usage: $0 check URL} out=${PRODLENS_CONTRACT_OUT:-$repo/target/api-contract}
  install
  mkdir -p "$out"
  "$venv/bin/python" -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())' \
    "$url/openapi.json" >"$out/openapi.json"
  "$venv/bin/openapi-spec-validator" "$out/openapi.json"
  local key=()
  if [ -n "${PRODLENS_CONTRACT_KEY:-}" ]; then key=(--header "X-API-Key: $PRODLENS_CONTRACT_KEY"); fi
  # the schema from the file just validated, the requests to the service; image bodies from hooks.py
  PYTHONPATH="$repo/search-api/contract" SCHEMATHESIS_HOOKS=hooks "$venv/bin/schemathesis" --no-color --config-file "$repo/search-api/contract/schemathesis.toml" \
    run "$out/openapi.json" --url "$url" --workers 1 \
    --max-examples "${PRODLENS_CONTRACT_EXAMPLES:-20}" --seed "${PRODLENS_CONTRACT_SEED:-22}" "${key[@]}" \
    --report junit --report-dir "$out"
}

case "${1:-}" in
  install) install ;;
  check) shift; check "$@" ;;
  *) echo "usage: $0 install | check URL" >&2; exit 2 ;;
esac
