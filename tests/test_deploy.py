"""deploy/: the Kubernetes manifests validate against the Kubernetes JSON schemas (kubernetes-validate, which
bundles them: no network) and agree with each other and with the service; the Containerfile parses (the
BuildKit parser) and runs a non-root server of an index built at image build, health-checked on /readyz;
the HAProxy config passes `haproxy -c`. No container or cluster runs here: see the README."""
from __future__ import annotations

import ast
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "k8s").glob("*.yaml"))
KUBERNETES_VERSIONS = ["1.29.0", "1.33.0"]  # the oldest we support and a recent one
# Measured (README, Capacity): resident MiB of the gunicorn master and of one worker after the dev queries.
MASTER_MIB, WORKER_MIB = 60, 130


def _documents() -> dict[str, dict]:
    """Every manifest document by kind."""
    found = {}
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                found[document["kind"]] = document
    return found


def _container() -> dict:
    """The codesearch container of the Deployment."""
    return _documents()["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def _mebibytes(quantity: str) -> float:
    """A Kubernetes memory quantity in MiB."""
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]i)?", quantity).groups()
    return float(number) * {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, None: 1 / 2**20}[unit]


def _gunicorn_setting(name: str):
    """A literal setting of gunicorn.conf.py, read without running it."""
    tree = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    raise KeyError(name)


def test_the_four_kinds_are_there():
    assert set(_documents()) == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_validates_against_the_kubernetes_schema(path, version):
    kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="pip install -e '.[test]'")
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, version, strict=True)  # strict: no unknown fields


def test_the_validator_rejects_a_broken_manifest():
    kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="pip install -e '.[test]'")
    broken = _documents()["Deployment"]
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)
    broken = _documents()["Service"]
    broken["spec"]["ports"][0]["port"] = "eighty"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


def test_selectors_and_targets_point_at_the_deployments_pods():
    docs = _documents()
    labels = docs["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert docs["Deployment"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert docs["Service"]["spec"]["selector"].items() <= labels.items()
    assert docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"].items() <= labels.items()
    target = docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", docs["Deployment"]["metadata"]["name"])
    hpa, pdb = docs["HorizontalPodAutoscaler"]["spec"], docs["PodDisruptionBudget"]["spec"]
    assert hpa["minReplicas"] > pdb["maxUnavailable"]


def test_probes_use_readyz_for_readiness_and_healthz_for_liveness():
    container = _container()
    port = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in port
    assert port["http"] == 8000
    assert _documents()["Service"]["spec"]["ports"][0]["targetPort"] == "http"


def test_resources_follow_the_measured_memory_per_worker():
    container = _container()
    workers = int(next(e["value"] for e in container["env"] if e["name"] == "CODESEARCH_WORKERS"))
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    assert _mebibytes(requests["memory"]) >= MASTER_MIB + workers * WORKER_MIB
    assert _mebibytes(limits["memory"]) >= _mebibytes(requests["memory"])
    assert float(requests["cpu"]) == workers  # one core a sync worker


def test_termination_grace_covers_the_pre_stop_wait_and_gunicorns_drain():
    pod = _documents()["Deployment"]["spec"]["template"]["spec"]
    pre_stop = int(pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > pre_stop + _gunicorn_setting("graceful_timeout")


def test_the_pod_runs_as_non_root_on_a_read_only_root():
    pod = _documents()["Deployment"]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] != 0
    container = pod["containers"][0]["securityContext"]
    assert container["readOnlyRootFilesystem"] and not container["allowPrivilegeEscalation"]
    assert any(m["mountPath"] == "/tmp" for m in pod["containers"][0]["volumeMounts"])


# -- the Containerfile ---------------------------------------------------------------------------------
def _instructions() -> list:
    """The Containerfile as BuildKit's parser reads it."""
    dockerfile = pytest.importorskip("dockerfile", reason="pip install -e '.[test]'")
    return list(dockerfile.parse_file(str(DEPLOY / "Containerfile")))


def _final_stage() -> list:
    """The instructions of the last stage (the image that runs)."""
    commands = _instructions()
    start = max(i for i, c in enumerate(commands) if c.cmd == "FROM")
    return commands[start:]


def test_the_image_runs_as_a_non_root_user():
    users = [c.value[0] for c in _final_stage() if c.cmd == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_the_index_is_built_at_image_build_and_shipped_in_the_image():
    commands = _instructions()
    builds = [c for c in commands if c.cmd == "RUN" and "codesearch build-index" in c.value[0]]
    assert builds and "--index /srv/index" in builds[0].value[0]
    assert any(c.cmd == "COPY" and c.value[-2:] == ("/srv/index", "/srv/index") for c in _final_stage())
    env = " ".join(" ".join(c.value) for c in _final_stage() if c.cmd == "ENV")
    assert "CODESEARCH_INDEX_DIR /srv/index" in env


def test_the_health_check_asks_readyz_and_the_command_is_the_production_gunicorn():
    stage = _final_stage()
    health = [c for c in stage if c.cmd == "HEALTHCHECK"]
    assert health and health[0].value[0] == "CMD" and "/readyz" in " ".join(health[0].value)
    command = next(c for c in stage if c.cmd == "CMD")
    assert command.json and command.value[:3] == ("gunicorn", "-c", "/srv/gunicorn.conf.py")


def test_everything_the_containerfile_copies_exists():
    for command in _instructions():
        if command.cmd == "COPY" and not any(f.startswith("--from") for f in command.flags):
            for source in command.value[:-1]:
                assert (ROOT / source).exists(), source


# -- HAProxy ---------------------------------------------------------------------------------------------
def test_the_haproxy_config_is_valid(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("replicas", ROOT / "scripts" / "replicas.py")
    replicas = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(replicas)
    binary = replicas.haproxy_binary()
    if binary is None:
        pytest.skip("haproxy is not installed (apt-get install haproxy; scripts/test.sh installs it as root)")
    env = dict(os.environ, CODESEARCH_LB_BIND="127.0.0.1:1", CODESEARCH_LB_SOCKET=str(tmp_path / "s.sock"),
               CODESEARCH_REPLICA_CONNS="2", CODESEARCH_REPLICA_1="127.0.0.1:2", CODESEARCH_REPLICA_2="127.0.0.1:3",
               CODESEARCH_REPLICA_3="127.0.0.1:4")
    done = subprocess.run([binary, "-c", "-f", str(DEPLOY / "haproxy.cfg")], env=env, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
