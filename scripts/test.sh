#!/usr/bin/env bash
# The test command of the README and of CI: services up, then format, lints, the bench harness on
# a small size, the deployment checks, schemathesis against the running API's OpenAPI document,
# the binaries run as the images run them (the debug build: a cold release build would take a third
# of CI's 30 minutes), and every test (unit, wiremock, and end-to-end against real MariaDB and
# Redis). The load test (scripts/load-test.sh) and the release binaries are run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
# The dashboard's browser test needs headless Chromium (Debian's).
bash scripts/ensure-chromium.sh
# The metrics test checks its scrapes with promtool (Debian's, unpacked under target/).
bash scripts/ensure-promtool.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== bench harness, smoke run (checks every measurement runs; a debug build measures nothing)"
cargo run --locked -q -p bench -- --smoke --records 2000 --memory-rows 20000
echo "== deployment files (scripts/check-deploy.sh: no Docker engine or cluster needed)"
deploy_status=0
bash scripts/check-deploy.sh || deploy_status=$?
echo "== API fuzz (scripts/check-api-fuzz.sh: schemathesis against /openapi.json of the running API)"
fuzz_status=0
bash scripts/check-api-fuzz.sh || fuzz_status=$?
echo "== the binaries from a bare directory as uid 65532 (scripts/check-bare-dir.sh --debug)"
bare_status=0
bash scripts/check-bare-dir.sh --debug || bare_status=$?
echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=$?
# One closing line for the whole workspace: cargo prints one per test binary, doc tests last.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "%d passed, %d failed\n", p, f }' "$log"
for step_status in "$deploy_status" "$fuzz_status" "$bare_status"; do
  [ "$status" -ne 0 ] || status=$step_status
done
exit "$status"
