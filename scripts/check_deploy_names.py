#!/usr/bin/env python3
"""Do the deployment files name what the code really has?

Reads the rendered Kubernetes manifests (one file per overlay), compose.yaml, the Prometheus
config of the compose stack, bitbucket-pipelines.yml and the Dockerfile, finds every container
that runs a dis-sync binary, and checks it against the binaries themselves:

- the subcommand is listed by `<binary> --help`, and every `--flag` (and its value, when the
  flag has a fixed set) by `<binary> <subcommand> --help`;
- every DIS_* variable set for the container (env, envFrom ConfigMaps, the image's ENV) appears in
  that binary's help as clap's `[env: NAME=` (a `DIS_X_FILE` may instead appear as `DIS_X`,
  its value-from-a-file twin);
- ports: each containerPort, published port, Service targetPort, probe port, scrape port and
  NetworkPolicy port is the port of the DIS_LISTEN / DIS_METRICS_LISTEN value given to that
  container, and that listener serves the path asked of it;
- probe, Ingress and scrape paths are routes the binary serves: the route string appears in the
  sources of the binary's crate or of the workspace crates it depends on (a grep, not a request:
  serving them needs MySQL and Redis);
- secret files (`*_FILE`) point into a mounted Secret (Kubernetes) or a compose secret;
- migrations run first (a `migrate` Job / service, DIS_MIGRATE=false elsewhere), the extractor's
  DIS_API_URL reaches the API's port, the pipeline builds each image from a real Dockerfile
  target and runs scripts that exist.

Help text comes from built binaries (--bin-dir) or from a folder of saved help texts
(--help-dir: <binary>.txt and <binary>__<subcommand>.txt), which the self-test uses.
Exit status 1 when anything fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import yaml

BINARIES = ("ingest-api", "worker", "extractor")

# Which listener serves which paths: the HTTP contract (README, PLAN). A path that is a prefix
# (/v1, /ops, /docs) covers everything under it.
API_PATHS = ["/healthz", "/readyz", "/v1", "/ops", "/docs", "/openapi.json"]
LISTENERS = {
    "ingest-api": {"DIS_LISTEN": API_PATHS, "DIS_METRICS_LISTEN": ["/metrics"]},
    "worker": {"DIS_METRICS_LISTEN": ["/metrics", "/healthz"]},
    "extractor": {},
}
# The subcommands that start a long-running server (the others run once and exit).
SERVING = {"ingest-api": "serve", "worker": "run"}


# ---- reporting ----------------------------------------------------------------------------------
class Report:
    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.failures: list[str] = []
        self.passed = 0

    def check(self, ok: bool, message: str) -> bool:
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"  ok    {message}")
        else:
            self.failures.append(message)
            print(f"  FAIL  {message}")
        return ok


# ---- the binaries' help -------------------------------------------------------------------------
class Help:
    def __init__(self, bin_dir: Path | None, help_dir: Path | None) -> None:
        self.bin_dir, self.help_dir = bin_dir, help_dir
        self.cache: dict[tuple[str, str | None], str | None] = {}

    def text(self, binary: str, sub: str | None = None) -> str | None:
        key = (binary, sub)
        if key not in self.cache:
            self.cache[key] = self._load(binary, sub)
        return self.cache[key]

    def _load(self, binary: str, sub: str | None) -> str | None:
        if self.help_dir is not None:
            path = self.help_dir / (f"{binary}__{sub}.txt" if sub else f"{binary}.txt")
            return path.read_text() if path.exists() else None
        exe = self.bin_dir / binary
        if not exe.exists():
            return None
        argv = [str(exe)] + ([sub] if sub else []) + ["--help"]
        # A clean environment: clap then shows `[env: NAME=]`, never a value from this shell.
        env = {"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "TERM": "dumb", "HOME": "/nonexistent"}
        try:
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout if done.returncode == 0 else None

    def subcommands(self, binary: str) -> set[str]:
        text = self.text(binary) or ""
        subs: set[str] = set()
        in_commands = False
        for line in text.splitlines():
            if line.strip() == "Commands:":
                in_commands = True
                continue
            if in_commands:
                m = re.match(r"^\s{2,}([a-z0-9][a-z0-9-]*)(\s|$)", line)
                if m:
                    subs.add(m.group(1))
                elif line.strip() and not line.startswith(" "):
                    in_commands = False
        return subs

    def lists_env(self, binary: str, sub: str | None, name: str) -> bool:
        texts = [self.text(binary) or ""]
        if sub:
            texts.append(self.text(binary, sub) or "")
        pattern = re.compile(r"\[env: " + re.escape(name) + r"[=\]]")
        return any(pattern.search(t) for t in texts)

    def flags(self, binary: str, sub: str | None) -> dict[str, set[str] | None]:
        """--flag -> its possible values (None when free)."""
        text = self.text(binary, sub) if sub else self.text(binary)
        result: dict[str, set[str] | None] = {}
        current: str | None = None
        in_values = False
        for line in (text or "").splitlines():
            m = re.match(r"^\s*(?:-[A-Za-z], )?--([a-z0-9][a-z0-9-]*)", line)
            if m:
                current, in_values = m.group(1), False
                result.setdefault(current, None)
                inline = re.search(r"\[possible values: ([^\]]*)\]", line)
                if inline:
                    result[current] = {v.strip() for v in inline.group(1).split(",")}
                continue
            if current is None:
                continue
            inline = re.search(r"\[possible values: ([^\]]*)\]", line)
            if inline:
                result[current] = {v.strip() for v in inline.group(1).split(",")}
            elif line.strip() == "Possible values:":
                in_values = True
                result[current] = set()
            elif in_values:
                vm = re.match(r"^\s*- ([A-Za-z0-9_-]+)", line)
                if vm:
                    result[current].add(vm.group(1))  # type: ignore[union-attr]
                elif line.strip() and not line.strip().startswith("["):
                    in_values = False
        return result


# ---- routes in the sources ----------------------------------------------------------------------
class Routes:
    def __init__(self, root: Path, fixture: Path | None) -> None:
        self.root = root
        self.fixture = json.loads(fixture.read_text()) if fixture else None
        self.cache: dict[str, str] = {}

    def crate_dirs(self, binary: str) -> list[Path]:
        """The binary's crate and every workspace crate it depends on, transitively."""
        workspace = tomllib.loads((self.root / "Cargo.toml").read_text())
        members = {}
        for member in workspace["workspace"].get("members", []):
            manifest = tomllib.loads((self.root / member / "Cargo.toml").read_text())
            members[manifest["package"]["name"]] = self.root / member
        ws_deps = workspace["workspace"].get("dependencies", {})
        seen: list[Path] = []
        todo = [members.get(binary, self.root / binary)]
        while todo:
            crate = todo.pop()
            if crate in seen or not (crate / "Cargo.toml").exists():
                continue
            seen.append(crate)
            manifest = tomllib.loads((crate / "Cargo.toml").read_text())
            for name, spec in manifest.get("dependencies", {}).items():
                spec = spec if isinstance(spec, dict) else {}
                path = spec.get("path")
                if spec.get("workspace"):
                    wspec = ws_deps.get(name, {})
                    path = wspec.get("path") if isinstance(wspec, dict) else None
                    if path:
                        path = str(self.root / path)
                elif path:
                    path = str((crate / path).resolve())
                if path:
                    todo.append(Path(os.path.normpath(path)))
        return seen

    def sources(self, binary: str) -> str:
        if binary not in self.cache:
            chunks = []
            for crate in self.crate_dirs(binary):
                for file in sorted((crate / "src").rglob("*.rs")):
                    chunks.append(file.read_text(errors="replace"))
            self.cache[binary] = "\n".join(chunks)
        return self.cache[binary]

    def serves(self, binary: str, path: str) -> bool:
        if self.fixture is not None:
            return path in self.fixture.get(binary, [])
        return f'"{path}"' in self.sources(binary)


