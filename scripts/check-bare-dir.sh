#!/usr/bin/env bash
# The release binaries as the images run them (README, "What was checked here"): copied out of
# target/ into an empty directory laid out like the image (/usr/local/bin/<binary>, the
# extractor's /var/lib/dis-sync, secrets as files), run as uid:gid 65532:65532 (distroless
# "nonroot", as the Dockerfile's USER) with no supplementary groups, no capabilities and
# no-new-privs, from a working directory they cannot write to (the pods' root filesystem is
# read-only), with only the image's and the deployment's variables in their environment (no cargo,
# no source tree, nothing else on PATH). It runs `ingest-api migrate`, starts the API and a worker
# with DIS_MIGRATE=false, checks both `healthcheck` subcommands (the images' HEALTHCHECK), runs the
# extractor on the demo data set, checks that every run completed and MySQL holds the records, that
# the processes ran as 65532 and wrote no file anywhere, and that both stop cleanly on SIGTERM.
#
#   scripts/check-bare-dir.sh          (root, or sudo; MariaDB and Redis as for the tests)
#   scripts/check-bare-dir.sh --debug  the same with the debug binaries: what the test command runs,
#                                      since a cold release build would take a third of CI's 30 min
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

UID_GID=65532
INFLUENCERS=2000 CAMPAIGNS=200 CONTRACTS=6000
die() { echo "check-bare-dir: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || exec sudo --preserve-env=PATH,CARGO_TARGET_DIR,DIS_REDIS_URL bash "$0" "$@"
command -v setpriv >/dev/null || die "setpriv (util-linux) is missing"

bash scripts/ensure-services.sh || die "MariaDB or Redis is not available"
profile=release
[ "${1:-}" = --debug ] && profile=debug
echo "== building the $profile binaries (a no-op when fresh)"
if [ "$profile" = release ]; then
  cargo build --release --locked -q -p ingest-api -p worker -p extractor || die "cargo build failed"
else
  cargo build --locked -q -p ingest-api -p worker -p extractor || die "cargo build failed"
fi
built=${CARGO_TARGET_DIR:-target}/$profile

# ---- the image, as a directory --------------------------------------------------------------
root=$(mktemp -d /tmp/dis-bare.XXXXXX)
chmod 755 "$root"
bin=$root/usr/local/bin state=$root/var/lib/dis-sync secrets=$root/run/secrets home=$root/home/nonroot
mkdir -p "$bin" "$state" "$secrets" "$home"
install -m 755 "$built/ingest-api" "$built/worker" "$built/extractor" "$bin/"
chown "$UID_GID:$UID_GID" "$state"
database=dis_bare_$$ namespace=dis-bare-$$
redis_url=${DIS_REDIS_URL:-redis://127.0.0.1:6379}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api_port=$(free_port) api_metrics=$(free_port) worker_port=$(free_port)
token=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
# Secrets as a Kubernetes Secret volume with fsGroup 65532 mounts them: root's, group-readable.
printf %s "mysql://root@127.0.0.1:3306/$database" >"$secrets/mysql-url"
printf %s "extractor:ingest:$(printf %s "$token" | "$bin/ingest-api" hash-key)" >"$secrets/api-keys"
printf %s "$token" >"$secrets/api-token"
chgrp -R "$UID_GID" "$secrets" && chmod 750 "$secrets" && chmod 440 "$secrets"/*
started=$(mktemp) # files newer than this one were written by the test

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait 2>/dev/null
    mysql --protocol=tcp -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS \`$database\`"
    redis-cli -u "$redis_url" --scan --pattern "$namespace:*" | xargs -r redis-cli -u "$redis_url" del >/dev/null
    rm -rf "$root" "$started"
}
trap cleanup EXIT

# nonroot SECONDS DIR VAR=VALUE... -- BINARY ARGS...: sets `cmd` to the command that runs BINARY
# from DIR as the image's user, with nothing in its environment but VAR=VALUE..., stopped after
# SECONDS (0: never; then the command execs the binary itself, so that its pid is the binary's).
nonroot() {
    local limit=$1 dir=$2 env=(PATH="$bin" HOME="$home") stop=()
    shift 2
    while [ "$1" != -- ]; do env+=("$1"); shift; done
    shift
    [ "$limit" = 0 ] || stop=(/usr/bin/timeout "$limit")
    cmd=(env -i -C "$dir" "${env[@]}" "${stop[@]}" /usr/bin/setpriv --reuid=$UID_GID --regid=$UID_GID
        --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all "$@")
}
as_nonroot() { nonroot "$@" && "${cmd[@]}"; }
# What the images set (Dockerfile ENV) and what compose and the manifests add, on loopback ports.
common=(DIS_LOG_FORMAT=json DIS_MIGRATE=false RUST_LOG=info,sqlx=warn
    DIS_MYSQL_URL_FILE="$secrets/mysql-url" DIS_REDIS_URL="$redis_url" DIS_QUEUE_NAMESPACE="$namespace")
api_env=("${common[@]}" DIS_LISTEN=127.0.0.1:$api_port DIS_METRICS_LISTEN=127.0.0.1:$api_metrics
    DIS_API_KEYS_FILE="$secrets/api-keys")
worker_env=("${common[@]}" DIS_METRICS_LISTEN=127.0.0.1:$worker_port DIS_WORKER_CONCURRENCY=4)
extractor_env=(DIS_LOG_FORMAT=json DIS_ERP_WATERMARKS_PATH="$state/watermarks.json"
    DIS_API_URL=http://127.0.0.1:$api_port DIS_API_TOKEN_FILE="$secrets/api-token")

sql() { mysql --protocol=tcp -h 127.0.0.1 -u root -N -B "$database" -e "$1"; }
passed=0 failed=0
check() {  # check WHAT COMMAND...: one check, keeps going on failure
    local what=$1
    shift
    if "$@"; then passed=$((passed + 1)); echo "  ok   $what"; else failed=$((failed + 1)); echo "  FAIL $what"; fi
}
logs=$root/logs && mkdir "$logs" # the processes' output, written by this script's redirections

echo "== $root: ingest-api migrate, as $UID_GID"
migrate() {
    as_nonroot 120 "$root" DIS_LOG_FORMAT=json DIS_MYSQL_URL_FILE="$secrets/mysql-url" -- \
        "$bin/ingest-api" migrate >"$logs/migrate" 2>&1 && [ "$(sql "SELECT COUNT(*) FROM _sqlx_migrations")" -gt 0 ]
}
check "ingest-api migrate exits 0 and creates the schema" migrate

echo "== the API and a worker (DIS_MIGRATE=false), as $UID_GID"
nonroot 0 "$root" "${api_env[@]}" -- "$bin/ingest-api" serve
"${cmd[@]}" >"$logs/api" 2>&1 &
pids+=($!)
nonroot 0 "$root" "${worker_env[@]}" -- "$bin/worker" run
"${cmd[@]}" >"$logs/worker" 2>&1 &
pids+=($!)
healthy() { as_nonroot 10 "$root" "$@" >/dev/null 2>&1; }
api_healthy() { healthy "${api_env[@]}" -- "$bin/ingest-api" healthcheck; }
worker_healthy() { healthy "${worker_env[@]}" -- "$bin/worker" healthcheck; }
for _ in $(seq 1 150); do api_healthy && worker_healthy && break; sleep 0.2; done
check "ingest-api healthcheck (the image's HEALTHCHECK) exits 0" api_healthy
check "worker healthcheck (the image's HEALTHCHECK) exits 0" worker_healthy
nothing_answers() { ! healthy DIS_LISTEN=127.0.0.1:$(free_port) -- "$bin/ingest-api" healthcheck; }
check "healthcheck exits non-zero when nothing answers" nothing_answers
check "the API is ready (/readyz: MySQL and Redis answer it)" curl -fsS -o /dev/null "http://127.0.0.1:$api_port/readyz"
runs_as_nonroot() {
    local pid uid
    for pid in $(pgrep -f "^$bin/"); do
        uid=$(ps -o uid= -p "$pid" | tr -d ' ')
        [ "$uid" = $UID_GID ] || { echo "    pid $pid runs as uid $uid"; return 1; }
    done
    [ "$(pgrep -fc "^$bin/")" = 2 ]
}
check "the API and the worker run as uid $UID_GID" runs_as_nonroot

echo "== extractor run --source demo (day one: $INFLUENCERS influencers, $CAMPAIGNS campaigns, $CONTRACTS contracts), as $UID_GID"
as_nonroot 300 "$state" "${extractor_env[@]}" -- "$bin/extractor" run --source demo --entity all \
    --mode full --influencers $INFLUENCERS --campaigns $CAMPAIGNS --contracts $CONTRACTS \
    --batch-size 500 --no-progress --wait-timeout 240 >"$logs/extractor" 2>&1
code=$?
check "the extractor exits 0 (every run completed)" test "$code" = 0
holds() {  # holds ENTITY N: its run completed with N records loaded and the table holds them
    local run rows
    run=$(sql "SELECT r.status, r.received_records, (SELECT SUM(loaded) FROM run_jobs j WHERE j.run_id = r.id)
               FROM sync_runs r WHERE r.entity = '$1'" | tr '\t' ' ')
    rows=$(sql "SELECT COUNT(*) FROM $1")
    [ "$run" = "completed $2 $2" ] && [ "$rows" = "$2" ] || { echo "    $1: run '$run', $rows rows"; return 1; }
}
check "influencers: run completed, $INFLUENCERS records loaded and in MySQL" holds influencers $INFLUENCERS
check "campaigns: run completed, $CAMPAIGNS records loaded and in MySQL" holds campaigns $CAMPAIGNS
check "contracts: run completed, $CONTRACTS records loaded and in MySQL" holds contracts $CONTRACTS
check "the extractor reported each run as completed" test "$(grep -c 'completed (full)' "$logs/extractor")" = 3

echo "== stopping (SIGTERM)"
stopped_cleanly() {
    local pid code=0
    for pid in "${pids[@]}"; do kill -TERM "$pid"; done
    for pid in "${pids[@]}"; do timeout 60 tail --pid="$pid" -f /dev/null || code=1; wait "$pid" || code=1; done
    pids=()
    return "$code"
}
check "the API and the worker stop with exit code 0 within 60 s" stopped_cleanly
wrote_nothing() {
    local written
    written=$(find "$root" /tmp /var/tmp /dev/shm -xdev -user $UID_GID -newer "$started" 2>/dev/null)
    [ -z "$written" ] || { echo "    written as $UID_GID: $written"; return 1; }
}
check "no process wrote a file (working directory, HOME, /tmp, the state volume)" wrote_nothing

if [ "$failed" -gt 0 ]; then
    for log in migrate api worker extractor; do echo "---- $log (last lines)"; tail -5 "$logs/$log"; done
fi
echo "check-bare-dir: $passed passed, $failed failed"
[ "$failed" = 0 ]
