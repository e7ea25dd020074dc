# The pinned Python environments of the tests (sourced by scripts/notebooks.sh and
# scripts/api-contract.sh): one per requirements file and Python version, shared by every checkout
# under ~/.cache/prodlens (they are large), made from wheels only with exactly the pinned list.
#
#   source scripts/python-env.sh
#   python_env NAME REQUIREMENTS [PYTHON]   # sets $venv; makes it once (PYTHON: Debian's /usr/bin/python3)

python_env() {
  local name=$1 requirements=$2 python=${3:-/usr/bin/python3} key
  [ -x "$python" ] || { echo "$name: no $python: run scripts/install-deps.sh notebooks" >&2; exit 1; }
  # a changed requirements file gets a new environment rather than an old one patched in place
  key=$( { cat "$requirements"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-12)
  venv=${PRODLENS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/prodlens}/$name-venv-$key
  [ -f "$venv/.complete" ] && return 0
  "$python" -c 'import ensurepip, venv' 2>/dev/null \
    || { echo "$name: $python cannot make virtual environments: run scripts/install-deps.sh notebooks" >&2; exit 1; }
  echo "$name: making $venv from $requirements"
  rm -rf "$venv"  # what an interrupted install left
  "$python" -m venv "$venv"
  # wheels only (nothing compiles here); --no-deps and pip check: exactly the pinned list, and it is complete
  "$venv/bin/pip" install --quiet --disable-pip-version-check --only-binary=:all: --no-deps -r "$requirements"
  "$venv/bin/pip" check --disable-pip-version-check >/dev/null \
    || { "$venv/bin/pip" check; echo "$name: $requirements is not a complete set" >&2; exit 1; }
  touch "$venv/.complete"
}