# ---- the Dockerfile -----------------------------------------------------------------------------
@dataclass
class Stage:
    name: str
    env: dict[str, str] = field(default_factory=dict)
    expose: list[int] = field(default_factory=list)
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    healthcheck: list[str] | None = None
    copies_to: list[str] = field(default_factory=list)
    user: str | None = None


def parse_dockerfile(path: Path) -> dict[str, Stage]:
    lines, buf = [], ""
    for raw in path.read_text().splitlines():
        if raw.lstrip().startswith("#") and not buf:
            continue
        if raw.rstrip().endswith("\\"):
            buf += raw.rstrip()[:-1] + " "
            continue
        buf += raw
        if buf.strip():
            lines.append(buf.strip())
        buf = ""
    stages: dict[str, Stage] = {}
    stage: Stage | None = None
    for line in lines:
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            m = re.search(r"\s+AS\s+(\S+)\s*$", rest, re.IGNORECASE)
            stage = Stage(m.group(1) if m else f"#{len(stages)}")
            stages[stage.name] = stage
        elif stage is None:
            continue
        elif word == "ENV":
            for k, v in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)', rest):
                stage.env[k] = v.strip('"')
        elif word == "EXPOSE":
            stage.expose += [int(p.split("/")[0]) for p in rest.split()]
        elif word in ("ENTRYPOINT", "CMD"):
            value = json.loads(rest) if rest.startswith("[") else ["/bin/sh", "-c", rest]
            setattr(stage, word.lower(), value)
        elif word == "HEALTHCHECK":
            m = re.search(r"\bCMD\s+(\[.*\])\s*$", rest)
            stage.healthcheck = json.loads(m.group(1)) if m else None
        elif word == "COPY":
            stage.copies_to.append(rest.split()[-1])
        elif word == "USER":
            stage.user = rest.strip()
    return stages


