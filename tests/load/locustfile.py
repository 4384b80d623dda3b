"""The load test's users (run by scripts/load-test.sh): integrators each running incremental runs
of influencers, one after another, while one full run of influencers streams its batches over
most of the test. Every answer is checked as it comes (status and counts); what was sent, every
run's counts and each request's latency go to a ledger file at the end, which check.py compares
with MySQL.

Settings (environment): LOAD_TOKENS (a JSON file: {"full": token, "integrators": [token, ...]}),
LOAD_LEDGER (where the ledger goes), LOAD_DURATION (seconds, the -t of the run),
LOAD_FULL_RECORDS (the seed's size; the full run sends the day after it), LOAD_FULL_SHARE (the
share of the duration the full run is spread over, 0.8).
"""

import itertools
import json
import os
import random
import resource
import time
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import gevent
from gevent.event import AsyncResult
from locust import FastHttpUser, between, constant, events, task
from locust.exception import RescheduleTask, StopUser

import dataset

TOKENS = json.load(open(os.environ["LOAD_TOKENS"]))
DURATION = float(os.environ.get("LOAD_DURATION", "180"))
FULL_RECORDS = int(os.environ.get("LOAD_FULL_RECORDS", "40000"))
FULL_SHARE = float(os.environ.get("LOAD_FULL_SHARE", "0.8"))
FULL_BATCH = 1000
PUT_INTEGRATOR = "PUT /v1/runs/{id}/batches/{seq} (integrator)"
PUT_FULL = "PUT /v1/runs/{id}/batches/{seq} (full run)"
PUT_REPLAY = "PUT /v1/runs/{id}/batches/{seq} (same batch again)"

LEDGER = {
    "duration": DURATION,
    "full_records": FULL_RECORDS,
    "integrators": 0,
    "integrator_runs": [],
    "expected": {},
    "errors": [],
    "latencies": defaultdict(list),
}
# Set to the full run's id once it is open: integrators start only then, so every record they
# send is newer than the full run (the sweep must keep it).
FULL_RUN = AsyncResult()
INTEGRATOR_NUMBERS = itertools.count()
_last_stamp = [datetime.now(timezone.utc)]


def next_stamp():
    """Now, strictly later than any stamp given before: an integrator's later record of a key
    always carries a later source_updated_at."""
    stamp = max(datetime.now(timezone.utc), _last_stamp[0] + timedelta(microseconds=1))
    _last_stamp[0] = stamp
    return stamp


@events.request.add_listener
def on_request(name, response_time, **_):
    LEDGER["latencies"][name].append(response_time)


@events.test_start.add_listener
def on_test_start(**_):
    LEDGER["started"] = time.time()


@events.test_stop.add_listener
def on_test_stop(**_):
    LEDGER["stopped"] = time.time()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    LEDGER["locust_cpu_seconds"] = usage.ru_utime + usage.ru_stime
    with open(os.environ["LOAD_LEDGER"], "w") as out:
        json.dump(LEDGER, out)


