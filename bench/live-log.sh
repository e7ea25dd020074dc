#!/usr/bin/env bash
# The update log's own numbers (issue 17, the log layer only: no embedding, no HTTP; not the issue's
# bench/live.sh; docs/live.md): LocalUpdateLog (fsync per append, group commit) and KafkaUpdateLog
# (one KRaft broker started in the benchmark's JVM, acks=all) side by side, on encoded upserts of
# about 5.3 KB (a 1,280-d vector and ten fields). Per backend: one writer (appends/s, ack p50/p99),
# 8 writers at once, appendAll of 64, reading everything back from 0; BENCH_LIVE_LOG_ROUNDS rounds
# alternating between the backends, medians. The logs and the broker's storage go to
# bench/.cache/live-log (the disk the repository is on; printed with df, since fsync on a tmpfs
# costs nothing). Prints the CPU flags, the disk, a table and a last summary line. About a minute
# on 2 cores.
#
#   bench/live-log.sh
#   BENCH_LIVE_LOG_ROUNDS=3 BENCH_LIVE_LOG_APPENDS=2000 BENCH_LIVE_LOG_WRITER_APPENDS=500
#   BENCH_LIVE_LOG_BATCHES=50
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${BENCH_LIVE_LOG_ROUNDS:-3}
appends=${BENCH_LIVE_LOG_APPENDS:-2000}
writer_appends=${BENCH_LIVE_LOG_WRITER_APPENDS:-500}
batches=${BENCH_LIVE_LOG_BATCHES:-50}
work=bench/.cache/live-log

scripts/install-deps.sh build
mvn -B -ntp -q -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/live-log.classpath >/dev/null
cp="bench/target/classes:$(cat bench/target/live-log.classpath)"

rm -rf "$work"
mkdir -p "$work/tmp"
trap 'rm -rf "$work"' EXIT
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "disk: $(df -h --output=source,fstype,size,avail,target "$work" | tail -1)"
java -Xms1g -Xmx1g -cp "$cp" -Djava.io.tmpdir="$work/tmp" \
  -Dslf4j.provider=org.slf4j.simple.SimpleServiceProvider -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient=error \
  -Dorg.slf4j.simpleLogger.log.org.apache.kafka.controller=error \
  dev.prodlens.bench.livelog.LiveLogBench "$rounds" "$work" "$appends" "$writer_appends" "$batches" \
  2> >(grep --line-buffered -v -E "^WARNING|SLF4J" >&2) |
  grep --line-buffered -v -E "^(Bootstrap|Formatting) metadata"  # the test kit's format step
