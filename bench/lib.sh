# Shared by the bench/*.sh scripts (sourced from the repository root): install what the benchmarks
# need, build every module, and write the bench module's classpath to bench/target/bench.classpath.
#   bench_setup MODEL_ARG...   # the arguments for scripts/prepare-model.sh
bench_setup() {
  scripts/install-deps.sh build
  scripts/install-deps.sh data
  scripts/prepare-model.sh "$@"
  mvn -B -ntp -q install -DskipTests
  mvn -B -ntp -q -pl bench dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
  BENCH_CP="bench/target/classes:$(cat bench/target/bench.classpath)"
}
