#!/usr/bin/env bash
# Sizing benchmark (operations docs): memory per vector and per million vectors of each index type
# build-index makes (Flat, HNSW32, IVF-Flat, IVF-SQfp16, IVF-SQ8, IVF-PQ; factories, lists, training
# sample and PQ size from the job's IndexPlanner, ids wrapped as FaissIndex.create wraps them),
# measured on N clustered random unit vectors of the default model's dimension: memoryUsageBytes,
# file size, VmRSS growth of the building JVM and of a fresh JVM that reads the index file (what
# the search service holds), build time; and the Embedder's RSS (the service's fixed part). Every
# index is built and read in fresh JVMs. Prints a table and a last summary line; the report goes to
# bench/out/sizing/report.txt. About 4 minutes on 2 otherwise idle cores at the defaults (HNSW32's
# add about 50 s, IVF-PQ's training about 45 s); much longer when other processes share the cores
# (Faiss's OpenMP k-means then slows several-fold: PQ320 training took 230-560 s beside other builds).
#
#   bench/sizing.sh
#   BENCH_SIZING_N=100000        # vectors per index
#   BENCH_SIZING_HNSW_N=...      # vectors for HNSW32 (default BENCH_SIZING_N; its build is the slow one)
#   BENCH_SIZING_DIM=1280        # dimension (default: the model card of conf/prodlens.properties' model.id)
#   BENCH_SIZING_TYPES="flat hnsw32 ivf-flat ivf-sqfp16 ivf-sq8 ivf-pq"
#   BENCH_SIZING_EMBEDDER=0      # skip the Embedder measurement
set -euo pipefail
cd "$(dirname "$0")/.."

n=${BENCH_SIZING_N:-100000}
hnsw_n=${BENCH_SIZING_HNSW_N:-$n}
dim=${BENCH_SIZING_DIM:-auto}
types=${BENCH_SIZING_TYPES:-flat hnsw32 ivf-flat ivf-sqfp16 ivf-sq8 ivf-pq}
embedder=${BENCH_SIZING_EMBEDDER:-1}
out=bench/out/sizing
mkdir -p "$out"

scripts/install-deps.sh build
if [ "$embedder" = 1 ] || [ "$dim" = auto ]; then scripts/prepare-model.sh default; fi
# A reactor build of bench and the modules it needs (no `mvn install`: nothing goes to ~/.m2), and
# the bench module's classpath from the same reactor (its siblings as their target/ jars).
mvn -B -ntp -q -pl bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/sizing.classpath >/dev/null
cp="bench/target/classes:$(cat bench/target/sizing.classpath)"

java -Xmx256m -cp "$cp" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.prodlens.bench.sizing.SizingBench \
  run "$out" "$n" "$hnsw_n" "$dim" "$types" "$embedder" \
  2> >(grep --line-buffered -v -E "CUDA is not supported|^WARNING|SLF4J" >&2)
