#!/usr/bin/env bash
# Quick start: runs the whole pipeline on the built-in demo data set.
# ERP (demo) → extractor → ingest-api → Redis → worker → MySQL, day one then the next day, and
# prints what each run did next to what MySQL holds; then where the dashboard is and how to sign in.
# Sizes: DEMO_INFLUENCERS (default 10000), DEMO_CAMPAIGNS (1000), DEMO_CONTRACTS (30000).
# DEMO_KEEP=1 leaves the API and the worker running afterwards, to look at the runs in the
# dashboard (/ops) and at /metrics; it says how to stop them.
set -euo pipefail
cd "$(dirname "$0")/.."

# Headings in bold on a terminal only, never as escape codes in a file or a CI log.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\e[1m'; plain=$'\e[0m'; else bold=; plain=; fi
step() { echo; echo "${bold}== $*${plain}"; }

step "checking MariaDB and Redis (installed and started when missing)"
bash scripts/ensure-services.sh

influencers=${DEMO_INFLUENCERS:-10000}
campaigns=${DEMO_CAMPAIGNS:-1000}
contracts=${DEMO_CONTRACTS:-30000}
keep=${DEMO_KEEP:-0}
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
# The worker's listener (/healthz, /metrics). Given to the worker alone: the API reads the same
# variable for a listener of its own, and serves /metrics on DIS_LISTEN without it.
worker_listen=127.0.0.1:${DEMO_WORKER_PORT:-9100}
unset DIS_METRICS_LISTEN
export DIS_API_URL=http://$DIS_LISTEN
export DIS_API_TOKEN=demo-ingest-token
# An operator's token and password for the dashboard, new each time: with DEMO_KEEP=1 the API
# stays up, and nobody else on this machine should know how to sign in to it.
random() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
ops_token=${DEMO_OPS_TOKEN:-$(random 16)}
ops_password=${DEMO_OPS_PASSWORD:-$(random 6)}
# Tokens and passwords go in on standard input: never on a command line, where `ps` would show them.
hash_key() { printf %s "$1" | $bin/ingest-api hash-key; }
export DIS_API_KEYS="demo:ingest:$(hash_key "$DIS_API_TOKEN"),operator:ops:$(hash_key "$ops_token")"
export DIS_OPS_USERS="demo:$(printf %s "$ops_password" | $bin/ingest-api hash-password)"
# Readable text in the log files (the default for a file is JSON lines); no colour codes either way.
export DIS_LOG_FORMAT=text
unset DIS_CONFIG
# A previous DEMO_KEEP=1 demo's API and worker hold the ports and the demo database: stop them
# (by their pids, and only if those are still an ingest-api or a worker), and wait for them.
if [ -f "$logs/pids" ]; then
  while read -r pid; do
    case "$(ps -o comm= -p "$pid" 2>/dev/null)" in
      ingest-api|worker)
        kill "$pid"
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done ;;
    esac
  done <"$logs/pids"
  rm -f "$logs/pids"
fi
database=${DIS_MYSQL_URL##*/}
mysql --protocol=tcp -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS \`$database\`"
redis-cli -u "$DIS_REDIS_URL" --scan --pattern "$DIS_QUEUE_NAMESPACE:*" | xargs -r redis-cli -u "$DIS_REDIS_URL" del >/dev/null

pids=()
# SIGTERM: the API and the worker finish what they hold and exit. With DEMO_KEEP=1 they are left
# running once the demo got through (a failed demo stops them all the same).
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

step "starting the API on $DIS_LISTEN and a worker (logs in $logs/)"
# nohup: with DEMO_KEEP=1 they outlive this script, and closing the terminal must not stop them.
nohup $bin/ingest-api >"$logs/ingest-api.log" 2>&1 & pids+=($!)
for _ in $(seq 1 100); do curl -fsS "$DIS_API_URL/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$DIS_API_URL/readyz" >/dev/null || { echo "the API did not start; see $logs/ingest-api.log:" >&2; tail -5 "$logs/ingest-api.log" >&2; exit 1; }
DIS_METRICS_LISTEN=$worker_listen nohup $bin/worker >"$logs/worker.log" 2>&1 & pids+=($!)
worker_healthcheck() { DIS_METRICS_LISTEN=$worker_listen $bin/worker healthcheck >/dev/null 2>&1; }
for _ in $(seq 1 100); do worker_healthcheck && break; sleep 0.2; done
worker_healthcheck || { echo "the worker did not start; see $logs/worker.log:" >&2; tail -5 "$logs/worker.log" >&2; exit 1; }

count() { mysql --protocol=tcp -h 127.0.0.1 -u root -N -e "SELECT COUNT(*) FROM \`$database\`.$1"; }

for day in one next; do
  step "day $day: full runs of influencers, campaigns, then contracts"
  # The extractor prints each run's report: its counts (and, once the API returns it, the run's
  # change summary: new, changed, unchanged, rejected and swept records per entity).
  $bin/extractor run --source demo --entity all --mode full --day "$day" \
    --influencers "$influencers" --campaigns "$campaigns" --contracts "$contracts"
  echo "MySQL now holds: $(count influencers) influencers, $(count campaigns) campaigns, $(count contracts) contracts"
done

step "runs (from MySQL)"
mysql --protocol=tcp -h 127.0.0.1 -u root -t -e "SELECT id AS run, entity, mode, status, received_records AS received, \
  accepted_records AS accepted, rejected_records AS rejected, swept_rows AS swept, \
  TIMESTAMPDIFF(MICROSECOND, created_at, finished_at) / 1e6 AS seconds FROM \`$database\`.sync_runs ORDER BY id"
echo "Logs: $logs/. The demo database '$database' is left in place for you to look at."

step "the dashboard"
echo "Address:  $DIS_API_URL/ops"
echo "Sign in:  with the ops token  $ops_token"
echo "          or as name 'demo', password  $ops_password"
echo "Metrics:  $DIS_API_URL/metrics (the API: queues, runs, requests) and http://$worker_listen/metrics (the worker)"
if [ "$keep" = 1 ]; then
  printf '%s\n' "${pids[@]}" >"$logs/pids"
  trap - EXIT
  echo "The API (pid ${pids[0]}) and the worker (pid ${pids[1]}) keep running (DEMO_KEEP=1). Stop them with"
  echo "  kill \$(cat $logs/pids)"
  echo "(SIGTERM: each finishes what it holds and exits; running ./scripts/demo.sh again stops them first.)"
else
  echo "The API and the worker stop now; run DEMO_KEEP=1 ./scripts/demo.sh to keep them up and sign in."
fi
