#!/usr/bin/env bash
# Issue 18's benchmark, first increment: does a projection learned from the catalogue's own label
# groups find the same product better than the raw embedding? On a published bundle's own vectors
# (default: the demo bundle, CURRENT of the configured catalogue) and label groups: the raw
# embedding, PCA-whitening (no labels) and learned whitening (matching-pair differences) at 32 to
# 512 dimensions, learned whitening with a ridge and the metric-learning head trained from it
# (MetricHead, DJL/PyTorch) at 256 and 512, learned on the train groups, chosen on the validation
# groups, scored on the test groups only (GroupSplit: by SHA-256 of label_group, 60/20/20). Prints
# the CPU flags, a table and a last summary line. Not yet here (issue 18): backbone fine-tuning, GeM
# and multi-scale features, Fashion-MNIST with held-out classes (its figures print as n/a).
#
#   bench/adapt.sh                  # the demo bundle
#   BENCH_ADAPT_BUNDLE=dir bench/adapt.sh
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "error: $*" >&2; exit 1; }
conf=conf/prodlens.properties
conf_get() { scripts/config.sh --conf "$conf" "$1"; }

catalogue_dir=$(conf_get bundles.dir)/$(conf_get catalogue.name)
if [ -n "${BENCH_ADAPT_BUNDLE:-}" ]; then
  bundle=$BENCH_ADAPT_BUNDLE
else
  [ -f "$catalogue_dir/CURRENT" ] || die "no bundle ($catalogue_dir/CURRENT): build the demo first (make demo)"
  bundle=$catalogue_dir/$(cat "$catalogue_dir/CURRENT")
fi

mvn -B -ntp -q -o -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/adapt.classpath >/dev/null
cp="bench/target/classes:$(cat bench/target/adapt.classpath)"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
java -Xmx3g -cp "$cp" dev.prodlens.bench.adapt.AdaptBench "$bundle"
