#!/usr/bin/env bash
# Installs a Debian package when the file that proves it is there is missing: the browser for the web tests,
# the reference tools the benchmarks compare against (Weka for bench-rekon).
#   bash scripts/ensure_deb.sh FILE PACKAGE [PACKAGE ...]
# Idempotent and quiet when FILE exists; needs root (or sudo) the first time on a clean machine. Exits
# non-zero with a message saying what to install when it cannot install, so nothing that needs the package
# runs without it.
set -euo pipefail

if [ "$#" -lt 2 ]; then
    echo "usage: ensure_deb.sh FILE PACKAGE [PACKAGE ...]" >&2
    exit 2
fi
FILE=$1
shift

if [ -e "$FILE" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure_deb: $FILE is missing and this user cannot install packages;" \
         "install it with: apt-get install -y $*" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_deb: $FILE is missing and apt-get is not available; install $* so that $FILE exists" >&2
    exit 1
fi

echo "ensure_deb: $FILE is missing; installing $* with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
if [ ! -e "$FILE" ]; then
    echo "ensure_deb: installed $* but $FILE is still missing" >&2
    exit 1
fi
echo "ensure_deb: installed $*"
