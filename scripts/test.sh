#!/usr/bin/env bash
# The test command of the README and of CI: services up, then format, lints and every test
# (unit, wiremock, and end-to-end against real MariaDB and Redis).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-services.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked --no-fail-fast
