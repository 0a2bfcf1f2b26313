#!/usr/bin/env bash
# The README's two commands:
#   bash scripts/dev.sh demo [--out DIR]   install protocol_kit and run the demo
#   bash scripts/dev.sh test [PYTEST ARGS] install what the tests need and run them
# On a fresh Debian machine it installs the few system packages WeasyPrint and venv need
# (as root, or through sudo), makes .venv beside this repo and installs into it.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
case "$mode" in
  demo|test) shift ;;
  *) echo "usage: bash scripts/dev.sh demo [--out DIR] | test [pytest args]" >&2; exit 2 ;;
esac

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "error: $PY not found; protocol_kit needs Python 3.11 or newer" >&2; exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "error: $("$PY" --version 2>&1) is too old; protocol_kit needs Python 3.11 or newer" >&2; exit 1
fi

# System libraries: Pango and HarfBuzz for WeasyPrint's PDF, a font, and venv/ensurepip.
missing=()
# grep reads all of its input (no -q): under pipefail an early exit would kill the writer with
# SIGPIPE and an installed library would count as missing.
has_lib() { /sbin/ldconfig -p 2>/dev/null | grep -F -- "$1" >/dev/null; }
"$PY" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
has_lib 'libpango-1.0.so.0' || missing+=(libpango-1.0-0)
has_lib 'libpangoft2-1.0.so.0' || missing+=(libpangoft2-1.0-0)
has_lib 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
{ command -v fc-list >/dev/null 2>&1 && fc-list | grep -i dejavu >/dev/null; } || missing+=(fonts-dejavu-core)
# The browser tests drive Debian's Chromium with Playwright (browsers cannot be downloaded).
if [ "$mode" = test ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "error: please install these Debian packages first: ${missing[*]}" >&2; exit 1
    fi
    echo "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    # through env: sudo resets the environment, and a debconf prompt would wait unseen
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: not a Debian system; make sure these are installed: ${missing[*]}" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip

if [ "$mode" = demo ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check ".[lab]"
  exec .venv/bin/protocol-kit demo "$@"
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
  exec .venv/bin/python -m pytest "$@"
fi