# ---- containers, as found in the files ----------------------------------------------------------
@dataclass
class Container:
    where: str
    binary: str
    argv: list[str]
    env: dict[str, str | None]
    ports: dict[str, int]  # name -> port (compose: "published" -> container port)
    probes: list[tuple[str, str, object]] = field(default_factory=list)  # (kind, path, port)
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def sub(self) -> str | None:
        return self.argv[0] if self.argv and not self.argv[0].startswith("-") else None


def listen_port(value: str | None) -> int | None:
    if not value:
        return None
    m = re.search(r":(\d+)$", value.strip())
    return int(m.group(1)) if m else None


def binary_of_image(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    return re.split(r"[:@]", last, maxsplit=1)[0]


class Checker:
    def __init__(self, help_: Help, routes: Routes, stages: dict[str, Stage], report: Report) -> None:
        self.help, self.routes, self.stages, self.r = help_, routes, stages, report

    # -- what every container is checked for --------------------------------------------------
    def check_container(self, c: Container, deployed: bool = True) -> None:
        r = self.r
        if not r.check(self.help.text(c.binary) is not None,
                       f"{c.where}: `{c.binary} --help` answers"):
            return
        subs = self.help.subcommands(c.binary)
        sub = c.sub
        if sub is not None:
            if not r.check(sub in subs, f"{c.where}: `{c.binary} {sub}` is a subcommand "
                                         f"(listed: {', '.join(sorted(subs)) or 'none'})"):
                sub = None
            else:
                self.check_flags(c, sub)
        for name, value in sorted(c.env.items()):
            if not name.startswith("DIS_"):
                continue
            # An image's own environment (no subcommand given) serves every subcommand of its
            # binary: a setting of any of them belongs there.
            scopes = [sub] if sub is not None else [None, *sorted(subs)]
            listed = any(self.help.lists_env(c.binary, s, name) for s in scopes)
            twin = name.endswith("_FILE") and any(
                self.help.lists_env(c.binary, s, name[: -len("_FILE")]) for s in scopes)
            r.check(listed or twin,
                    f"{c.where}: {name} is a setting of {c.binary} "
                    f"(`[env: {name}=` in its help{'' if not name.endswith('_FILE') else ', or its twin ' + name[:-5]})")
        if deployed and SERVING.get(c.binary) == c.sub:
            for var in LISTENERS[c.binary]:
                value = c.env.get(var)
                if var == "DIS_METRICS_LISTEN" and c.binary == "ingest-api" and value is None:
                    continue
                r.check(value is not None and re.match(r"^(0\.0\.0\.0|\[::\]|::):\d+$", value or "") is not None,
                        f"{c.where}: {var} binds every interface (is {value!r})")
            r.check(c.env.get("DIS_MIGRATE") == "false",
                    f"{c.where}: DIS_MIGRATE=false (migrations run once, before: is {c.env.get('DIS_MIGRATE')!r})")

    def check_flags(self, c: Container, sub: str) -> None:
        known = self.help.flags(c.binary, sub)
        args = c.argv[1:]
        i = 0
        while i < len(args):
            arg = args[i]
            if arg.startswith("--"):
                flag, eq, value = arg[2:].partition("=")
                if self.r.check(flag in known, f"{c.where}: `{c.binary} {sub} --{flag}` is an option"):
                    values = known[flag]
                    if not eq and values is not None and i + 1 < len(args):
                        value = args[i + 1]
                        i += 1
                    if values:
                        self.r.check(value in values,
                                     f"{c.where}: `--{flag} {value}` is one of {', '.join(sorted(values))}")
            i += 1

    def listener_ports(self, c: Container) -> dict[int, list[str]]:
        """port -> the paths served there, from the container's DIS_*LISTEN values."""
        served: dict[int, list[str]] = {}
        listeners = LISTENERS.get(c.binary, {})
        for var, paths in listeners.items():
            port = listen_port(c.env.get(var))
            if port is not None:
                served.setdefault(port, []).extend(paths)
        if c.binary == "ingest-api" and listen_port(c.env.get("DIS_METRICS_LISTEN")) is None:
            port = listen_port(c.env.get("DIS_LISTEN"))
            if port is not None:
                served.setdefault(port, []).append("/metrics")
        return served

    def check_path(self, c: Container, port: int | None, path: str, what: str) -> None:
        served = self.listener_ports(c)
        contract = served.get(port, []) if port is not None else []
        prefix = any(path == p or path.startswith(p.rstrip("/") + "/") for p in contract)
        self.r.check(prefix, f"{c.where}: {what} {path} on port {port} is served by that listener "
                             f"(port {port} serves {contract or 'nothing'})")
        if prefix:
            route = next(p for p in contract if path == p or path.startswith(p.rstrip("/") + "/"))
            self.r.check(self.routes.serves(c.binary, route),
                         f"{c.where}: route \"{route}\" is in {c.binary}'s sources")


# ---- Kubernetes ---------------------------------------------------------------------------------
def pod_templates(doc: dict) -> dict | None:
    kind = doc.get("kind")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"):
        return doc["spec"]["template"]
    if kind == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]
    if kind == "Pod":
        return doc
    return None


