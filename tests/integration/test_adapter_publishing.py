"""Promoted adapters published to a model hub, against the fake hub of tests/support (no hub
is reachable here): the files and card that arrive, publishing on promotion, and a hub that
fails or cannot be reached, which leaves the adapter active with the failure on it.

The model server is down in these tests (its port is closed), so promotions are recorded and
the adapter is loaded on first use: the way `byosc adapters promote` works without one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from safetensors.numpy import save_file
from typer.testing import CliRunner

from byosc.domain import Course, DatasetVersion
from byosc.settings import Settings
from byosc.training.models import AdapterRecord, EvalReport, Hyperparameters, ModelScores
from byosc.training.publishing.publisher import PublishFailed, PublishRefused
from cli.main import app as cli
from cli.runtime import Runtime
from services.trainer.app import create_app
from tests.support.fake_hub import TOKEN, FakeHub, running_fake_hub
from tests.support.modelserver import free_port

pytestmark = pytest.mark.slow  # the fake hub is a server, in a thread

COURSE = "cs140"
ADAPTER_FILES = {
    "adapter_model.safetensors",
    "adapter_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "byosc_adapter.json",
}


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with running_fake_hub() as hub:
        yield hub


@pytest.fixture
def env(tmp_path: Path, byosc_home: Path, hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    """An embedded stack whose model server is down, publishing to the fake hub."""
    for name, value in {
        "BYOSC_HOME": str(byosc_home),
        "BYOSC_DATA_DIR": str(tmp_path / "data"),
        "BYOSC_LLM__BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "BYOSC_TRAINING__HUB__ENDPOINT": hub.url,
        "BYOSC_TRAINING__HUB__TOKEN": TOKEN,
        "BYOSC_TRAINING__HUB__NAMESPACE": "my-university",
    }.items():
        monkeypatch.setenv(name, value)


def _adapter_dir(root: Path) -> Path:
    """An adapter directory as training stores it (tiny weights; peft's own README too)."""
    root.mkdir(parents=True)
    save_file(
        {"lora_A": np.zeros((4, 8), dtype=np.float32)}, str(root / "adapter_model.safetensors")
    )
    (root / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 4}))
    (root / "tokenizer.json").write_text('{"model": {}}')
    (root / "tokenizer_config.json").write_text("{}")
    (root / "chat_template.jinja").write_text("{{ messages }}")
    (root / "byosc_adapter.json").write_text("{}")
    (root / "README.md").write_text("---\nlibrary_name: peft\n---\n# Model Card for Model ID\n")
    return root


def _register(rt: Runtime, tmp_path: Path, version: int = 1) -> AdapterRecord:
    """A course with dataset v2 (412 pairs) and a candidate adapter trained on it."""
    if rt.catalog.get_course(COURSE) is None:
        rt.catalog.create_course(Course(id=COURSE, name="Operating Systems"))
        splits = {"train": 330, "validation": 41, "test": 41}
        rt.datasets.write_version(
            DatasetVersion(course_id=COURSE, version=2, pairs=412, splits=splits), []
        )
    name = f"{COURSE}-v{version}"
    base = ModelScores(perplexity=9.5, perplexity_with_context=6.25, rouge_l=0.21, similarity=0.5)
    tuned = ModelScores(perplexity=8.0, perplexity_with_context=4.5, rouge_l=0.3, similarity=0.6)
    record = AdapterRecord(
        name=name, course_id=COURSE, version=version, dataset_version=2,
        base_model="smollm2-135m-instruct", base_model_sha256="ab" * 32,
        hyperparameters=Hyperparameters(rank=4, alpha=8, learning_rate=3e-4, max_steps=40),
        evaluation=EvalReport(pairs=41, base=base, adapter=tuned, rule="promote when better",
                              passed=True, reasons=["perplexity 8.00 < base 9.50: better"]),
        uri=rt.artifacts.put_dir(name, _adapter_dir(tmp_path / name)),
    )  # fmt: skip
    return rt.adapter_registry.add(record)


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_a_promoted_adapter_is_published_privately_with_its_files_and_model_card(
    env: None, hub: FakeHub, tmp_path: Path
) -> None:
    with Runtime() as rt:
        record = _register(rt, tmp_path)
        active = rt.adapter_serving.promote_or_defer(record.name)
    code, output = _cli("adapters", "publish", record.name, "--json")
    assert code == 0, output
    publication = json.loads(output)
    repo = hub.repos["my-university/byosc-cs140-v1"]
    assert repo.private is True
    # peft's generic README is replaced by the card; the artifact's files go as stored.
    assert set(repo.files) == ADAPTER_FILES | {"README.md"}
    stored = Path(rt.artifacts.fetch_dir(active.uri, tmp_path))
    assert (
        repo.files["adapter_model.safetensors"]
        == (stored / "adapter_model.safetensors").read_bytes()
    )
    card = repo.text("README.md")
    assert card.startswith("---\nbase_model: HuggingFaceTB/SmolLM2-135M-Instruct\n")
    assert "library_name: peft" in card and "# Model Card for Model ID" not in card
    assert "Version 2 of the course's instruction dataset holds 412 pairs" in card
    assert "(330 train, 41 validation, 41 test)" in card
    assert "| LoRA rank (r) | 4 |" in card and "| Learning rate | 0.0003 |" in card
    assert "| Metric | Base model | Adapter |" in card
    assert "| Perplexity of the reference answers | 9.50 | 8.00 |" in card
    assert "| ROUGE-L F1 of generated answers | 0.210 | 0.300 |" in card
    assert publication["state"] == "published"
    assert publication["url"] == f"{hub.url}/my-university/byosc-cs140-v1"
    assert publication["revision"] == repo.commits[-1][0]
    assert repo.commits[-1][1] == "cs140-v1: adapter v1 of cs140"

    code, output = _cli("adapters", "list", "--course", COURSE)
    assert code == 0 and f"published to {hub.url}/my-university/byosc-cs140-v1 (private" in output


