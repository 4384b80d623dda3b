"""Before the load: the seed day as one full run of influencers, quietly, waited for until it is
completed. The load's full run then changes, adds and deletes some of its keys, so its sweep has
something to delete while the integrators write.

    python seed.py API_URL TOKEN SIZE OUT_JSON
"""

import json
import sys
import time

import requests

import dataset

BATCH = 1000
TIMEOUT = 300


def main(api, token, size, out):
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"

    def call(method, path, expected, body):
        answer = session.request(method, api + path, json=body, timeout=60)
        if answer.status_code != expected:
            sys.exit(f"seed: {method} {path} answered {answer.status_code}: {answer.text[:300]}")
        return answer.json()

    records = dataset.seed_day(size)
    run_id = call("POST", "/v1/runs", 201, {"entity": "influencers", "mode": "full"})["run_id"]
    chunks = [records[i:i + BATCH] for i in range(0, len(records), BATCH)]
    for seq, chunk in enumerate(chunks, start=1):
        call("PUT", f"/v1/runs/{run_id}/batches/{seq}", 202, {"records": chunk})
    call("POST", f"/v1/runs/{run_id}/complete", 202, {"batches": len(chunks), "records": len(records)})
    deadline = time.monotonic() + TIMEOUT
    while True:
        run = session.get(f"{api}/v1/runs/{run_id}", timeout=60).json()
        if run["status"] == "completed":
            break
        if run["status"] in ("failed", "aborted", "held") or time.monotonic() > deadline:
            sys.exit(f"seed: run {run_id} did not complete: {run}")
        time.sleep(0.1)
    with open(out, "w") as file:
        json.dump({"run_id": run_id, "batches": len(chunks), "records": len(records),
                   "accepted": len(records), "rejected": 0}, file)
    print(f"seed: run {run_id} completed, {len(records)} influencers in {len(chunks)} batches")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4])
