#!/usr/bin/env bash
# Load test of the search API: Locust (bench/locustfile.py) posts real catalogue photos to
# POST /v1/search?k=10 of search-api (search-api/target/prodlens-api.jar) with dynamic batching
# off/on and 1/2 model instances, and, in the same run under the same load, of the seed's design as
# a peer (bench/peers/fastapi_onnx: FastAPI + ONNX Runtime, one uvicorn worker per core, no batching)
# on the same model and bundle. Each server is started once, warmed up, then loaded at each
# concurrency (closed loop, no think time); all of that BENCH_ROUNDS times in alternation, reported
# as medians (a shared machine has noisy minutes; alternation spreads them over every config);
# then a soak of our best batching config at c=32.
# Results: bench/out/api/results.jsonl (one JSON object per row); table, goals and the last line
# (api: c1_p95_ms=... c32_rps=... batching_gain=... errors=... peer_c32_rps=...) from bench/api_report.py.
#
#   bench/api.sh                                   # everything: about 20 min of sweep + a 10 min soak
#   BENCH_SECONDS=10 BENCH_ROUNDS=1 BENCH_SOAK_SECONDS=60 bench/api.sh
#   BENCH_CONFIGS="on-1 on-2 peer" bench/api.sh    # a subset of: off-1 off-2 on-1 on-2 peer
#   BENCH_CONCURRENCY="1 8 32"                     # Locust users per row (default)
#   BENCH_PEER=0                                   # skip the peer
#   BENCH_PHOTOS=dir                               # photos to post (default: the catalogue's images)
#   BENCH_SETUP=0                                  # skip bench_setup (the build is already done)
# Also: BENCH_API_JVM (our server's JVM options, default @conf/api.jvm.options), BENCH_WARMUP_SECONDS (10), BENCH_READY_TIMEOUT (300 s), BENCH_PROBE_PHOTOS (100),
# BENCH_PEER_WORKERS (nproc), BENCH_PEER_THREADS (1), BENCH_SOAK_CONFIG (any config, e.g. on-2;
# default: the batching-on config with the best RPS at c=32 in this run), BENCH_MODEL_IMG_S
# (offline model-only images/s when bench/out/embed/results.jsonl is absent). Configuration keys
# (bundles.dir, ...) are read from conf/prodlens.properties with the same PRODLENS_<KEY> overrides
# the services honour.
#
# What it assumes of search-api (so that another implementation can be dropped in):
#   java @conf/api.jvm.options -jar search-api/target/prodlens-api.jar --conf conf/prodlens.properties \
#     api.port=N api.host=127.0.0.1 api.batching.enabled=true|false api.batching.instances=1|2
#   GET /readyz: 200 once model and bundle are loaded (anything else, or no answer: not yet);
#   POST /v1/search?k=10, multipart field "image": 2xx and JSON with
#   "timing_ms": {"decode", "queue", "model", "index", "total"} in ms; SIGTERM stops it.
#
# Locust runs on the same 2 cores as the server it measures, for ours and the peer alike; the
# table shows how much CPU it took in each row.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${BENCH_SETUP:-1}" = 1 ]; then
  source bench/lib.sh
  bench_setup default
fi

die() { echo "error: $*" >&2; exit 1; }

conf=conf/prodlens.properties
conf_get() {  # KEY: its value as the service resolves it (the file, PRODLENS_* variables)
  scripts/config.sh --conf "$conf" "$1"
}