def test_an_adapter_is_published_when_promoted_if_settings_ask(
    env: None, hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Runtime() as rt:
        record = _register(rt, tmp_path)
    code, output = _cli("adapters", "promote", record.name)
    assert code == 0, output
    assert hub.repos == {}  # not asked to

    monkeypatch.setenv("BYOSC_TRAINING__HUB__PUBLISH_ON_PROMOTION", "true")
    with Runtime() as rt:
        second = _register(rt, tmp_path, version=2)
    code, output = _cli("adapters", "promote", second.name)
    assert code == 0, output
    assert list(hub.repos) == ["my-university/byosc-cs140-v2"]
    assert "README.md" in hub.repos["my-university/byosc-cs140-v2"].files


@pytest.mark.parametrize("fault", ["answers 500", "cannot be reached"])
def test_a_failed_upload_leaves_the_promoted_adapter_active_with_the_failure_on_it(
    env: None, hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setenv("BYOSC_TRAINING__HUB__PUBLISH_ON_PROMOTION", "true")
    if fault == "answers 500":
        hub.fail_with = 500
    else:
        monkeypatch.setenv("BYOSC_TRAINING__HUB__ENDPOINT", f"http://127.0.0.1:{free_port()}")
    with Runtime() as rt:
        record = _register(rt, tmp_path)
        active = rt.adapter_serving.promote_or_defer(record.name)
        assert active.state == "active"
        assert rt.adapter_registry.active(COURSE) == active
        publication = rt.adapter_publications.get(record.name)
    assert publication is not None and publication.state == "failed"
    expected = "answered 500" if fault == "answers 500" else "cannot reach"
    assert expected in (publication.error or "")
    assert hub.repos == {}

    code, output = _cli("adapters", "show", record.name)
    assert code == 0 and "cs140-v1: active" in output
    assert f"hub: publishing to my-university/byosc-cs140-v1 failed: {publication.error}" in output
    settings = Settings()
    with TestClient(create_app(settings)) as trainer:
        [listed] = trainer.get(f"/courses/{COURSE}/adapters").json()
    assert listed["state"] == "active"
    assert listed["publication"]["state"] == "failed"
    assert listed["publication"]["error"] == publication.error


def test_publishing_again_after_a_failure_records_the_success(
    env: None, hub: FakeHub, tmp_path: Path
) -> None:
    with Runtime() as rt:
        record = rt.adapter_serving.promote_or_defer(_register(rt, tmp_path).name)
        hub.fail_with = 503
        with pytest.raises(PublishFailed, match="answered 503"):
            rt.hub_publisher.publish(record)
        hub.fail_with = None
        published = rt.hub_publisher.publish(record, "my-university/os-course-adapter")
        assert rt.adapter_publications.get(record.name) == published
    assert published.state == "published" and published.error is None
    assert list(hub.repos) == ["my-university/os-course-adapter"]


def test_publishing_without_a_token_or_an_unpromoted_adapter_is_refused_before_any_upload(
    env: None, hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Runtime() as rt:
        record = _register(rt, tmp_path)
        with pytest.raises(PublishRefused, match="never promoted"):
            rt.hub_publisher.publish(record)
        rt.adapter_serving.promote_or_defer(record.name)
    monkeypatch.delenv("BYOSC_TRAINING__HUB__TOKEN")
    code, output = _cli("adapters", "publish", record.name)
    assert code == 1
    assert "no hub token: set BYOSC_TRAINING__HUB__TOKEN" in output
    assert hub.calls == []
    with Runtime() as rt:
        assert rt.adapter_publications.get(record.name) is None


def test_a_wrong_token_is_recorded_as_the_hubs_refusal(
    env: None, hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Runtime() as rt:
        record = rt.adapter_serving.promote_or_defer(_register(rt, tmp_path).name)
    monkeypatch.setenv("BYOSC_TRAINING__HUB__TOKEN", "hf_not_this_one")
    code, output = _cli("adapters", "publish", record.name)
    assert code == 1 and "answered 401" in output
    code, output = _cli("adapters", "list", "--course", COURSE, "--json")
    [listed] = json.loads(output)
    assert listed["publication"]["state"] == "failed"
    assert "401" in listed["publication"]["error"]


def test_publishing_an_unknown_adapter_says_so_and_exits_non_zero(env: None) -> None:
    code, output = _cli("adapters", "publish", "nope-v9")
    assert code == 1
    assert "adapter nope-v9 does not exist" in output


def test_a_deleted_course_takes_its_adapters_publications_with_it(
    env: None, hub: FakeHub, tmp_path: Path
) -> None:
    with Runtime() as rt:
        record = rt.adapter_serving.promote_or_defer(_register(rt, tmp_path).name)
        rt.hub_publisher.publish(record)
        rt.adapter_registry.delete_course(COURSE)
        assert rt.adapter_publications.get(record.name) is None
