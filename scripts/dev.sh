#!/usr/bin/env bash
# The README's two commands:
#   bash scripts/dev.sh demo [--out DIR]   install protocol_kit and run the demo
#   bash scripts/dev.sh test [PYTEST ARGS] install what the tests need and run them
# On a fresh Debian machine it installs the few system packages WeasyPrint and venv need
# (as root, or through sudo), makes .venv beside this repo and installs into it.
# `test` then runs the suite again on each newer Python of $PROTOCOL_KIT_TEST_PYTHONS (default
# "3.13", the newest supported) that it finds, in .venv-3.13 etc.; one it does not find is
# skipped with a line saying so. The exit status is non-zero if any run fails.
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

# Interpreters the suite also runs on (test only): VERSION=PATH words, none for the default's version.
EXTRA_VERSIONS=${PROTOCOL_KIT_TEST_PYTHONS-3.13}
extra=() skipped=()
default_version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')

is_python() {  # is_python PATH X.Y: PATH runs and is Python X.Y (a pyenv shim of an unselected version does not run)
  "$1" -c "import sys; sys.exit('%d.%d' % sys.version_info[:2] != '$2')" >/dev/null 2>&1
}

find_python() {  # find_python X.Y: print the path of a Python X.Y interpreter, or fail
  local v=$1 c prefix=""
  local candidates=("python$v")
  if command -v pyenv >/dev/null 2>&1; then prefix=$(pyenv prefix "$v" 2>/dev/null || true); fi
  [ -n "$prefix" ] && candidates+=("$prefix/bin/python$v")
  candidates+=("${PYENV_ROOT:-${HOME:-}/.pyenv}"/versions/"$v".*/bin/"python$v" "/usr/local/bin/python$v" "/usr/bin/python$v")
  for c in "${candidates[@]}"; do
    if is_python "$c" "$v"; then command -v "$c"; return 0; fi
  done
  return 1
}

if [ "$mode" = test ]; then
  for v in $EXTRA_VERSIONS; do
    [ "$v" = "$default_version" ] && continue
    if found=$(find_python "$v"); then extra+=("$v=$found"); else skipped+=("$v"); fi
  done
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
# The PostgreSQL store's tests start a throwaway server with Debian's initdb and pg_ctl.
if [ "$mode" = test ] && ! command -v pg_ctl >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  missing+=(postgresql)
fi
# Debian's own python3.X needs python3.X-venv for its venv.
for e in "${extra[@]}"; do
  case "${e#*=}" in /usr/bin/*) "${e#*=}" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=("python${e%%=*}-venv") ;; esac
done
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

install_into() {  # install_into VENV PYTHON PIP-ARGS...: make VENV with PYTHON if needed, pip install into it
  local venv=$1 py=$2; shift 2
  if [ ! -x "$venv/bin/python" ]; then
    "$py" -m venv "$venv" || { echo "error: $py could not make the venv $venv" >&2; return 1; }
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip &&
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "$@"
}

if [ "$mode" = demo ]; then
  install_into .venv "$PY" ".[lab]"
  exec .venv/bin/protocol-kit demo "$@"
fi

install_into .venv "$PY" -e ".[test]"
.venv/bin/python -m pytest "$@"   # under set -e a failing run ends the script with its status

status=0
for e in "${extra[@]}"; do
  v=${e%%=*} py=${e#*=}
  echo "== the suite again on Python $v ($py), in .venv-$v =="
  if ! install_into ".venv-$v" "$py" -e ".[test]"; then
    echo "error: installing protocol_kit[test] for Python $v failed" >&2; status=1; continue
  fi
  ".venv-$v/bin/python" -m pytest "$@" || status=$?
done
for v in "${skipped[@]}"; do
  echo "Python $v run skipped: no Python $v interpreter found (python$v on PATH, pyenv, /usr/bin); not an error"
done
exit "$status"
