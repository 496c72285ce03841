#!/usr/bin/env bash
# Chromium for the web chat's browser tests (tests/e2e/test_webchat.py): the distribution's package, installed
# only when /usr/bin/chromium is missing. Idempotent and quiet; needs root (or sudo) the first time on a clean
# machine. Playwright drives this browser directly, so `playwright install` (a CDN download) is never needed.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure_chromium: $CHROMIUM is missing and this user cannot install packages;" \
         "install it with: apt-get install -y chromium" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: $CHROMIUM is missing and apt-get is not available; install Chromium" \
         "so that $CHROMIUM exists" >&2
    exit 1
fi

echo "ensure_chromium: $CHROMIUM is missing; installing the chromium package with apt-get"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
echo "ensure_chromium: installed $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