out=bench/out/api
results=$out/results.jsonl
jar=search-api/target/prodlens-api.jar
venv=bench/.cache/peers/venv
py=/usr/bin/python3   # Debian's interpreter (its python3-venv makes the venv); the venv holds the rest
seconds=${BENCH_SECONDS:-20}
rounds=${BENCH_ROUNDS:-3}
soak_seconds=${BENCH_SOAK_SECONDS:-600}
warmup_seconds=${BENCH_WARMUP_SECONDS:-10}
concurrency=${BENCH_CONCURRENCY:-1 8 32}
configs=${BENCH_CONFIGS:-off-1 off-2 on-1 on-2 peer}
[ "${BENCH_PEER:-1}" = 0 ] && configs=${configs//peer/}
model_id=$(conf_get model.id)
catalogue_dir=$(conf_get bundles.dir)/$(conf_get catalogue.name)

# The live bundle, built by the reindex job when there is none yet (never from made-up data).
ensure_bundle() {
  [ -f "$catalogue_dir/CURRENT" ] && return 0
  local catalogue
  catalogue=$(conf_get catalogue.path)
  if [[ "$catalogue" != *://* ]] && [ ! -e "$catalogue" ]; then
    die "no bundle ($catalogue_dir/CURRENT) and no catalogue at $catalogue to build one from; create the demo catalogue first or set PRODLENS_CATALOGUE_PATH"
  fi
  echo "== no bundle in $catalogue_dir: bin/prodlens-jobs reindex ($catalogue)"
  bin/prodlens-jobs reindex --conf "$conf"
  [ -f "$catalogue_dir/CURRENT" ] || die "reindex ended without writing $catalogue_dir/CURRENT; see its output above"
}

# The photos Locust posts: the catalogue's images (images-root, else the catalogue's directory).
photos_dir() {
  if [ -n "${BENCH_PHOTOS:-}" ]; then echo "$BENCH_PHOTOS"; return; fi
  local root
  root=$(conf_get catalogue.images-root)
  [ -n "$root" ] && echo "$root" || dirname "$(conf_get catalogue.path)"
}


# --- processes: every one started here is stopped on exit --------------------------------------
server_pid="" sampler_pid="" locust_pid=""
descendants() {  # PID: the pids of all its descendants
  ps -e -o pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 }
    END { for (p in parent) { q = p; while ((q in parent) && q != root) q = parent[q]; if (q == root && p != root) print p } }'
}
stop_tree() {  # PID: TERM it, give it 15 s, then KILL it and whatever it left behind
  local pid=$1 kids p
  kill -0 "$pid" 2>/dev/null || return 0
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  for p in $pid $kids; do kill -0 "$p" 2>/dev/null && { kill -KILL "$p" 2>/dev/null || true; }; done
  wait "$pid" 2>/dev/null || true
}
stop_server() { [ -n "$server_pid" ] && stop_tree "$server_pid"; server_pid=""; }
stop_sampler() { [ -n "$sampler_pid" ] && stop_tree "$sampler_pid"; sampler_pid=""; }
cleanup() {
  [ -n "$locust_pid" ] && stop_tree "$locust_pid"
  stop_sampler
  stop_server
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rss_kb() {  # PID: VmRSS of the process and its descendants (uvicorn's workers), summed
  local total=0 kb p
  for p in "$1" $(descendants "$1"); do
    kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || kb=0
    total=$((total + ${kb:-0}))
  done
  echo "$total"
}
start_sampler() {  # INTERVAL FILE: "epoch_s rss_kb" lines for the running server
  local pid=$server_pid
  ( while kill -0 "$pid" 2>/dev/null; do echo "$(date +%s) $(rss_kb "$pid")"; sleep "$1"; done ) >"$2" &
  sampler_pid=$!
}

free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_server() {  # CONFIG LOG: ours (off-1 ... on-2) or the peer, on a fresh loopback port
  port=$(free_port)
  case "$1" in
    off-1|off-2|on-1|on-2)
      local batching=false
      [ "${1%-*}" = on ] && batching=true
      java ${BENCH_API_JVM:-@conf/api.jvm.options} -jar "$jar" --conf "$conf" api.port="$port" api.host=127.0.0.1 \
        api.batching.enabled="$batching" api.batching.instances="${1#*-}" >"$2" 2>&1 &
      ;;
    peer)
      PRODLENS_CONF="$PWD/$conf" PEER_ORT_THREADS="$peer_threads" OMP_NUM_THREADS=1 \
        "$venv/bin/uvicorn" --app-dir bench/peers/fastapi_onnx app:app --host 127.0.0.1 --port "$port" \
        --workers "$peer_workers" --no-access-log --log-level warning >"$2" 2>&1 &
      ;;
  esac
  server_pid=$!
  local timeout=${BENCH_READY_TIMEOUT:-300} deadline=$((SECONDS + ${BENCH_READY_TIMEOUT:-300}))
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || die "$1 exited before it was ready; see $2"
    [ "$SECONDS" -lt "$deadline" ] || die "$1 not ready (GET /readyz) after $timeout s; see $2"
    sleep 0.5
  done
}

run_locust() {  # USERS SECONDS PREFIX: PREFIX.totals.json (bench/locustfile.py), PREFIX_stats.csv (Locust)
  rm -f "$3.totals.json"
  BENCH_PHOTOS="$photos" BENCH_TOTALS_OUT="$3.totals.json" \
    "$venv/bin/locust" -f bench/locustfile.py --headless --host "http://127.0.0.1:$port" \
    --users "$1" --spawn-rate "$1" --run-time "${2}s" --stop-timeout 10 \
    --csv "$3" --only-summary --loglevel WARNING >"$3.log" 2>&1 &
  locust_pid=$!
  wait "$locust_pid" || true   # Locust exits 1 when any request failed; the failures are counted
  locust_pid=""
  [ -s "$3.totals.json" ] || die "Locust wrote no $3.totals.json; see $3.log"
}

measure() {  # CONFIG USERS SECONDS RSS_INTERVAL KIND [ROUND]: one Locust run with RSS sampling, one row
  local prefix=$out/locust/$1-c$2-$5-r${6:-1}
  local start
  start=$(date +%s)
  start_sampler "$4" "$prefix.rss"
  run_locust "$2" "$3" "$prefix"
  stop_sampler
  "$venv/bin/python" bench/api_report.py row "$5" "$1" "$2" "$3" "$prefix" "$start" "${6:-1}" >>"$results"
  tail -n 1 "$results" | "$venv/bin/python" bench/api_report.py brief
}

# --- run -----------------------------------------------------------------------------------------
# Everything that can be refused is checked before the first server starts.
for cfg in $configs ${BENCH_SOAK_CONFIG:-}; do
  case "$cfg" in
    off-1|off-2|on-1|on-2) [ -f "$jar" ] || die "$jar is missing; build it (make build) or leave ours out (BENCH_CONFIGS=peer)" ;;
    peer) ;;
    *) die "unknown config '$cfg' in BENCH_CONFIGS or BENCH_SOAK_CONFIG; use any of: off-1 off-2 on-1 on-2 peer" ;;
  esac
