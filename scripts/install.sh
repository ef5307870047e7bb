#!/bin/sh
# `make install`: .venv made by a supported Python, the locked dependencies (hashes checked),
# then the project itself, editable, without dependencies and without build isolation — so a
# reinstall after `git pull` needs no network once the wheels are in pip's cache.
#
# PYTHON given (environment or `make PYTHON=python3.12`): .venv must be made by that version,
# and is replaced when another one made it. PYTHON not given: an existing .venv of a supported
# version is kept; otherwise the first supported one of python3, python3.12, python3.11.
set -eu
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
LOCK=${LOCK:-requirements-dev.txt}
STAMP=$VENV/.installed-stamp
SUPPORTED="3.11 or 3.12"  # pyproject.toml: requires-python = ">=3.11,<3.13"

version_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
supported() { case "$1" in 3.11 | 3.12) return 0 ;; *) return 1 ;; esac; }

venv_version=$(version_of "$VENV/bin/python" || true)
if [ -n "${PYTHON:-}" ]; then
  wanted=$(version_of "$PYTHON" || true)
  if [ -z "$wanted" ]; then
    echo "[install] PYTHON=$PYTHON does not run. Havre needs Python $SUPPORTED." >&2
    exit 1
  fi
  if ! supported "$wanted"; then
    echo "[install] PYTHON=$PYTHON is Python $wanted; Havre needs Python $SUPPORTED" \
      "(requires-python in pyproject.toml). Install one, then: make PYTHON=python3.12" >&2
    exit 1
  fi
elif [ -n "$venv_version" ] && supported "$venv_version"; then
  wanted=$venv_version
  PYTHON=$VENV/bin/python
else
  PYTHON= seen=
  for candidate in python3 python3.12 python3.11; do
    found=$(version_of "$candidate" || true)
    [ -n "$found" ] && seen="$seen $candidate=$found"
    if [ -n "$found" ] && supported "$found"; then PYTHON=$candidate wanted=$found; break; fi
  done
  if [ -z "$PYTHON" ]; then
    echo "[install] Havre needs Python $SUPPORTED (requires-python in pyproject.toml);" \
      "found:${seen:- none}. Install one (e.g. apt-get install python3.12, brew install" \
      "python@3.12, pyenv install 3.12), then: make PYTHON=python3.12" >&2
    exit 1
  fi
fi

if [ -d "$VENV" ] && [ "$venv_version" != "$wanted" ]; then
  echo "[install] replacing $VENV (Python ${venv_version:-that does not run}) with Python $wanted" >&2
  rm -rf "$VENV"
fi
if [ ! -d "$VENV" ]; then
  "$PYTHON" -m venv "$VENV"
fi

if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ] || [ "$LOCK" -nt "$STAMP" ]; then
  pip="$VENV/bin/python -m pip --disable-pip-version-check"
  $pip install --quiet --require-hashes -r "$LOCK"
  # setuptools' note on every editable install of a flat layout says nothing about ours.
  PYTHONWARNINGS="ignore:Editable installation:UserWarning" \
    $pip install --quiet --no-deps --no-build-isolation -e .
  touch "$STAMP"
fi
