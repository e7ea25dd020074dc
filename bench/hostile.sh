#!/usr/bin/env bash
# Hostile-input benchmark (issue 15; docs/operations.md, "Sizing the decode budget"): what each file
# of the hostile corpus (dev.prodlens.testkit.HostileImages: WebP bombs, hidden-scan JPEGs, a legal
# 99-scan 7000x7000 progressive JPEG, a PNG bomb) costs the decoder the service and the jobs use, at
# the default decode limits: outcome and the status the service answers, wall and CPU time (median
# of BENCH_HOSTILE_ROUNDS), decode memory reserved, RSS rise; then 8 heavy decodes at once against
# the budget. The heap is pre-touched, so the RSS rise is native memory. Prints the CPU flags, a
# table and a last summary line. About a minute on 2 cores.
#
#   bench/hostile.sh
#   BENCH_HOSTILE_ROUNDS=5
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${BENCH_HOSTILE_ROUNDS:-5}

scripts/install-deps.sh build
scripts/install-deps.sh data
scripts/install-deps.sh model  # Pillow, for the WebP files
mvn -B -ntp -q -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/hostile.classpath >/dev/null
cp="bench/target/classes:$(cat bench/target/hostile.classpath)"

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
java -Xms1g -Xmx1g -XX:+AlwaysPreTouch -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  dev.prodlens.bench.hostile.HostileBench "$rounds" /usr/share/darknet/data/kite.jpg \
  2> >(grep --line-buffered -v -E "^WARNING|SLF4J" >&2)
