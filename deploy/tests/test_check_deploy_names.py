"""Self-test of scripts/check_deploy_names.py: it passes on the real deployment files against the
saved help texts of the contract (help/, routes.json), and fails when a name drifts on either
side: a variable, subcommand, flag, port or path renamed in a manifest, compose.yaml, the
pipeline or the Dockerfile, or in the binaries' help.

    python -m unittest discover -s deploy/tests -v      (needs kubectl and PyYAML)
"""

from __future__ import annotations

import contextlib
import io
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import check_deploy_names  # noqa: E402

FIXTURES = Path(__file__).resolve().parent


def render(overlay: str) -> str:
    return subprocess.run(["kubectl", "kustomize", str(ROOT / "deploy/k8s/overlays" / overlay)],
                          check=True, capture_output=True, text=True).stdout


class NamesCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.prod = render("prod")
        cls.dev = render("dev")

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="names-check-"))
        self.addCleanup(shutil.rmtree, self.tmp)

    def run_check(self, *, prod=None, compose=None, pipeline=None, dockerfile=None,
                  help_edit=None, routes=None) -> tuple[int, str]:
        """Runs the check on the real files, with `old -> new` replacements in the ones named."""
        tmp = Path(tempfile.mkdtemp(dir=self.tmp))

        def write(name: str, text: str, edit) -> Path:
            if edit is not None:
                old, new = edit
                self.assertIn(old, text, f"the test's edit must apply to {name}")
                text = text.replace(old, new)
            path = tmp / name
            path.write_text(text)
            return path

        help_dir = tmp / "help"
        shutil.copytree(FIXTURES / "help", help_dir)
        if help_edit is not None:
            file, old, new = help_edit
            text = (help_dir / file).read_text()
            self.assertIn(old, text)
            (help_dir / file).write_text(text.replace(old, new))
        routes_file = write("routes.json", (FIXTURES / "routes.json").read_text(), routes)
        args = [
            "--root", str(ROOT),
            "--help-dir", str(help_dir),
            "--routes-fixture", str(routes_file),
            "--manifests", f"prod={write('prod.yaml', self.prod, prod)}",
            "--manifests", f"dev={write('dev.yaml', self.dev, None)}",
            "--compose", str(write("compose.yaml", (ROOT / "compose.yaml").read_text(), compose)),
            "--prometheus", str(ROOT / "deploy/prometheus/prometheus.yml"),
            "--pipeline", str(write("bitbucket-pipelines.yml", (ROOT / "bitbucket-pipelines.yml").read_text(), pipeline)),
            "--dockerfile", str(write("Dockerfile", (ROOT / "Dockerfile").read_text(), dockerfile)),
        ]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            status = check_deploy_names.main(args)
        return status, out.getvalue()

    def assertFailsWith(self, result: tuple[int, str], *needles: str) -> None:
        status, output = result
        self.assertEqual(status, 1, output)
        failures = [line for line in output.splitlines() if "FAIL" in line]
        for needle in needles:
            self.assertTrue(any(needle in line for line in failures),
                            f"no failure mentions {needle!r}:\n" + "\n".join(failures))

    # ---- the real files pass against the contract ---------------------------------------------
    def test_the_deployment_files_pass_against_the_contract(self) -> None:
        status, output = self.run_check()
        self.assertEqual(status, 0, output)
        self.assertRegex(output, r"names check: \d+ passed, 0 failed")

    # ---- drift in the deployment files ---------------------------------------------------------
    def test_a_renamed_variable_in_a_manifest_fails(self) -> None:
        self.assertFailsWith(self.run_check(prod=("name: DIS_MYSQL_URL_FILE", "name: DIS_MYSQL_URI_FILE")),
                             "DIS_MYSQL_URI_FILE is a setting of")

    def test_a_renamed_variable_in_a_configmap_fails(self) -> None:
        self.assertFailsWith(self.run_check(prod=("DIS_QUEUE_NAMESPACE: dis", "DIS_QUEUE_NS: dis")),
                             "DIS_QUEUE_NS is a setting of ingest-api", "DIS_QUEUE_NS is a setting of worker")

    def test_a_renamed_variable_in_compose_fails(self) -> None:
        self.assertFailsWith(self.run_check(compose=("DIS_API_URL: http://api:4100", "DIS_API_ENDPOINT: http://api:4100")),
                             "DIS_API_ENDPOINT is a setting of extractor")

    def test_a_wrong_subcommand_fails(self) -> None:
        self.assertFailsWith(self.run_check(prod=('- migrate', '- migrations')), "`ingest-api migrations` is a subcommand")

    def test_a_wrong_flag_value_fails(self) -> None:
        self.assertFailsWith(self.run_check(compose=('"--entity", "all"', '"--entity", "everything"')),
                             "`--entity everything` is one of")

    def test_a_container_port_that_is_not_the_listener_fails(self) -> None:
        self.assertFailsWith(self.run_check(prod=("containerPort: 4100", "containerPort: 4200")),
                             "containerPort http=4200 is a DIS_*LISTEN port")

    def test_a_listen_address_that_moved_fails(self) -> None:
        self.assertFailsWith(self.run_check(compose=("DIS_LISTEN: 0.0.0.0:4100", "DIS_LISTEN: 0.0.0.0:8080")),
                             "published 127.0.0.1:4100:4100 reaches a DIS_*LISTEN port", "DIS_API_URL port 4100")

    def test_a_wrong_probe_path_fails(self) -> None:
        self.assertFailsWith(self.run_check(prod=("path: /readyz", "path: /ready")),
                             "readinessProbe /ready on port 4100 is served")

    def test_a_secret_file_outside_the_mounted_secret_fails(self) -> None:
        self.assertFailsWith(self.run_check(prod=("value: /run/secrets/dis-sync/api-keys", "value: /run/secrets/dis-sync/keys")),
                             "DIS_API_KEYS_FILE file keys is a key of Secret dis-sync")

    def test_an_entrypoint_that_is_not_the_binary_fails(self) -> None:
        self.assertFailsWith(self.run_check(dockerfile=('ENTRYPOINT ["/usr/local/bin/worker"]', 'ENTRYPOINT ["/usr/local/bin/dis-worker"]')),
                             'Dockerfile worker: ENTRYPOINT ["/usr/local/bin/worker"]')

    def test_a_pipeline_building_a_missing_target_fails(self) -> None:
        self.assertFailsWith(self.run_check(pipeline=("--target worker", "--target workers")),
                             "`docker build --target workers` is a Dockerfile stage", "builds the worker image")

    def test_api_and_workers_must_wait_for_migrations(self) -> None:
        self.assertFailsWith(self.run_check(compose=("DIS_MIGRATE: \"false\"\n      DIS_MYSQL_URL_FILE: /run/secrets/mysql_url\n      DIS_REDIS_URL: redis://redis:6379\n      DIS_QUEUE_NAMESPACE: dis\n      DIS_WORKER_CONCURRENCY",
                                                     "DIS_MIGRATE: \"true\"\n      DIS_MYSQL_URL_FILE: /run/secrets/mysql_url\n      DIS_REDIS_URL: redis://redis:6379\n      DIS_QUEUE_NAMESPACE: dis\n      DIS_WORKER_CONCURRENCY")),
                             "service worker: DIS_MIGRATE=false")

    # ---- drift in the code (its help and routes) -------------------------------------------------
    def test_a_variable_renamed_in_the_code_fails(self) -> None:
        self.assertFailsWith(self.run_check(help_edit=("ingest-api.txt", "[env: DIS_LISTEN=]", "[env: DIS_LISTEN_ADDR=]")),
                             "DIS_LISTEN is a setting of ingest-api")

    def test_a_file_twin_is_accepted_only_for_a_listed_setting(self) -> None:
        # The worker's help lists DIS_MYSQL_URL but not DIS_MYSQL_URL_FILE: accepted as its twin,
        # until DIS_MYSQL_URL itself goes.
        self.assertEqual(self.run_check()[0], 0)
        self.assertFailsWith(self.run_check(help_edit=("worker.txt", "[env: DIS_MYSQL_URL=]", "[env: DIS_DATABASE_URL=]")),
                             "DIS_MYSQL_URL_FILE is a setting of worker")

    def test_a_subcommand_renamed_in_the_code_fails(self) -> None:
        self.assertFailsWith(self.run_check(help_edit=("worker.txt", "  healthcheck  ", "  health       ")),
                             "healthcheck `worker healthcheck` is a subcommand",
                             'HEALTHCHECK `/usr/local/bin/worker healthcheck` runs a subcommand')

    def test_a_route_missing_from_the_code_fails(self) -> None:
        self.assertFailsWith(self.run_check(routes=('"/readyz", ', "")), 'route "/readyz" is in ingest-api\'s sources')


if __name__ == "__main__":
    unittest.main()
