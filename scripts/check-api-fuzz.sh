#!/usr/bin/env bash
# schemathesis against the API's own OpenAPI document (/openapi.json), served by the real binary
# on a free port, against a scratch MySQL database and a scratch Redis namespace, with a worker
# applying what it queues. Every operation, valid keys of both scopes: no 5xx, no hang (each
# request has FUZZ_REQUEST_TIMEOUT seconds), and every answer (status, headers, content type,
# body) as the document says; plus schemathesis's checks that refusals are refusals (missing
# or bad keys, bad input, unknown methods). Bounded: FUZZ_EXAMPLES cases per operation, and the
# whole schemathesis run is killed after FUZZ_TIME_LIMIT seconds.
#
#   scripts/check-api-fuzz.sh                 (from scripts/test.sh)
#   FUZZ_EXAMPLES=1000 FUZZ_TIME_LIMIT=580 scripts/check-api-fuzz.sh   (a longer hunt)
#
# Installs schemathesis (PyPI, pinned) into target/fuzz-venv on first use; builds the debug
# binaries. Its report and the binaries' logs stay in target/api-fuzz/. Exit status: schemathesis's.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

VENV=target/fuzz-venv
OUT=target/api-fuzz
PY_REQUIREMENTS="schemathesis==4.32.5"
EXAMPLES=${FUZZ_EXAMPLES:-100}
TIME_LIMIT=${FUZZ_TIME_LIMIT:-240}
REQUEST_TIMEOUT=${FUZZ_REQUEST_TIMEOUT:-10}
MYSQL_SERVER=${DIS_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}
REDIS_URL=${DIS_TEST_REDIS_URL:-redis://127.0.0.1:6379}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
die() { echo "check-api-fuzz: $*" >&2; exit 1; }

# ---- tools ----------------------------------------------------------------------------------------
# shellcheck source=scripts/python-venv.sh
source scripts/python-venv.sh
ensure_venv "$VENV" "$PY_REQUIREMENTS" "schemathesis"
cargo build --locked -q -p ingest-api -p worker || die "cargo build failed"
bin=${CARGO_TARGET_DIR:-target}/debug

# ---- a scratch API and worker ---------------------------------------------------------------------
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
random() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
suffix="$$_$(date +%s)"
database="dis_fuzz_$suffix"
rm -rf "$OUT" && mkdir -p "$OUT"
export DIS_MYSQL_URL="$MYSQL_SERVER/$database"
export DIS_REDIS_URL="$REDIS_URL"
export DIS_QUEUE_NAMESPACE="dis-fuzz-$suffix"
export DIS_LISTEN="127.0.0.1:$(free_port)"
export DIS_LOG_FORMAT=text
unset DIS_CONFIG DIS_METRICS_LISTEN DIS_API_KEYS_FILE
# The keys schemathesis sends, one per scope; the config below names them by security scheme.
export FUZZ_INGEST_TOKEN FUZZ_OPS_TOKEN
FUZZ_INGEST_TOKEN=$(random)
FUZZ_OPS_TOKEN=$(random)
hash_key() { printf %s "$1" | "$bin/ingest-api" hash-key; }
DIS_API_KEYS="fuzz:ingest:$(hash_key "$FUZZ_INGEST_TOKEN"),fuzz-ops:ops:$(hash_key "$FUZZ_OPS_TOKEN")"
export DIS_API_KEYS

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
    mysql --protocol=tcp -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS \`$database\`" 2>/dev/null
    redis-cli -u "$REDIS_URL" --scan --pattern "$DIS_QUEUE_NAMESPACE*" |
        xargs -r redis-cli -u "$REDIS_URL" del >/dev/null
}
trap cleanup EXIT

"$bin/ingest-api" >"$OUT/ingest-api.log" 2>&1 & pids+=($!)
DIS_METRICS_LISTEN="127.0.0.1:$(free_port)" "$bin/worker" >"$OUT/worker.log" 2>&1 & pids+=($!)
api="http://$DIS_LISTEN"
for _ in $(seq 1 150); do curl -fsS "$api/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$api/readyz" >/dev/null || { tail -5 "$OUT/ingest-api.log" >&2; die "the API did not start"; }

# ---- schemathesis ---------------------------------------------------------------------------------
# Each security scheme of the document gets its key (an operation that admits either scope is
# called with the first it lists). The cache (failures found before, replayed first) stays
# under target/.
cat >"$OUT/schemathesis.toml" <<EOF
[cache]
directory = "$PWD/target/fuzz-cache"

[auth.openapi.ingest_key]
bearer = "\${FUZZ_INGEST_TOKEN}"

[auth.openapi.ops_key]
bearer = "\${FUZZ_OPS_TOKEN}"
EOF
echo "== schemathesis against $api/openapi.json ($EXAMPLES cases per operation, at most ${TIME_LIMIT}s)"
started=$(date +%s)
timeout --signal=INT --kill-after=15 "$TIME_LIMIT" \
    "$VENV/bin/schemathesis" --config-file "$OUT/schemathesis.toml" run "$api/openapi.json" \
    --checks all \
    --max-examples "$EXAMPLES" \
    --request-timeout "$REQUEST_TIMEOUT" \
    --generation-database none \
    --report junit --report-dir "$OUT" \
    --no-color
status=$?
echo "check-api-fuzz: schemathesis took $(($(date +%s) - started))s, exit status $status (logs in $OUT/)"
[ "$status" = 124 ] && echo "check-api-fuzz: killed at the time limit (FUZZ_TIME_LIMIT=${TIME_LIMIT}s)" >&2
exit "$status"
