#!/usr/bin/env bash
# Quick start: runs the whole pipeline on the built-in demo data set.
# ERP (demo) → extractor → ingest-api → Redis → worker → MySQL, day one then the next day, and
# prints what each run did next to what MySQL holds.
# Sizes: DEMO_INFLUENCERS (default 10000), DEMO_CONTRACTS (default 30000).
set -euo pipefail
cd "$(dirname "$0")/.."

# Headings in bold on a terminal only, never as escape codes in a file or a CI log.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\e[1m'; plain=$'\e[0m'; else bold=; plain=; fi
step() { echo; echo "${bold}== $*${plain}"; }

step "checking MariaDB and Redis (installed and started when missing)"
bash scripts/ensure-services.sh

influencers=${DEMO_INFLUENCERS:-10000}
contracts=${DEMO_CONTRACTS:-30000}
logs=target/demo
mkdir -p "$logs"

step "building ingest-api, worker and extractor (release; the first build takes a few minutes)"
cargo build --release --locked -p ingest-api -p worker -p extractor
bin=${CARGO_TARGET_DIR:-target}/release

# Every setting explicit: the binaries run as in production, which has no defaults for MySQL and
# Redis. A database and a queue namespace of the demo's own, fresh each time.
export DIS_MYSQL_URL=${DEMO_MYSQL_URL:-mysql://root@127.0.0.1:3306/dis_demo}
export DIS_REDIS_URL=${DIS_REDIS_URL:-redis://127.0.0.1:6379}
export DIS_QUEUE_NAMESPACE=dis-demo
export DIS_LISTEN=127.0.0.1:${DEMO_PORT:-4100}
export DIS_METRICS_LISTEN=127.0.0.1:${DEMO_WORKER_PORT:-9100}
export DIS_API_URL=http://$DIS_LISTEN
export DIS_API_TOKEN=demo-ingest-token
# The token goes in on standard input: never on a command line, where `ps` would show it.
export DIS_API_KEYS="demo:ingest:$(printf %s "$DIS_API_TOKEN" | $bin/ingest-api hash-key)"
# Readable text in the log files (the default for a file is JSON lines); no colour codes either way.
export DIS_LOG_FORMAT=text
unset DIS_CONFIG
database=${DIS_MYSQL_URL##*/}
mysql --protocol=tcp -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS \`$database\`"
redis-cli -u "$DIS_REDIS_URL" --scan --pattern "$DIS_QUEUE_NAMESPACE:*" | xargs -r redis-cli -u "$DIS_REDIS_URL" del >/dev/null

pids=()
# SIGTERM: the API and the worker finish what they hold and exit.
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

step "starting the API on $DIS_LISTEN and a worker (logs in $logs/)"
$bin/ingest-api >"$logs/ingest-api.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do curl -fsS "$DIS_API_URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$DIS_API_URL/readyz" >/dev/null || { echo "the API did not start; see $logs/ingest-api.log:" >&2; tail -5 "$logs/ingest-api.log" >&2; exit 1; }
$bin/worker >"$logs/worker.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do $bin/worker healthcheck >/dev/null 2>&1 && break; sleep 0.2; done
$bin/worker healthcheck >/dev/null || { echo "the worker did not start; see $logs/worker.log:" >&2; tail -5 "$logs/worker.log" >&2; exit 1; }

count() { mysql --protocol=tcp -h 127.0.0.1 -u root -N -e "SELECT COUNT(*) FROM \`$database\`.$1"; }

for day in one next; do
  step "day $day: full runs of influencers then contracts"
  # The extractor prints each run's report: its counts (and, once the API returns it, the run's
  # change summary: new, changed, unchanged, rejected and swept records per entity).
  $bin/extractor run --source demo --entity all --mode full --day "$day" \
    --influencers "$influencers" --contracts "$contracts"
  echo "MySQL now holds: $(count influencers) influencers, $(count contracts) contracts"
done

step "runs (from MySQL)"
mysql --protocol=tcp -h 127.0.0.1 -u root -t -e "SELECT id AS run, entity, mode, status, received_records AS received, \
  accepted_records AS accepted, rejected_records AS rejected, swept_rows AS swept, \
  TIMESTAMPDIFF(MICROSECOND, created_at, finished_at) / 1e6 AS seconds FROM \`$database\`.sync_runs ORDER BY id"
echo "Logs: $logs/. The demo database '$database' is left in place for you to look at."