def json_of(response):
    """The answer's JSON object, or {} when it is none."""
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class Protocol(FastHttpUser):
    """The run protocol, each answer checked; a wrong one is a failure in locust's figures and in
    the ledger (check.py fails on any)."""

    abstract = True
    token = ""

    def call(self, method, path, name, expected_status, body=None, check=None):
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        with self.client.request(method, path, data=body, headers=headers, name=name,
                                 catch_response=True) as response:
            problem = None
            if response.status_code != expected_status:
                problem = f"answered {response.status_code}, expected {expected_status}"
            elif check is not None:
                problem = check(response)
            if problem:
                text = (response.text or "")[:300]
                LEDGER["errors"].append({"request": f"{method} {path}", "problem": problem,
                                         "body": text})
                response.failure(f"{problem}: {text}")
                raise RescheduleTask()
            response.success()
            return response

    def create_run(self, mode):
        body = json.dumps({"entity": "influencers", "mode": mode})

        def opened(response):
            run = json_of(response)
            wanted = {"mode": mode, "status": "open", "received_records": 0}
            return None if {k: run.get(k) for k in wanted} == wanted else f"a new run reads {run}"

        answer = self.call("POST", "/v1/runs", f"POST /v1/runs ({mode})", 201, body, opened)
        return json_of(answer)["run_id"]

    def put_batch(self, run_id, seq, records, rejected, name):
        body = json.dumps({"records": records})
        accepted = len(records) - rejected

        def counts(response):
            got = json_of(response)
            want = {"accepted": accepted, "rejected": rejected, "jobs": -(-accepted // 100)}
            have = {k: got.get(k) for k in want}
            return None if have == want else f"counted {have}, sent {want}"

        answer = self.call("PUT", f"/v1/runs/{run_id}/batches/{seq}", name, 202, body, counts)
        return body, answer.text

    def complete(self, run_id, batches, records, mode):
        body = json.dumps({"batches": batches, "records": records})
        self.call("POST", f"/v1/runs/{run_id}/complete", f"POST /v1/runs/{{id}}/complete ({mode})",
                  202, body)


class FullRun(Protocol):
    """The ERP's full run of the day after the seed, streamed: one batch of 1,000 at a time, spread
    evenly over LOAD_FULL_SHARE of the test, as an extractor reading a slow ERP would send it."""

    fixed_count = 1
    wait_time = constant(1)

    def on_start(self):
        self.token = TOKENS["full"]
        self.done = False

    @task
    def full_run(self):
        if self.done:
            return
        # Once only, even when an answer fails it half-way (that failure is the test's outcome).
        self.done = True
        records = dataset.full_run_day(FULL_RECORDS)
        bad = set(dataset.invalid_keys(FULL_RECORDS))
        chunks = [records[i:i + FULL_BATCH] for i in range(0, len(records), FULL_BATCH)]
        run_id = self.create_run("full")
        FULL_RUN.set(run_id)
        started, interval = time.monotonic(), FULL_SHARE * DURATION / len(chunks)
        rejected = 0
        for seq, chunk in enumerate(chunks, start=1):
            gevent.sleep(max(0.0, started + (seq - 1) * interval - time.monotonic()))
            invalid = sum(1 for r in chunk if r["erp_id"] in bad)
            self.put_batch(run_id, seq, chunk, invalid, PUT_FULL)
            rejected += invalid
        self.complete(run_id, len(chunks), len(records), "full")
        LEDGER["full_run"] = {"run_id": run_id, "batches": len(chunks), "records": len(records),
                              "accepted": len(records) - rejected, "rejected": rejected}


class Integrator(Protocol):
    """An integrator posting influencers as incremental runs: 1-4 batches of 20-250 records each,
    mostly keys of its own (new ones, and updates of earlier ones), about 10 % keys the ERP also
    has (its own slice of them), now and then an invalid record, and now and then the same batch
    sent twice (a client's retry)."""

    wait_time = between(0.05, 0.3)

    def on_start(self):
        self.number = next(INTEGRATOR_NUMBERS)
        if self.number > dataset.MAX_INTEGRATORS:
            raise StopUser()
        self.token = TOKENS["integrators"][self.number]
        LEDGER["integrators"] += 1
        self.rng = random.Random(f"integrator:{self.number}")
        self.next_key = dataset.INTEGRATOR_BASE + self.number * dataset.KEYS_EACH
        self.own_keys, self.own_set = [], set()
        FULL_RUN.get(timeout=120)

    def fresh_key(self):
        self.next_key += 1
        return self.next_key

    def pick_key(self, taken):
        roll = self.rng.random()
        if roll < 0.1:
            key = dataset.owned_erp_key(self.number, FULL_RECORDS, self.rng)
        elif roll < 0.4 and self.own_keys:
            key = self.rng.choice(self.own_keys)
        else:
            key = None
        return key if key is not None and key not in taken else self.fresh_key()

    def batch(self, taken):
        """Records for one batch, no key twice in a run; and how many are invalid."""
        records = []
        for _ in range(self.rng.randint(20, 250)):
            key = self.pick_key(taken)
            taken.add(key)
            records.append(dataset.influencer(key, self.rng, next_stamp()))
        if self.rng.random() < 0.02:
            # A fresh key, never written: the API must reject it and MySQL never hold it.
            key = self.fresh_key()
            records.append(dataset.invalid(dataset.influencer(key, self.rng, next_stamp()), self.rng))
            return records, 1
        return records, 0

    @task
    def incremental_run(self):
        run_id = self.create_run("incremental")
        taken, sent, rejected = set(), 0, 0
        batches = self.rng.randint(1, 4)
        for seq in range(1, batches + 1):
            records, invalid = self.batch(taken)
            body, answer = self.put_batch(run_id, seq, records, invalid, PUT_INTEGRATOR)
            if self.rng.random() < 0.03:
                self.replay(run_id, seq, body, answer)
            for record in records[:len(records) - invalid]:
                LEDGER["expected"][record["erp_id"]] = record
                if record["erp_id"] >= dataset.INTEGRATOR_BASE and record["erp_id"] not in self.own_set:
                    self.own_set.add(record["erp_id"])
                    self.own_keys.append(record["erp_id"])
            sent += len(records)
            rejected += invalid
        self.complete(run_id, batches, sent, "incremental")
        LEDGER["integrator_runs"].append({"run_id": run_id, "batches": batches, "records": sent,
                                          "accepted": sent - rejected, "rejected": rejected})

    def replay(self, run_id, seq, body, first_answer):
        """The same batch again answers exactly as the first time, and counts nothing twice."""
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        with self.client.request("PUT", f"/v1/runs/{run_id}/batches/{seq}", data=body,
                                 headers=headers, name=PUT_REPLAY, catch_response=True) as response:
            if response.status_code != 202 or response.text != first_answer:
                problem = f"a repeated batch answered {response.status_code}: {response.text[:200]}"
                LEDGER["errors"].append({"request": f"PUT (again) run {run_id} batch {seq}",
                                         "problem": problem, "body": ""})
                response.failure(problem)
            else:
                response.success()
