#!/usr/bin/env python3
"""The PromQL of the Grafana dashboard and of the KEDA ScaledObject, and the metric names of every
monitoring file, against the metrics contract.

    check_deploy_metrics.py RULES_OUT     writes RULES_OUT, a throwaway rule file with one recording
                                          rule per dashboard query (and the KEDA query), for
                                          `promtool check rules`; then checks the names

Names: every dis_* metric that alerts.yml, the dashboard or the ScaledObject reads must be in the
contract below (the metric names every workstream codes against). A name of the contract that the
Rust sources do not mention yet is reported as a warning, not a failure: the deployment files are
written against the contract, and the code catches up.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

CONTRACT = {
    # counters
    "dis_records_received_total", "dis_records_accepted_total", "dis_records_rejected_total",
    "dis_records_applied_total", "dis_records_swept_total", "dis_jobs_applied_total",
    "dis_jobs_retried_total", "dis_jobs_isolated_total", "dis_jobs_dead_lettered_total",
    "dis_http_requests_total",
    # histograms
    "dis_apply_duration_seconds", "dis_sweep_duration_seconds", "dis_http_request_duration_seconds",
    # gauges
    "dis_queue_jobs", "dis_queue_oldest_pending_seconds", "dis_queue_workers", "dis_runs",
    "dis_last_completed_full_run_age_seconds", "dis_dead_letters_pending", "dis_api_ready",
}
HISTOGRAMS = {"dis_apply_duration_seconds", "dis_sweep_duration_seconds", "dis_http_request_duration_seconds"}
# Grafana's variables, replaced by a value of their kind so promtool can parse the query.
GRAFANA_VARS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}


def metric_names(expr: str) -> set[str]:
    names = set()
    for name in re.findall(r"\b(dis_[a-z0-9_]+)\b", expr):
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name[: -len(suffix)] in HISTOGRAMS:
                name = name[: -len(suffix)]
        names.add(name)
    return names


def dashboard_queries(path: Path) -> list[tuple[str, str]]:
    dashboard = json.loads(path.read_text())
    found = []

    def walk(panels):
        for panel in panels:
            for target in panel.get("targets", []):
                expr = target["expr"]
                for var, value in GRAFANA_VARS.items():
                    expr = expr.replace(var, value)
                found.append((f"panel {panel['id']} {panel['title']!r} {target['refId']}", expr))
            walk(panel.get("panels", []))

    walk(dashboard["panels"])
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    rules_out = Path(argv[1])
    dashboard = ROOT / "deploy/grafana/dashboards/dis-sync.json"
    queries = dashboard_queries(dashboard)
    for doc in yaml.safe_load_all((ROOT / "deploy/k8s/optional/keda/scaledobject.yaml").read_text()):
        for i, trigger in enumerate(doc["spec"]["triggers"]):
            if trigger["type"] == "prometheus":
                queries.append((f"KEDA ScaledObject trigger {i}", trigger["metadata"]["query"]))
    rules = {"groups": [{"name": "dashboard-queries", "rules": [
        {"record": f"check:query_{i}", "expr": expr} for i, (_, expr) in enumerate(queries)]}]}
    rules_out.write_text(yaml.safe_dump(rules, sort_keys=False))
    print(f"{len(queries)} queries (dashboard panels and KEDA) written to {rules_out} for promtool")

    failures = 0
    used: dict[str, set[str]] = {}
    for where, expr in queries:
        names = metric_names(expr)
        if not names:
            print(f"  FAIL  {where}: reads no dis_* metric")
            failures += 1
        for name in names:
            used.setdefault(name, set()).add(where)
    alerts = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text())
    for group in alerts["groups"]:
        for rule in group["rules"]:
            for name in metric_names(rule["expr"]):
                used.setdefault(name, set()).add(f"alert {rule['alert']}")
    for name, places in sorted(used.items()):
        if name not in CONTRACT:
            print(f"  FAIL  {name} is not a metric of the contract (read by {', '.join(sorted(places))})")
            failures += 1
    panels = {w.split(" ")[1] for w, _ in queries if w.startswith("panel")}
    print(f"metric names: {len(used)} used by alerts, {len(panels)} dashboard panels and KEDA; "
          f"{'all' if not failures else 'not all'} in the contract")

    sources = "\n".join(p.read_text(errors="replace") for p in ROOT.glob("*/src/**/*.rs"))
    missing = sorted(name for name in used if name not in sources)
    if missing:
        print(f"  WARN  not in the Rust sources yet ({len(missing)}): {', '.join(missing)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
