#!/usr/bin/env bash
# The notebooks' Python environment, and their headless run (see notebooks/README.md).
#   scripts/notebooks.sh install   make the virtual environment from notebooks/requirements.txt (once, cached)
#   scripts/notebooks.sh run       install, then execute every notebooks/*.ipynb into target/notebooks/
#                                  (executed .ipynb and .html); fails on the first cell that raises
# Inputs of the notebooks: PRODLENS_NOTEBOOK_* (notebooks/README.md). Of this script:
#   PRODLENS_NOTEBOOK_OUT           where the executed copies go (default target/notebooks)
#   PRODLENS_NOTEBOOK_CELL_TIMEOUT  seconds one cell may run (default 600)
#   PRODLENS_NOTEBOOK_PYTHON        the Python the environment is made from (default Debian's /usr/bin/python3)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PRODLENS_NOTEBOOK_PYTHON:-/usr/bin/python3}
requirements=$repo/notebooks/requirements.txt
out=${PRODLENS_NOTEBOOK_OUT:-$repo/target/notebooks}
cell_timeout=${PRODLENS_NOTEBOOK_CELL_TIMEOUT:-600}

[ -x "$python" ] || { echo "notebooks: no $python: run scripts/install-deps.sh notebooks" >&2; exit 1; }
# One environment per requirements file and Python version, shared by every checkout (it is large):
# a changed requirements.txt gets a new environment rather than an old one patched in place.
key=$( { cat "$requirements"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-12)
venv=${PRODLENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodlens}/notebooks-venv-$key

install() {
  [ -f "$venv/.complete" ] && return 0
  "$python" -c 'import ensurepip, venv' 2>/dev/null \
    || { echo "notebooks: $python cannot make virtual environments: run scripts/install-deps.sh notebooks" >&2; exit 1; }
  echo "notebooks: making $venv from notebooks/requirements.txt"
  rm -rf "$venv"  # what an interrupted install left
  "$python" -m venv "$venv"
  # wheels only (nothing compiles here); --no-deps and pip check: exactly the pinned list, and it is complete
  "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: --no-deps -r "$requirements"
  "$venv/bin/pip" check --disable-pip-version-check >/dev/null \
    || { "$venv/bin/pip" check; echo "notebooks: notebooks/requirements.txt is not a complete set" >&2; exit 1; }
  # matplotlib builds its font cache on first use and says so on stderr: here, not in a notebook's output
  "$venv/bin/python" -c 'import matplotlib.font_manager'
  touch "$venv/.complete"
}

run() {
  install
  # relative to where this was run from, not to notebooks/ where the kernels run
  for input in PRODLENS_NOTEBOOK_WORK_DIR PRODLENS_NOTEBOOK_BUNDLES_DIR PRODLENS_NOTEBOOK_IMAGES_ROOT; do
    if [ -n "${!input:-}" ]; then export "$input=$(realpath -m "${!input}")"; fi
  done
  # the missing-data message in one line, before a kernel starts
  "$venv/bin/python" "$repo/notebooks/prodlens_notebooks.py"
  mkdir -p "$out"
  # the kernel is the environment's own, whatever kernels the user has registered
  export PATH="$venv/bin:$PATH" JUPYTER_PREFER_ENV_PATH=1 JUPYTER_PLATFORM_DIRS=1
  # the kernel talks over Unix sockets (ipc) here: no TCP port, and none of ipykernel's warning about one.
  # An absolute path: a relative one would resolve in two places (the kernel runs in notebooks/).
  sockets=$(mktemp -d)  # global: the EXIT trap runs after this function has returned
  trap 'rm -rf "$sockets"' EXIT
  for notebook in "$repo"/notebooks/*.ipynb; do
    local name start
    name=$(basename "$notebook" .ipynb)
    start=$SECONDS
    jupyter nbconvert --log-level=WARN --to notebook --execute --ExecutePreprocessor.timeout="$cell_timeout" \
      --KernelManager.transport=ipc --KernelManager.ip="$sockets/kernel" --output-dir "$out" "$notebook"
    # ERROR: its warnings are only that matplotlib's figures have no alt text
    jupyter nbconvert --log-level=ERROR --to html --output-dir "$out" "$out/$name.ipynb"
    echo "notebooks: $name executed in $((SECONDS - start)) s: $out/$name.ipynb, $name.html; it printed:"
    "$venv/bin/python" - "$out/$name.ipynb" <<'EOF'
import json, sys
for cell in json.load(open(sys.argv[1]))["cells"]:
    for output in cell.get("outputs", []):
        if output.get("name") == "stdout":
            text = "".join(output["text"])  # a string, or the list of its lines
            print("".join("  " + line for line in text.splitlines(keepends=True)), end="")
EOF
  done
}

case "${1:-}" in
  install) install ;;
  run) run ;;
  *) echo "usage: $0 install|run" >&2; exit 2 ;;
esac
