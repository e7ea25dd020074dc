# Shared by the bench/*.sh scripts (sourced from the repository root): install what the benchmarks
# need, build every module, and write the bench module's classpath to bench/target/bench.classpath.
#   bench_setup MODEL_ARG...   # the arguments for scripts/prepare-model.sh
#   bench_venv DIR REQUIREMENTS...   # a venv of the pinned peers (below)
bench_setup() {
  scripts/install-deps.sh build
  scripts/install-deps.sh data
  scripts/prepare-model.sh "$@"
  mvn -B -ntp -q install -DskipTests
  mvn -B -ntp -q -pl bench dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
  BENCH_CP="bench/target/classes:$(cat bench/target/bench.classpath)"
}

# bench_venv DIR REQUIREMENTS...: a venv of Debian's /usr/bin/python3 (python3-venv from
# scripts/install-deps.sh) holding the pinned requirements from PyPI; made once, remade when a
# requirements file changes.
bench_venv() {
  local venv=$1 want; shift
  want=$(cat "$@" | sha256sum | cut -d' ' -f1)
  [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" = "$want" ] && return 0
  scripts/install-deps.sh notebooks   # Debian's python3 and python3-venv, only if missing
  echo "== venv $venv (PyPI: $*)"
  [ -x "$venv/bin/pip" ] || /usr/bin/python3 -m venv "$venv"
  local requirements=()
  for file in "$@"; do requirements+=(-r "$file"); done
  "$venv/bin/pip" install -q --disable-pip-version-check "${requirements[@]}" \
    || { echo "error: pip could not install $* into $venv; check PyPI is reachable" >&2; exit 1; }
  echo "$want" >"$venv/.requirements.sha256"
}
