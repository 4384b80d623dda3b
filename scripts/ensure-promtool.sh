#!/usr/bin/env bash
# Unpacks promtool from Debian's prometheus package into target/promtool/ when it is missing (the
# package is downloaded and unpacked, not installed: no Prometheus server is set up). Used by
# scripts/check-deploy.sh (alert rules, dashboard queries) and by the metrics test, which runs
# `promtool check metrics` on real scrapes.
set -euo pipefail
cd "$(dirname "$0")/.."
PROMTOOL=target/promtool/promtool
[ -x "$PROMTOOL" ] && exit 0

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
echo "== unpacking promtool from Debian's prometheus package"
deb=$(mktemp -d)
trap 'rm -rf "$deb"' EXIT
(cd "$deb" && { apt-get download prometheus >/dev/null 2>&1 ||
    { as_root apt-get update -qq && apt-get download prometheus >/dev/null 2>&1; }; }) ||
    { echo "ensure-promtool: cannot download Debian's prometheus package" >&2; exit 1; }
dpkg -x "$deb"/prometheus_*.deb "$deb/x" && mkdir -p "$(dirname "$PROMTOOL")" &&
    cp "$deb/x/usr/bin/promtool" "$PROMTOOL" ||
    { echo "ensure-promtool: cannot unpack promtool" >&2; exit 1; }