def check_kubernetes(checker: Checker, name: str, path: Path) -> None:
    r = checker.r
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    configmaps = {d["metadata"]["name"]: d.get("data", {}) or {} for d in docs if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: set((d.get("data") or {}) | (d.get("stringData") or {}))
               for d in docs if d["kind"] == "Secret"}
    pods: list[tuple[dict, dict, list[Container]]] = []  # (doc, template, containers)
    all_containers: list[Container] = []
    for doc in docs:
        template = pod_templates(doc)
        if template is None:
            continue
        spec = template["spec"]
        ours = []
        for raw in spec.get("initContainers", []) + spec["containers"]:
            where = f"k8s {name}: {doc['kind']}/{doc['metadata']['name']} container {raw['name']}"
            image_binary = binary_of_image(raw.get("image", ""))
            command = raw.get("command") or []
            binary = os.path.basename(command[0]) if command else image_binary
            if binary not in BINARIES and image_binary not in BINARIES:
                continue
            r.check(binary == image_binary, f"{where}: runs {binary} from the {image_binary} image")
            stage = checker.stages.get(image_binary)
            if command:
                argv = command[1:] + (raw.get("args") or [])
                r.check(stage is not None and stage.entrypoint == [command[0]],
                        f"{where}: command {command[0]} is the image's ENTRYPOINT")
            else:
                argv = raw.get("args") or (stage.cmd if stage else []) or []
            env: dict[str, str | None] = dict(stage.env) if stage else {}
            for src in raw.get("envFrom", []):
                if "configMapRef" in src:
                    ref = src["configMapRef"]["name"]
                    if r.check(ref in configmaps or src["configMapRef"].get("optional", False),
                               f"{where}: ConfigMap {ref} is in the manifests"):
                        env.update(configmaps.get(ref, {}))
                if "secretRef" in src:
                    ref = src["secretRef"]["name"]
                    env.update({k: None for k in secrets.get(ref, set())})
            for e in raw.get("env", []):
                env[e["name"]] = e.get("value")
            ports = {p.get("name", str(p["containerPort"])): p["containerPort"] for p in raw.get("ports", [])}
            c = Container(where, binary, list(argv), env, ports,
                          labels=template.get("metadata", {}).get("labels", {}) or {},
                          annotations=template.get("metadata", {}).get("annotations", {}) or {})
            for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                probe = raw.get(kind) or {}
                if "httpGet" in probe:
                    port = probe["httpGet"]["port"]
                    c.probes.append((kind, probe["httpGet"].get("path", "/"), port))
            checker.check_container(c)
            check_k8s_ports_and_probes(checker, c)
            check_k8s_secret_files(checker, c, raw, spec, secrets)
            ours.append(c)
            all_containers.append(c)
        if ours:
            pods.append((doc, template, ours))

    # Migrations: a Job running `ingest-api migrate` (or `worker migrate`), hooked before sync.
    migrate_jobs = [d for d, _, cs in pods if d["kind"] == "Job" and any(c.sub == "migrate" for c in cs)]
    if r.check(len(migrate_jobs) == 1, f"k8s {name}: one migration Job runs `migrate`"):
        meta = migrate_jobs[0]["metadata"]
        r.check((meta.get("annotations") or {}).get("argocd.argoproj.io/hook") == "PreSync",
                f"k8s {name}: the migration Job is an Argo CD PreSync hook")
        r.check((meta.get("labels") or {}).get("dis-sync/phase") == "pre-rollout",
                f"k8s {name}: the migration Job is labelled dis-sync/phase=pre-rollout (scripts/deploy-k8s.sh applies it first)")
        job_cms = {src["configMapRef"]["name"] for c in [migrate_jobs[0]]
                   for src in pod_templates(c)["spec"]["containers"][0].get("envFrom", []) if "configMapRef" in src}
        for cm in job_cms:
            labels = next((d["metadata"].get("labels") or {} for d in docs
                           if d["kind"] == "ConfigMap" and d["metadata"]["name"] == cm), {})
            r.check(labels.get("dis-sync/phase") == "pre-rollout",
                    f"k8s {name}: ConfigMap {cm} of the migration Job is applied with it (dis-sync/phase=pre-rollout)")
    for kind, binary, sub in (("Deployment", "ingest-api", "serve"), ("Deployment", "worker", "run"),
                              ("CronJob", "extractor", None)):
        found = [c for d, _, cs in pods if d["kind"] == kind for c in cs if c.binary == binary]
        r.check(bool(found) and (sub is None or all(c.sub == sub for c in found)),
                f"k8s {name}: a {kind} runs {binary}{' ' + sub if sub else ''}")
    for d in docs:
        if d["kind"] == "CronJob":
            spec = d["spec"]
            r.check(spec.get("concurrencyPolicy") == "Forbid", f"k8s {name}: CronJob/{d['metadata']['name']} concurrencyPolicy Forbid")

    # Services: each targetPort reaches a containerPort of the pods it selects.
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for svc in services.values():
        selector = svc["spec"].get("selector") or {}
        targets = [c for _, t, cs in pods for c in cs
                   if selector and all((t.get("metadata", {}).get("labels") or {}).get(k) == v for k, v in selector.items())]
        if not r.check(bool(targets), f"k8s {name}: Service/{svc['metadata']['name']} selects dis-sync pods"):
            continue
        for port in svc["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            for c in targets:
                resolved = c.ports.get(target) if isinstance(target, str) else (target if target in c.ports.values() else None)
                r.check(resolved is not None and resolved in checker.listener_ports(c),
                        f"k8s {name}: Service/{svc['metadata']['name']} port {port['port']} -> {target} is a listener "
                        f"of {c.where.split(': ', 1)[1]} ({sorted(checker.listener_ports(c))})")

    # Ingress: backends are Service ports, paths are served where the Service sends them.
    for ing in (d for d in docs if d["kind"] == "Ingress"):
        for rule in ing["spec"].get("rules", []):
            for p in rule.get("http", {}).get("paths", []):
                backend = p["backend"]["service"]
                svc = services.get(backend["name"])
                if not r.check(svc is not None, f"k8s {name}: Ingress backend {backend['name']} is a Service"):
                    continue
                want = backend["port"].get("name", backend["port"].get("number"))
                sport = next((sp for sp in svc["spec"]["ports"] if want in (sp.get("name"), sp["port"])), None)
                if not r.check(sport is not None, f"k8s {name}: Ingress {p['path']} -> Service port {want} exists"):
                    continue
                for _, t, cs in pods:
                    labels = t.get("metadata", {}).get("labels") or {}
                    if all(labels.get(k) == v for k, v in svc["spec"]["selector"].items()):
                        for c in cs:
                            target = sport.get("targetPort", sport["port"])
                            port = c.ports.get(target) if isinstance(target, str) else target
                            checker.check_path(c, port, p["path"], "Ingress path")

    # NetworkPolicies: ports opened for dis-sync pods are their listeners.
    for pol in (d for d in docs if d["kind"] == "NetworkPolicy"):
        sel = pol["spec"].get("podSelector") or {}
        for rule in pol["spec"].get("ingress", []) or []:
            for p in rule.get("ports", []) or []:
                for _, t, cs in pods:
                    labels = t.get("metadata", {}).get("labels") or {}
                    if not selects(sel, labels):
                        continue
                    for c in cs:
                        if c.sub not in (SERVING.get(c.binary),):
                            continue
                        port = c.ports.get(p["port"]) if isinstance(p["port"], str) else p["port"]
                        r.check(port in checker.listener_ports(c),
                                f"k8s {name}: NetworkPolicy/{pol['metadata']['name']} port {p['port']} is a listener of {c.where.split(': ', 1)[1]}")

    # The extractor reaches the API through a Service.
    for c in all_containers:
        if c.binary != "extractor":
            continue
        url = urlparse(c.env.get("DIS_API_URL") or "")
        host = (url.hostname or "").split(".")[0]
        svc = services.get(host)
        if r.check(svc is not None, f"{c.where}: DIS_API_URL {c.env.get('DIS_API_URL')!r} names a Service of the manifests"):
            port = url.port or (443 if url.scheme == "https" else 80)
            sport = next((sp for sp in svc["spec"]["ports"] if sp["port"] == port), None)
            r.check(sport is not None and sport.get("name") != "metrics",
                    f"{c.where}: DIS_API_URL port {port} is the API port of Service/{host}")


def selects(selector: dict, labels: dict) -> bool:
    if not all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        value = labels.get(expr["key"])
        op = expr["operator"]
        if op == "In" and value not in expr["values"]:
            return False
        if op == "NotIn" and value in expr["values"]:
            return False
        if op == "Exists" and expr["key"] not in labels:
            return False
        if op == "DoesNotExist" and expr["key"] in labels:
            return False
    return True


def check_k8s_ports_and_probes(checker: Checker, c: Container) -> None:
    r = checker.r
    served = checker.listener_ports(c)
    for pname, port in c.ports.items():
        r.check(port in served, f"{c.where}: containerPort {pname}={port} is a DIS_*LISTEN port ({sorted(served)})")
    if SERVING.get(c.binary) == c.sub:
        for port in served:
            r.check(port in c.ports.values(), f"{c.where}: listener port {port} is declared as a containerPort")
    for kind, path, port in c.probes:
        resolved = c.ports.get(port) if isinstance(port, str) else port
        r.check(resolved is not None, f"{c.where}: {kind} port {port} is a containerPort")
        checker.check_path(c, resolved, path, kind)
    want = {"livenessProbe", "readinessProbe"}
    if SERVING.get(c.binary) == c.sub:
        r.check(want <= {k for k, _, _ in c.probes}, f"{c.where}: has liveness and readiness probes")
        if c.binary == "ingest-api":
            r.check(("readinessProbe", "/readyz") in {(k, p) for k, p, _ in c.probes}, f"{c.where}: readiness is /readyz")
        r.check(("livenessProbe", "/healthz") in {(k, p) for k, p, _ in c.probes}, f"{c.where}: liveness is /healthz")
    if c.annotations.get("prometheus.io/scrape") == "true":
        port = int(c.annotations.get("prometheus.io/port", "0"))
        checker.check_path(c, port, c.annotations.get("prometheus.io/path", "/metrics"), "scrape annotation")


def check_k8s_secret_files(checker: Checker, c: Container, raw: dict, spec: dict, secrets: dict) -> None:
    r = checker.r
    mounts = {m["mountPath"].rstrip("/"): m["name"] for m in raw.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for name, value in c.env.items():
        if not (name.startswith("DIS_") and name.endswith("_FILE")) or not value:
            continue
        directory, _, filename = value.rpartition("/")
        volume = volumes.get(mounts.get(directory, ""))
        if not r.check(volume is not None and "secret" in volume,
                       f"{c.where}: {name}={value} is in a mounted Secret"):
            continue
        items = volume["secret"].get("items")
        keys = {i["path"] for i in items} if items else secrets.get(volume["secret"]["secretName"])
        if keys is None:
            continue  # the Secret is created outside the manifests and every key is mounted
        r.check(filename in keys, f"{c.where}: {name} file {filename} is a key of Secret {volume['secret']['secretName']}")


# ---- compose ------------------------------------------------------------------------------------
def check_compose(checker: Checker, path: Path, prometheus: Path | None) -> None:
    r = checker.r
    compose = yaml.safe_load(path.read_text())
    services = compose.get("services", {})
    top_secrets = set((compose.get("secrets") or {}).keys())
    containers: dict[str, Container] = {}
    for sname, svc in services.items():
        build = svc.get("build") or {}
        target = build.get("target") if isinstance(build, dict) else None
        image_binary = binary_of_image(svc.get("image", "")) if svc.get("image") else None
        entrypoint = svc.get("entrypoint")
        entrypoint = shlex.split(entrypoint) if isinstance(entrypoint, str) else (entrypoint or [])
        ep_binary = os.path.basename(entrypoint[0]) if entrypoint else None
        binary = ep_binary if ep_binary in BINARIES else (target if target in BINARIES else image_binary)
        if binary not in BINARIES:
            continue
        where = f"compose: service {sname}"
        stage = checker.stages.get(target or image_binary or "")
        r.check(target in BINARIES and target == binary, f"{where}: built from Dockerfile target {binary} (is {target})")
        if entrypoint:
            r.check(stage is not None and stage.entrypoint == entrypoint[:1],
                    f"{where}: entrypoint {entrypoint[0]} is the image's ENTRYPOINT")
        command = svc.get("command")
        command = shlex.split(command) if isinstance(command, str) else (command or (stage.cmd if stage else []) or [])
        argv = entrypoint[1:] + list(command)
        env: dict[str, str | None] = dict(stage.env) if stage else {}
        raw_env = svc.get("environment") or {}
        if isinstance(raw_env, list):
            raw_env = dict(item.split("=", 1) if "=" in item else (item, None) for item in raw_env)
        env.update({k: (None if v is None else str(v)) for k, v in raw_env.items()})
        ports = {}
        for p in svc.get("ports", []) or []:
            if isinstance(p, dict):
                ports[str(p.get("published"))] = int(p["target"])
            else:
                ports[str(p)] = int(str(p).split(":")[-1].split("/")[0])
        c = Container(where, binary, argv, env, ports)
        checker.check_container(c)
        served = checker.listener_ports(c)
        for label, port in ports.items():
            r.check(port in served, f"{where}: published {label} reaches a DIS_*LISTEN port ({sorted(served)})")
        hc = (svc.get("healthcheck") or {}).get("test")
        if hc and hc[0] == "CMD":
            hc_binary = os.path.basename(hc[1])
            r.check(hc_binary == binary, f"{where}: healthcheck runs {binary} (runs {hc_binary})")
            r.check(len(hc) > 2 and hc[2] in checker.help.subcommands(binary),
                    f"{where}: healthcheck `{binary} {' '.join(hc[2:])}` is a subcommand")
        svc_secrets = {s if isinstance(s, str) else s["source"] for s in svc.get("secrets", []) or []}
        for name, value in env.items():
            if name.startswith("DIS_") and name.endswith("_FILE") and value:
                m = re.match(r"^/run/secrets/([^/]+)$", value)
                r.check(bool(m) and m.group(1) in svc_secrets and m.group(1) in top_secrets,
                        f"{where}: {name}={value} is a compose secret of the service")
        containers[sname] = c

    migrators = [s for s, c in containers.items() if c.sub == "migrate"]
    if r.check(len(migrators) == 1, "compose: one service runs `migrate`"):
        for sname, c in containers.items():
            if SERVING.get(c.binary) == c.sub:
                cond = ((services[sname].get("depends_on") or {}).get(migrators[0]) or {})
                cond = cond.get("condition") if isinstance(cond, dict) else None
                r.check(cond == "service_completed_successfully",
                        f"compose: service {sname} starts after {migrators[0]} completed (depends_on condition is {cond})")
    for sname, c in containers.items():
        if c.binary == "extractor":
            url = urlparse(c.env.get("DIS_API_URL") or "")
            api = containers.get(url.hostname or "")
            if r.check(api is not None and api.binary == "ingest-api",
                       f"compose: {sname}'s DIS_API_URL {c.env.get('DIS_API_URL')!r} names the API service"):
                r.check(url.port == listen_port(api.env.get("DIS_LISTEN")),
                        f"compose: {sname}'s DIS_API_URL port {url.port} is the API's DIS_LISTEN port")
    if prometheus is not None:
        prom = yaml.safe_load(prometheus.read_text())
        for job in prom.get("scrape_configs", []):
            targets = [t for sc in job.get("static_configs", []) for t in sc.get("targets", [])]
            targets += [f"{n}:{sd.get('port')}" for sd in job.get("dns_sd_configs", []) for n in sd.get("names", [])]
            for target in targets:
                host, _, port = target.rpartition(":")
                c = containers.get(host)
                if r.check(c is not None, f"prometheus.yml: job {job['job_name']} target {target} is a dis-sync service"):
                    checker.check_path(c, int(port), job.get("metrics_path", "/metrics"), f"scrape job {job['job_name']}")


# ---- the pipeline and the Dockerfile ------------------------------------------------------------
def scripts_of(node) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "script" and isinstance(v, list):
                found += [s if isinstance(s, str) else json.dumps(s) for s in v]
            else:
                found += scripts_of(v)
    elif isinstance(node, list):
        for v in node:
            found += scripts_of(v)
    return found


def check_pipeline(checker: Checker, path: Path, root: Path) -> None:
    r = checker.r
    pipeline = yaml.safe_load(path.read_text())
    lines = scripts_of(pipeline)
    r.check(any("scripts/test.sh" in line for line in scripts_of(pipeline.get("pipelines", {}).get("default"))),
            "pipeline: every push (the default pipeline) runs scripts/test.sh")
    main_lines = scripts_of(pipeline.get("pipelines", {}).get("branches", {}).get("main"))
    r.check(any("scripts/test.sh" in line for line in main_lines), "pipeline: main runs scripts/test.sh")
    push_tags = {t for line in main_lines for t in re.findall(r"docker push \"?\$\{?DOCKER_REGISTRY\}?/(?:ingest-api|worker|extractor):([^\"\s]+)", line)}
    deploys = [line for line in main_lines if "scripts/deploy-k8s.sh prod" in line]
    if r.check(len(deploys) == 1, "pipeline: main deploys the prod overlay with scripts/deploy-k8s.sh"):
        m = re.search(r"deploy-k8s\.sh prod \"?([^\"\s]+)", deploys[0])
        r.check(m is not None and push_tags == {m.group(1)},
                f"pipeline: the deployed tag is the pushed tag ({m.group(1) if m else None} vs {sorted(push_tags)})")
        r.check('IMAGE_REGISTRY="$DOCKER_REGISTRY"' in deploys[0], "pipeline: the deploy uses the registry the images were pushed to")
    built, pushed = set(), set()
    for line in lines:
        for target in re.findall(r"--target[ =]\"?([A-Za-z0-9_-]+)", line):
            r.check(target in checker.stages, f"pipeline: `docker build --target {target}` is a Dockerfile stage")
            built.add(target)
        for image in re.findall(r"docker push \"?\$\{?DOCKER_REGISTRY\}?/([A-Za-z0-9_-]+):", line):
            pushed.add(image)
        for script in re.findall(r"(?:^|\s)((?:\./)?scripts/[A-Za-z0-9_./-]+)", line):
            r.check((root / script).exists(), f"pipeline: {script} exists")
        m = re.search(r"scripts/deploy-k8s\.sh\s+\"?([a-z0-9-]+)", line)
        if m:
            r.check((root / "deploy/k8s/overlays" / m.group(1) / "kustomization.yaml").exists(),
                    f"pipeline: the overlay {m.group(1)} it deploys exists")
        for name in re.findall(r"\b(DIS_[A-Z0-9_]+)\b", line):
            r.check(any(checker.help.lists_env(b, None, name) for b in BINARIES),
                    f"pipeline: {name} is a setting of some binary")
    for binary in BINARIES:
        r.check(binary in built, f"pipeline: builds the {binary} image")
        r.check(binary in pushed, f"pipeline: pushes the {binary} image")


def check_dockerfile(checker: Checker, path: Path) -> None:
    r = checker.r
    for binary in BINARIES:
        stage = checker.stages.get(binary)
        if not r.check(stage is not None, f"Dockerfile: a stage named {binary}"):
            continue
        exe = f"/usr/local/bin/{binary}"
        r.check(exe in stage.copies_to, f"Dockerfile {binary}: copies the binary to {exe}")
        r.check(stage.entrypoint == [exe], f"Dockerfile {binary}: ENTRYPOINT [\"{exe}\"]")
        r.check(bool(stage.user) and stage.user.split(":")[0].isdigit() and stage.user.split(":")[0] != "0",
                f"Dockerfile {binary}: USER is a numeric non-root id (is {stage.user})")
        c = Container(f"Dockerfile {binary}", binary, list(stage.cmd or []), dict(stage.env), {})
        checker.check_container(c, deployed=False)
        served = checker.listener_ports(c)
        for port in stage.expose:
            r.check(port in served, f"Dockerfile {binary}: EXPOSE {port} is a DIS_*LISTEN port of its ENV ({sorted(served)})")
        if stage.healthcheck:
            hc = stage.healthcheck
            r.check(hc[0] == exe and len(hc) > 1 and hc[1] in checker.help.subcommands(binary),
                    f"Dockerfile {binary}: HEALTHCHECK `{' '.join(hc)}` runs a subcommand of {binary}")
        elif binary in SERVING:
            r.check(False, f"Dockerfile {binary}: has a HEALTHCHECK")


# ---- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    p.add_argument("--manifests", action="append", default=[], metavar="NAME=FILE",
                   help="rendered Kubernetes manifests of an overlay (repeatable)")
    p.add_argument("--compose", type=Path)
    p.add_argument("--prometheus", type=Path, help="the compose stack's prometheus.yml")
    p.add_argument("--pipeline", type=Path)
    p.add_argument("--dockerfile", type=Path)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--bin-dir", type=Path, help="folder of the built binaries")
    source.add_argument("--help-dir", type=Path, help="folder of saved help texts (tests)")
    p.add_argument("--routes-fixture", type=Path, help="JSON {binary: [route]} instead of grepping the sources")
    p.add_argument("-v", "--verbose", action="store_true", help="print passing checks too")
    args = p.parse_args(argv)

    report = Report(args.verbose)
    dockerfile = args.dockerfile or args.root / "Dockerfile"
    checker = Checker(Help(args.bin_dir, args.help_dir), Routes(args.root, args.routes_fixture),
                      parse_dockerfile(dockerfile), report)
    print(f"== Dockerfile ({dockerfile})")
    check_dockerfile(checker, dockerfile)
    for spec in args.manifests:
        name, _, file = spec.partition("=")
        print(f"== Kubernetes manifests: {name} ({file})")
        check_kubernetes(checker, name, Path(file))
    if args.compose:
        print(f"== compose ({args.compose})")
        check_compose(checker, args.compose, args.prometheus)
    if args.pipeline:
        print(f"== pipeline ({args.pipeline})")
        check_pipeline(checker, args.pipeline, args.root)
    print(f"names check: {report.passed} passed, {len(report.failures)} failed")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
