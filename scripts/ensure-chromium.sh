#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed, for the dashboard's browser test
# (tests/tests/ops_browser.rs drives it headless). It comes from Debian's packages: no browser
# build is downloaded from anywhere else.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1; then
  exit 0
fi
echo "installing Chromium (Debian's chromium and chromium-driver)…"
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromium >/dev/null 2>&1 || { echo "error: Chromium did not install" >&2; exit 1; }
