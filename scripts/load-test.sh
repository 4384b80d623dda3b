#!/usr/bin/env bash
# The load test (README, "Load test"): the release binaries — ingest-api and two workers — on a
# scratch MariaDB database and Redis namespace, and locust (PyPI) on the loopback driving
# integrators, each running incremental runs of influencers one after another, while one full run
# of influencers streams its batches over most of the test (after a quiet seed full run, so that
# its sweep has keys to delete). Then it checks that no request failed, that every run counted
# exactly what was sent, that MySQL holds exactly what was sent (every row, every column) and that
# the sweep deleted only what it should; and prints the latency of PUT .../batches and the
# throughput. Exit code 0 only when every check passed.
#
#   scripts/load-test.sh [--duration SECONDS] [--integrators N] [--full-records N]
#
# Defaults: 180 s, 20 integrators, a seed of 40,000 influencers (the demo data set's size, all
# entities together); also LOAD_DURATION, LOAD_INTEGRATORS, LOAD_FULL_RECORDS. LOAD_KEEP=1 keeps
# the database. Logs, locust's CSV and the ledger of what was sent go to target/load-test/.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

duration=${LOAD_DURATION:-180}
integrators=${LOAD_INTEGRATORS:-20}
full_records=${LOAD_FULL_RECORDS:-40000}
while [ $# -gt 0 ]; do
    case $1 in
        --duration) duration=$2; shift 2 ;;
        --integrators) integrators=$2; shift 2 ;;
        --full-records) full_records=$2; shift 2 ;;
        *) echo "usage: $0 [--duration SECONDS] [--integrators N] [--full-records N]" >&2; exit 2 ;;
    esac
done