done
ensure_bundle
photos=$(photos_dir)
[ -d "$photos" ] || die "photo directory $photos does not exist; set BENCH_PHOTOS to a folder of catalogue photos"
[ -n "$(find -L "$photos" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) -print -quit)" ] \
  || die "no *.jpg/*.jpeg/*.png under $photos; set BENCH_PHOTOS to a folder of catalogue photos"
mkdir -p "$out/locust" "$out/logs"
: >"$results"
# the peer's and Locust's venv
bench_venv "$venv" bench/peers/fastapi_onnx/requirements.txt bench/peers/loadgen-requirements.txt
peer_workers=${BENCH_PEER_WORKERS:-$(nproc)}
peer_threads=${BENCH_PEER_THREADS:-1}
"$venv/bin/python" bench/api_report.py meta "$photos" "$model_id" "$(cat "$catalogue_dir/CURRENT")" \
  "$seconds" "$warmup_seconds" "$peer_workers" "$peer_threads" >>"$results"

# The single-request time (decode + model + index, as the server reports it) is taken on ours
# without batching, 1 instance (else the first of ours in the list), and on the peer for reference.
probe_config=""
for cfg in $configs; do [ "$cfg" != peer ] && [ -z "$probe_config" ] && probe_config=$cfg; done
[[ " $configs " == *" off-1 "* ]] && probe_config=off-1

for round in $(seq "$rounds"); do
  for cfg in $configs; do
    echo "== $cfg: starting (round $round of $rounds)"
    start_server "$cfg" "$out/logs/$cfg-r$round.log"
    run_locust 8 "$warmup_seconds" "$out/locust/$cfg-r$round-warmup"
    for c in $concurrency; do
      measure "$cfg" "$c" "$seconds" 1 sweep "$round"
    done
    if [ "$cfg" = "$probe_config" ] || [ "$cfg" = peer ]; then
      "$venv/bin/python" bench/api_report.py probe "$cfg" "http://127.0.0.1:$port" "$photos" \
        "${BENCH_PROBE_PHOTOS:-100}" >>"$results"
      tail -n 1 "$results" | "$venv/bin/python" bench/api_report.py brief
    fi
    stop_server
  done
done

# Soak: zero errors and flat RSS over BENCH_SOAK_SECONDS at c=32, RSS every 5 s.
soak_config=${BENCH_SOAK_CONFIG:-$("$venv/bin/python" bench/api_report.py best-on "$results")}
if [ "$soak_seconds" -gt 0 ] && [ -n "$soak_config" ]; then
  echo "== soak: $soak_config at c=32 for $soak_seconds s"
  start_server "$soak_config" "$out/logs/soak-$soak_config.log"
  run_locust 8 "$warmup_seconds" "$out/locust/soak-warmup"
  measure "$soak_config" 32 "$soak_seconds" 5 soak
  stop_server
elif [ "$soak_seconds" -gt 0 ]; then
  echo "== soak skipped: no batching-on config of ours ran at c=32 (set BENCH_SOAK_CONFIG=on-1 or on-2)"
fi

"$venv/bin/python" bench/api_report.py "$results" bench/out/embed/results.jsonl "$model_id" | tee "$out/report.txt"
