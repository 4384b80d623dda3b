"""After the load: waits (bounded) until every run has ended, then checks MySQL against what was
sent and prints the figures. Exits 1 on any failed check.

    python check.py --ledger L.json --seed S.json --database DB [--host H --port P --user U]

Checks: no request failed; every run the test made, and no other, is completed with exactly the
counts it sent (batches, records, accepted, rejected, every accepted record loaded once, every
job applied); the influencers table holds exactly the expected rows, column by column (each
integrator's last record of its keys, the full run's records of the others, the seed's where the
full run's record was invalid), with the full run's stamp on every key it sent; the sweep
deleted only keys the full run no longer has, each as the seed had it, and every one of them
nobody else wrote; no dead letter; every rejected record counted.
"""

import argparse
import json
import math
import sys
import time
from datetime import datetime, timezone

import pymysql

import dataset

COLUMNS = ["name", "handle", "email", "phone", "platform", "followers", "document", "city",
           "state", "status"]
ENDED = ("completed", "failed", "aborted", "held")


class Checks:
    def __init__(self):
        self.failed = []

    def expect(self, ok, what, detail=""):
        print(f"  {'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if detail and not ok else ""))
        if not ok:
            self.failed.append(what)


def stored_form(record):
    moment = datetime.strptime(record["source_updated_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    values = tuple(record[c] for c in COLUMNS)
    return values + (dataset.nanos(moment.replace(tzinfo=timezone.utc)),)


def wait_for_runs(db, timeout):
    """Seconds until no run is open, closing or sweeping (bounded by `timeout`)."""
    started = time.monotonic()
    while True:
        with db.cursor() as cur:
            cur.execute("SELECT COUNT(*) FROM sync_runs WHERE status NOT IN %s", (ENDED,))
            (unfinished,) = cur.fetchone()
        if unfinished == 0 or time.monotonic() - started > timeout:
            return unfinished, time.monotonic() - started
        time.sleep(0.2)


def runs_in_mysql(db):
    with db.cursor() as cur:
        cur.execute(
            "SELECT r.id, r.status, r.status_reason, r.declared_batches, r.declared_records, "
            "r.received_batches, r.received_records, r.accepted_records, r.rejected_records, "
            "r.jobs_enqueued, COALESCE(j.applied, 0), COALESCE(j.loaded, 0), COALESCE(j.refused, 0), "
            "r.new_records + r.changed_records + r.unchanged_records, r.swept_rows, r.mode, "
            "r.created_at, r.finished_at "
            "FROM sync_runs r LEFT JOIN (SELECT run_id, COUNT(*) AS applied, SUM(loaded) AS loaded, "
            "SUM(rejected) AS refused FROM run_jobs GROUP BY run_id) j ON j.run_id = r.id")
        return {row[0]: row for row in cur.fetchall()}


def check_runs(checks, runs, sent):
    """Every run sent is completed with its exact counts; no run nobody sent."""
    wrong = []
    for run in sent:
        row = runs.get(run["run_id"])
        if row is None:
            wrong.append(f"run {run['run_id']} is not in MySQL")
            continue
        (_, status, reason, d_batches, d_records, r_batches, r_records, accepted, rejected,
         enqueued, applied, loaded, refused, summary, _, _, _, _) = row
        have = (status, d_batches, d_records, r_batches, r_records, accepted, rejected,
                applied, loaded, refused, summary)
        want = ("completed", run["batches"], run["records"], run["batches"], run["records"],
                run["accepted"], run["rejected"], enqueued, run["accepted"], 0, run["accepted"])
        if have != want:
            wrong.append(f"run {run['run_id']}: (status, declared batches/records, received "
                         f"batches/records, accepted, rejected, jobs applied, loaded, refused by "
                         f"MySQL, new+changed+unchanged) = {have}, expected {want} ({reason})")
    unknown = set(runs) - {run["run_id"] for run in sent}
    checks.expect(not wrong, f"all {len(sent)} runs completed with exactly what was sent",
                  "; ".join(wrong[:5]) + (f" (and {len(wrong) - 5} more)" if len(wrong) > 5 else ""))
    checks.expect(not unknown, "no run in MySQL that the test did not make", str(sorted(unknown)[:10]))


def expected_rows(ledger, seed_run, full_run):
    """Key -> (stored form, expected last_full_run_id or ... when either is right)."""
    size = ledger["full_records"]
    seed = {r["erp_id"]: r for r in dataset.seed_day(size)}
    full = {r["erp_id"]: r for r in dataset.full_run_day(size)}
    bad = set(dataset.invalid_keys(size))
    rows = {}
    for key, record in full.items():
        rows[key] = (stored_form(seed[key]), seed_run) if key in bad else (stored_form(record), full_run)
    for key, record in ledger["expected"].items():
        key = int(key)
        stamp = full_run if key in full else None if key >= dataset.INTEGRATOR_BASE else ...
        rows[key] = (stored_form(record), stamp)
    omitted = set(seed) - set(full)
    return rows, omitted, seed


def check_rows(checks, db, rows):
    with db.cursor() as cur:
        cur.execute(f"SELECT erp_id, {', '.join(COLUMNS)}, source_updated_ns, last_full_run_id "
                    "FROM influencers")
        stored = {row[0]: row[1:] for row in cur.fetchall()}
    missing = [k for k in rows if k not in stored]
    extra = [k for k in stored if k not in rows]
    different = [k for k, (want, _) in rows.items() if k in stored and stored[k][:-1] != want]
    unstamped = [k for k, (_, stamp) in rows.items()
                 if k in stored and stamp is not ... and stored[k][-1] != stamp]
    checks.expect((missing, extra, different) == ([], [], []),
                  f"influencers holds exactly the {len(rows)} expected rows, every column",
                  f"{len(missing)} missing {missing[:5]}, {len(extra)} extra {extra[:5]}, "
                  f"{len(different)} different {[(k, stored[k], rows[k][0]) for k in different[:2]]}")
    checks.expect(not unstamped, "every key the full run sent carries its stamp (others none)",
                  f"{len(unstamped)}: {[(k, stored[k][-1], rows[k][1]) for k in unstamped[:5]]}")


def check_sweep(checks, db, runs, full_run, omitted, seed, touched):
    with db.cursor() as cur:
        cur.execute(f"SELECT erp_id, swept_by_run_id, {', '.join(COLUMNS)}, source_updated_ns "
                    "FROM influencers_swept")
        audit = cur.fetchall()
    keys = [row[0] for row in audit]
    wrong = [row[0] for row in audit if row[0] not in omitted or row[1] != full_run
             or row[2:] != stored_form(seed[row[0]])]
    untouched = omitted - touched
    checks.expect(not wrong, "the sweep deleted only keys the full run no longer has, as the seed "
                  "had them", str(wrong[:10]))
    checks.expect(untouched <= set(keys) and len(keys) == len(set(keys)),
                  f"the sweep deleted each of the {len(untouched)} dropped keys no integrator wrote, "
                  "once", f"not swept: {sorted(untouched - set(keys))[:10]}")
    checks.expect(runs[full_run][14] == len(audit), "the full run's swept count is its audit rows",
                  f"{runs[full_run][14]} counted, {len(audit)} in the audit")
    print(f"       swept {len(audit)} rows; {len(omitted & touched)} dropped keys were written by "
          f"integrators meanwhile and kept")


def check_leftovers(checks, db, sent_runs):
    with db.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM dead_letters")
        (dead,) = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM rejected_records")
        (rejected,) = cur.fetchone()
    checks.expect(dead == 0, "no dead letter", f"{dead} dead letters")
    want = sum(run["rejected"] for run in sent_runs)
    checks.expect(rejected == want, f"the {want} invalid records sent are the rejected records",
                  f"{rejected} in rejected_records")


def percentile(ordered, p):
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def figures(ledger, runs, full_run, drain_seconds):
    print("\nPUT /v1/runs/{id}/batches/{seq}, milliseconds (client side, locust, loopback):")
    print(f"  {'who':<34}{'count':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    lat = ledger["latencies"]
    puts = {name: values for name, values in lat.items() if name.startswith("PUT")}
    everything = [v for values in puts.values() for v in values]
    for name, values in sorted(puts.items()) + [("every PUT", everything)]:
        ordered = sorted(values)
        label = name.split("} ")[-1] if "}" in name else name
        print(f"  {label:<34}{len(ordered):>7}" + "".join(
            f"{percentile(ordered, p):>9.1f}" for p in (50, 95, 99)) + f"{ordered[-1]:>9.1f}")
    window = ledger["stopped"] - ledger["started"]
    requests = sum(len(values) for values in lat.values())
    integrator_records = sum(r["records"] for r in ledger["integrator_runs"])
    full_records = ledger["full_run"]["records"]
    first = runs[full_run][16]
    last = max(row[17] for row in runs.values() if row[0] >= full_run and row[17])
    applied_window = (last - first).total_seconds()
    print(f"\n  load: {window:.0f} s, {len(ledger['integrator_runs'])} incremental runs by "
          f"{ledger['integrators']} integrators + 1 full run; {requests} requests ({requests / window:.0f}/s)")
    print(f"  records accepted by the API: {integrator_records} from integrators + {full_records} "
          f"from the full run = {(integrator_records + full_records) / window:.0f} records/s")
    print(f"  applied to MySQL: all of them {drain_seconds:.1f} s after the load stopped; from the "
          f"full run's start to the last run's end {applied_window:.0f} s = "
          f"{(integrator_records + full_records) / applied_window:.0f} records/s end to end")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ledger", required=True)
    parser.add_argument("--seed", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3306)
    parser.add_argument("--user", default="root")
    parser.add_argument("--settle-timeout", type=float, default=300)
    args = parser.parse_args()
    ledger = json.load(open(args.ledger))
    seed_run = json.load(open(args.seed))
    checks = Checks()
    print("== load test checks")
    checks.expect(not ledger["errors"], "every answer was the expected one (no 5xx, no 4xx, "
                  "no connection error)", json.dumps(ledger["errors"][:5]))
    checks.expect("full_run" in ledger, "the full run was sent to its end")
    if "full_run" not in ledger:
        sys.exit(1)
    db = pymysql.connect(host=args.host, port=args.port, user=args.user, database=args.database,
                         autocommit=True)
    unfinished, drain = wait_for_runs(db, args.settle_timeout)
    checks.expect(unfinished == 0, f"every run ended within {args.settle_timeout:.0f} s of the "
                  f"load's end", f"{unfinished} still open, closing or sweeping")
    runs = runs_in_mysql(db)
    full_run = ledger["full_run"]["run_id"]
    sent_runs = [seed_run, ledger["full_run"]] + ledger["integrator_runs"]
    check_runs(checks, runs, sent_runs)
    rows, omitted, seed = expected_rows(ledger, seed_run["run_id"], full_run)
    check_rows(checks, db, rows)
    touched = {int(k) for k in ledger["expected"]}
    check_sweep(checks, db, runs, full_run, omitted, seed, touched)
    check_leftovers(checks, db, sent_runs)
    figures(ledger, runs, full_run, drain)
    if checks.failed:
        print(f"\n  {len(checks.failed)} checks FAILED: {'; '.join(checks.failed)}")
        sys.exit(1)
    print("\n  every check of MySQL passed")


if __name__ == "__main__":
    main()
