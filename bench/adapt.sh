#!/usr/bin/env bash
# Issue 18's benchmark: does a projection learned from a catalogue's own label groups find the same
# product (or kind of product) better, or in less memory, than the raw embedding? On three labelled
# catalogues: a published bundle's own vectors and label groups (default: the demo bundle, CURRENT
# of the configured catalogue); Fashion-MNIST with held-out classes (the first
# BENCH_ADAPT_FASHION_PER_CLASS images of each class of the train file, embedded by the configured
# model; classes 0-6 learned on, every fourth of their items chooses, 7-9 reported); the offline sample catalogue
# (SampleCatalogue, BENCH_ADAPT_SAMPLE_ITEMS rows; a catalogue too small for its split says so in
# one line). Each method of AdaptBench's list (PCA-whitening, learned whitening) at 32 to 512
# dimensions, learned on the train part, chosen on the validation part, scored on the test part
# only (demo and sample: GroupSplit, by SHA-256 of label_group, 60/20/20). Per catalogue a table
# (validation mAP@R; test recall@1, recall@10, mAP@R, Shopee F1 at the threshold chosen on
# validation; bytes per vector; learn seconds; raw first), the choice, and the smallest dimension
# that keeps raw's recall@10. Embeddings are cached in bench/target/adapt-cache by model
# fingerprint, so a rerun embeds nothing. Prints the CPU flags first and a last summary line.
#
#   bench/adapt.sh                                  # demo, fashion and sample
#   BENCH_ADAPT_BUNDLE=dir bench/adapt.sh           # another bundle as "demo"
#   BENCH_ADAPT_CATALOGUES="fashion" bench/adapt.sh # a subset
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "error: $*" >&2; exit 1; }
conf=conf/prodlens.properties
conf_get() { scripts/config.sh --conf "$conf" "$1"; }

catalogue_dir=$(conf_get bundles.dir)/$(conf_get catalogue.name)
catalogues=${BENCH_ADAPT_CATALOGUES:-demo fashion sample}
if [ -n "${BENCH_ADAPT_BUNDLE:-}" ]; then
  bundle=$BENCH_ADAPT_BUNDLE
elif [[ " $catalogues " == *" demo "* ]]; then
  [ -f "$catalogue_dir/CURRENT" ] || die "no bundle ($catalogue_dir/CURRENT): build the demo first (make demo)"
  bundle=$catalogue_dir/$(cat "$catalogue_dir/CURRENT")
else
  bundle=-
fi

mvn -B -ntp -q -o -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/adapt.classpath >/dev/null
cp="bench/target/classes:$(cat bench/target/adapt.classpath)"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; flags: $(grep -o -w 'avx2\|avx512[a-z_]*\|amx[a-z_]*' /proc/cpuinfo | sort -u | tr '\n' ' ')"
# shellcheck disable=SC2086 # one argument per catalogue name
java -Xmx3g -cp "$cp" dev.prodlens.bench.adapt.AdaptBench "$bundle" bench/target/adapt-cache \
  "${BENCH_ADAPT_FASHION_PER_CLASS:-300}" "${BENCH_ADAPT_SAMPLE_ITEMS:-1000}" $catalogues