VENV=target/load-venv
PY_REQUIREMENTS="locust==2.47.0 PyMySQL==1.2.4"
OUT=target/load-test
die() { echo "load-test: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

bash scripts/ensure-services.sh || die "MariaDB or Redis is not available"

echo "== building ingest-api and worker (release; a no-op when fresh)"
cargo build --release --locked -q -p ingest-api -p worker -p extractor || die "cargo build failed"
bin=${CARGO_TARGET_DIR:-target}/release

# shellcheck source=scripts/python-venv.sh
source scripts/python-venv.sh
ensure_venv "$VENV" "$PY_REQUIREMENTS" "locust"
PY=$VENV/bin/python

# ---- the stack: a database and a namespace of its own, the API and two workers ----------------
rm -rf "$OUT" && mkdir -p "$OUT"
database=dis_load_$$
export DIS_MYSQL_URL=mysql://root@127.0.0.1:3306/$database
export DIS_REDIS_URL=${DIS_REDIS_URL:-redis://127.0.0.1:6379}
export DIS_QUEUE_NAMESPACE=dis-load-$$
export DIS_LOG_FORMAT=json DIS_MIGRATE=false RUST_LOG=info,sqlx=warn PYTHONDONTWRITEBYTECODE=1
unset DIS_CONFIG DIS_LISTEN DIS_METRICS_LISTEN DIS_API_KEYS DIS_API_KEYS_FILE
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api_port=$(free_port)
api=http://127.0.0.1:$api_port

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    if [ "${LOAD_KEEP:-0}" != 1 ]; then
        mysql --protocol=tcp -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS \`$database\`"
        redis-cli -u "$DIS_REDIS_URL" --scan --pattern "$DIS_QUEUE_NAMESPACE:*" |
            xargs -r redis-cli -u "$DIS_REDIS_URL" del >/dev/null
    else
        echo "LOAD_KEEP=1: database $database and namespace $DIS_QUEUE_NAMESPACE kept"
    fi
}
trap cleanup EXIT

# A token for the full run and one for each integrator, each its own key, hashed by the API.
token() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
full_token=$(token)
keys="full-run:ingest:$(printf %s "$full_token" | "$bin/ingest-api" hash-key)"
integrator_tokens=()
for i in $(seq 1 "$integrators"); do
    integrator_tokens+=("$(token)")
    keys+=",integrator-$i:ingest:$(printf %s "${integrator_tokens[-1]}" | "$bin/ingest-api" hash-key)"
done
printf '{"full": "%s", "integrators": [%s]}\n' "$full_token" \
    "$(printf '"%s",' "${integrator_tokens[@]}" | sed 's/,$//')" > "$OUT/tokens.json"

echo "== migrating $database, then the API on $api and two workers (logs in $OUT/)"
"$bin/ingest-api" migrate >"$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log" >&2; die "migrate failed"; }
DIS_LISTEN=127.0.0.1:$api_port DIS_API_KEYS=$keys "$bin/ingest-api" serve >"$OUT/ingest-api.log" 2>&1 &
pids+=($!)
worker_ports=()
for n in 1 2; do
    worker_ports+=("$(free_port)")
    DIS_METRICS_LISTEN=127.0.0.1:${worker_ports[-1]} "$bin/worker" run >"$OUT/worker-$n.log" 2>&1 &
    pids+=($!)
done
ready() {
    curl -fsS "$api/readyz" >/dev/null 2>&1 || return 1
    for port in "${worker_ports[@]}"; do
        DIS_METRICS_LISTEN=127.0.0.1:$port "$bin/worker" healthcheck >/dev/null 2>&1 || return 1
    done
}
for _ in $(seq 1 150); do ready && break; sleep 0.2; done
ready || { tail -5 "$OUT"/*.log >&2; die "the API or a worker did not start"; }

echo "== seed: a full run of $full_records influencers, quietly"
timeout 600 "$PY" tests/load/seed.py "$api" "$full_token" "$full_records" "$OUT/seed.json" ||
    die "the seed run failed"

# CPU time of the pieces, from /proc, to say where the load's time went.
ticks() { for pid in "$@"; do awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null; done | awk '{ s += $1 } END { print s + 0 }'; }
cpu_now() { echo "$(ticks "${pids[0]}") $(ticks "${pids[1]}" "${pids[2]}") $(ticks $(pgrep -x mariadbd)) $(ticks $(pgrep -x redis-server))"; }
read -r api_cpu workers_cpu mariadb_cpu redis_cpu <<<"$(cpu_now)"

echo "== load: $integrators integrators running incremental runs while a full run streams, ${duration} s"
(
    cd tests/load &&
        LOAD_TOKENS=../../$OUT/tokens.json LOAD_LEDGER=../../$OUT/ledger.json \
            LOAD_DURATION=$duration LOAD_FULL_RECORDS=$full_records \
            timeout $((duration + 300)) "../../$VENV/bin/locust" -f locustfile.py --headless \
            --host "$api" --users $((integrators + 1)) --spawn-rate $((integrators + 1)) \
            --run-time "${duration}s" --stop-timeout 120 --only-summary \
            --csv "../../$OUT/locust" --loglevel WARNING
) 2>&1 | tee "$OUT/locust.out"
[ -f "$OUT/ledger.json" ] || die "locust wrote no ledger (see $OUT/locust.out)"
read -r api_end workers_end mariadb_end redis_end <<<"$(cpu_now)"

status=0
"$PY" tests/load/check.py --ledger "$OUT/ledger.json" --seed "$OUT/seed.json" --database "$database" ||
    status=1

# Errors the processes logged, whatever the answers said.
errors=$(cat "$OUT/ingest-api.log" "$OUT"/worker-*.log | grep -c '"level":"ERROR"')
if [ "$errors" -gt 0 ]; then
    echo "  FAIL the API and workers logged $errors errors:"
    cat "$OUT/ingest-api.log" "$OUT"/worker-*.log | grep '"level":"ERROR"' | head -5
    status=1
else
    echo "  ok   the API and the workers logged no error ($(cat "$OUT/ingest-api.log" "$OUT"/worker-*.log |
        grep -c '"level":"WARN"') warnings)"
fi
hz=$(getconf CLK_TCK)
locust_cpu=$("$PY" -c "import json; print(round(json.load(open('$OUT/ledger.json'))['locust_cpu_seconds']))")
echo "  CPU seconds during the load (2 cores x ${duration} s = $((2 * duration)) s on this machine):" \
    "API $(((api_end - api_cpu) / hz)), workers $(((workers_end - workers_cpu) / hz))," \
    "MariaDB $(((mariadb_end - mariadb_cpu) / hz)), Redis $(((redis_end - redis_cpu) / hz)), locust $locust_cpu"
if [ "$status" = 0 ]; then echo "load-test: passed"; else echo "load-test: FAILED"; fi
exit "$status"
