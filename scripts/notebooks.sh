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

source "$repo/scripts/python-env.sh"

install() {
  python_env notebooks "$requirements" "$python"
  # matplotlib builds its font cache on first use and says so on stderr: here, not in a notebook's output
  "$venv/bin/python" -c 'import matplotlib.font_manager'
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
