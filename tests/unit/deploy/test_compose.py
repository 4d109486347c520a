"""The two compose files and the image build, checked offline: docker-compose's own parser
when it is installed, the settings each service gets, the order they start in, and what each
image installs. `make compose-check` runs the single-node file for real."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from byosc.settings import Settings
from tests.unit.deploy.test_manifests import _assert_known_settings

ROOT = Path(__file__).resolve().parents[3]
SCALE_OUT = ROOT / "docker-compose.yml"
SINGLE_NODE = ROOT / "compose.single-node.yml"
PASSWORD_VAR = "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
BYOSC_SERVICES = {"migrate", "gateway", "ingest", "inference", "trainer"}
ALL_QUEUES = {"cpu", "llm", "transcribe", "train"}


def _load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def _settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    _assert_known_settings(env)
    for key, value in env.items():
        monkeypatch.setenv(key, value.replace(PASSWORD_VAR, "pw"))
    return Settings()


def _queues(command: list[str]) -> set[str]:
    return set(command[command.index("--queues") + 1].split(","))


def _extras() -> dict[str, list[str]]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed")
@pytest.mark.parametrize("path", [SCALE_OUT, SINGLE_NODE], ids=lambda p: p.name)
def test_docker_compose_accepts_the_file(path: Path) -> None:
    done = subprocess.run(
        ["docker-compose", "-f", str(path), "config", "--quiet"],
        env={"POSTGRES_PASSWORD": "pw", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", [SCALE_OUT, SINGLE_NODE], ids=lambda p: p.name)
def test_every_service_starts_after_the_migration_and_it_upgrades_the_schema(path: Path) -> None:
    services = _load(path)["services"]
    assert services["migrate"]["command"] == ["byosc", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    # Every project service that reads the metadata DB; the model server does not.
    users = [
        name
        for name, service in services.items()
        if service.get("image", "").startswith("byosc-")
        and name not in ("migrate", "modelserver", "postgres", "redis")
    ]
    assert len(users) >= 5
    for name in users:
        wanted = {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["migrate"] == wanted, name


def test_scale_out_splits_the_gpu_queues_and_gives_inference_the_artifact_store() -> None:
    services = _load(SCALE_OUT)["services"]
    workers = {n: _queues(s["command"]) for n, s in services.items() if n.startswith("worker")}
    assert workers == {
        "worker-cpu": {"cpu", "llm"},
        "worker-transcribe": {"transcribe"},
        "worker-train": {"train"},
    }
    for name in ("worker-transcribe", "worker-train"):
        assert services[name]["build"]["args"]["EXTRA"] == "gpu-worker"
        assert services[name]["deploy"]["resources"]["reservations"]["devices"], name
        assert services[name]["command"][-2:] == ["--concurrency", "1"]
    assert "data:/data" in services["inference"]["volumes"]


def test_single_node_settings_validate_and_only_inference_owns_the_index(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = _load(SINGLE_NODE)["services"]
    kinds = {}
    for name in BYOSC_SERVICES | {"worker", "modelserver"}:
        settings = _settings(services[name]["environment"], monkeypatch)
        assert settings.profile == "single-node", name
        assert settings.database_url.startswith("postgresql"), name
        kinds[name] = settings.index.kind
        for key in services[name]["environment"]:
            monkeypatch.delenv(key)
    assert kinds.pop("inference") == "edge"
    assert set(kinds.values()) == {"http"}
    index_path = Settings(data_dir=Path("/data")).index_path
    assert index_path.is_relative_to("/data")
    assert "data:/data" in services["inference"]["volumes"]


def test_single_node_has_one_cpu_worker_on_every_queue_and_no_gpu() -> None:
    services = _load(SINGLE_NODE)["services"]
    workers = [s for s in services.values() if "--queues" in s.get("command", [])]
    assert len(workers) == 1 and _queues(workers[0]["command"]) == ALL_QUEUES
    assert "byosc-ingest" in workers[0]["image"]
    assert not any("deploy" in s for s in services.values())
    llm_url = services["inference"]["environment"]["BYOSC_LLM__BASE_URL"]
    assert llm_url == "http://modelserver:8004/v1"
    assert services["modelserver"]["command"][:3] == ["python", "-m", "services.modelserver"]


def test_single_node_pulls_nothing_every_image_is_built_here() -> None:
    for name, service in _load(SINGLE_NODE)["services"].items():
        image = service["image"].split(":")[0]
        assert image.startswith("byosc-") and "build" in service, name
        extra = service["build"].get("args", {}).get("EXTRA")
        dockerfile = service["build"].get("dockerfile", "Dockerfile")
        assert (ROOT / dockerfile).is_file(), name
        if dockerfile == "Dockerfile":
            assert image == f"byosc-{extra}" and extra in _extras(), name


def test_the_dockerfile_has_a_stage_for_every_extra_built_and_the_gateway_has_no_torch() -> None:
    stages = re.findall(r"^FROM (\S+) AS (\S+)$", (ROOT / "Dockerfile").read_text(), re.M)
    parents = {name: parent for parent, name in stages}
    built = {
        s["build"]["args"]["EXTRA"]
        for path in (SCALE_OUT, SINGLE_NODE)
        for s in _load(path)["services"].values()
        if "args" in s.get("build", {}) and "EXTRA" in s["build"]["args"]
    }
    assert built <= set(parents)
    assert parents["gateway"] == "torchless"
    assert all(parents[e] == "with-models" for e in built - {"gateway"})


def _requirements(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "requirements.py"), "pyproject.toml", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return done.stdout.split()


def test_image_requirements_expand_extras_and_keep_torch_in_the_shared_layer() -> None:
    gateway = _requirements("gateway")
    assert not any(r.startswith(("torch", "numpy", "byosc")) for r in gateway)
    shared = _requirements("ml", "speech")
    assert "torch==2.13.0" in shared
    ingest = _requirements("ingest", "--minus", "ml", "--minus", "speech")
    assert "celery>=5.5" in ingest and "qdrant-edge-py==0.9.0" in ingest
    assert not set(ingest) & set(shared)
    core = _requirements("--core")
    assert core == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
