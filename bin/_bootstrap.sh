# Shared by bin/demo and bin/test: a virtual environment with the project installed, made once and kept current.
# shellcheck shell=bash
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Switchboard needs Python 3.11 (python3.11 or python3 on PATH)." >&2
  return 1
}

make_venv() {
  local python; python="$(find_python)"
  if "$python" -m venv .venv 2>/dev/null; then return 0; fi
  rm -rf .venv
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing the venv module for $python with apt-get ..."
    apt-get update -qq && { apt-get install -y -qq python3.11-venv || apt-get install -y -qq python3-venv; }
    "$python" -m venv .venv && return 0
  fi
  echo "Cannot create a virtual environment: the venv module is missing." >&2
  echo "Install it with:  sudo apt-get install python3.11-venv   (or python3-venv), then run this again." >&2
  return 1
}

[ -x .venv/bin/python ] || make_venv

# Reinstall only when the dependency list changed, so repeated runs start at once.
stamp=.venv/.switchboard-installed
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "Installing Switchboard and its dependencies into .venv ..."
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
  echo "$wanted" > "$stamp"
fi
