#!/usr/bin/env bash
# Makes sure Debian's faketime package (the `faketime` command and libfaketime) is on the
# machine, installing it when it is missing and this is root on a Debian-like system.
# Used by scripts/test.sh (the clock-skew tests preload libfaketime into a bot process) and
# scripts/demo-clock.sh (the demo at chosen wall-clock times). A fresh machine has neither.
#
# usage: scripts/ensure-faketime.sh CALLER   (CALLER names the script in messages)
set -euo pipefail

CALLER="${1:-ensure-faketime}"
LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if command -v faketime >/dev/null && [[ -e $LIB ]]; then
    exit 0
fi
[[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null \
    || { echo "$CALLER: faketime is missing; install Debian's 'faketime' package" >&2; exit 1; }
echo "$CALLER: installing Debian's faketime package" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends faketime >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends faketime >/dev/null; }
