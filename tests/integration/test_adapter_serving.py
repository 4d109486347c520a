"""Promotion and rollback against a real model server process: the course's active adapter
is the one the server holds, and one the server refuses never becomes active."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from byosc.catalog.sql import open_engine
from byosc.domain import Course
from byosc.errors import AdapterUnavailable, ModelUnavailable
from byosc.llm.adapters import AdapterRejected
from byosc.llm.openai_chat import OpenAIChatModel
from byosc.settings import BASE_MODEL_NAME, LlmSettings, Settings
from byosc.training.artifacts import LocalArtifactStore
from byosc.training.models import AdapterRecord, EvalReport, Hyperparameters, ModelScores
from byosc.training.registry import SqlAdapterRegistry
from byosc.training.serving import AdapterServing
from cli.runtime import Runtime
from services.inference.app import create_app as create_inference_app
from services.trainer.app import create_app
from tests.support.lora import make_foreign_adapter
from tests.support.modelserver import free_port

pytestmark = pytest.mark.slow

HELLO = [{"role": "user", "content": "Say hello to the class."}]
Adapters = dict[str, Path]


@pytest.fixture(scope="module")
def model(modelserver_url: str) -> Iterator[OpenAIChatModel]:
    model = OpenAIChatModel(LlmSettings(base_url=modelserver_url), max_retries=0)
    yield model
    model.close()


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("foreign") / "llama-8b-course"
    return make_foreign_adapter(out, "meta-llama/Llama-3.1-8B-Instruct")


@pytest.fixture
def course() -> str:
    return f"c-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def serving(tmp_path: Path, model: OpenAIChatModel) -> Iterator[AdapterServing]:
    registry = SqlAdapterRegistry(open_engine(f"sqlite:///{tmp_path / 'byosc.db'}"))
    artifacts = LocalArtifactStore(tmp_path / "adapters")
    yield AdapterServing(model, registry, artifacts, tmp_path / "fetched", served_ttl_s=0)
    _unload_all(model)
    registry.close()


def _unload_all(model: OpenAIChatModel) -> None:
    for name in model.models()[1:]:
        model.unload_adapter(name)


def _register(
    serving: AdapterServing, course: str, version: int, files: Path, passed: bool | None = None
) -> AdapterRecord:
    name, scores = f"{course}-v{version}", ModelScores(perplexity=8.0)
    report = EvalReport(pairs=4, base=scores, adapter=scores, rule="test", passed=bool(passed))
    record = AdapterRecord(
        name=name, course_id=course, version=version, dataset_version=1,
        base_model=BASE_MODEL_NAME, base_model_sha256="0" * 64,
        hyperparameters=Hyperparameters(rank=4), evaluation=None if passed is None else report,
        uri=serving.artifacts.put_dir(f"{course}/{name}", files),
    )  # fmt: skip
    return serving.registry.add(record)


def _answer(model: OpenAIChatModel, name: str | None) -> str:
    return model.complete(HELLO, model=name, max_tokens=10).text


def test_a_promoted_adapter_is_served_and_chat_with_it_differs_from_the_base(
    serving: AdapterServing, model: OpenAIChatModel, adapters: Adapters, course: str
) -> None:
    a = _register(serving, course, 1, adapters["course-a"])
    assert serving.model_for(course) is None
    active, replaced = serving.promote(a.name)
    assert (active.name, active.state, replaced) == (a.name, "active", None)
    assert model.models() == [BASE_MODEL_NAME, a.name]
    assert _answer(model, a.name) != _answer(model, None)
    assert serving.model_for(course) == a.name
    assert serving.model_for(course, use_adapter=False) is None
    assert serving.model_for("no-such-course") is None


def test_promoting_the_next_unloads_the_previous_and_rollback_brings_it_back(
    serving: AdapterServing, model: OpenAIChatModel, adapters: Adapters, course: str
) -> None:
    a = _register(serving, course, 1, adapters["course-a"])
    b = _register(serving, course, 2, adapters["course-b"])
    serving.promote(a.name)
    answer_a = _answer(model, a.name)
    active, replaced = serving.promote(b.name)
    assert active.name == b.name and replaced is not None and replaced.name == a.name
    assert model.models() == [BASE_MODEL_NAME, b.name]
    assert serving.model_for(course) == b.name
    assert _answer(model, b.name) != answer_a
    restored, demoted = serving.rollback(course)
    assert (restored.name, demoted.name) == (a.name, b.name)
    assert model.models() == [BASE_MODEL_NAME, a.name]
    assert serving.registry.active(course) == serving.registry.get(a.name)
    assert _answer(model, a.name) == answer_a


def test_an_adapter_for_another_base_is_refused_and_the_previous_stays_active(
    serving: AdapterServing, model: OpenAIChatModel, adapters: Adapters, foreign: Path, course: str
) -> None:
    a = _register(serving, course, 1, adapters["course-a"])
    other = _register(serving, course, 2, foreign)
    serving.promote(a.name)
    with pytest.raises(AdapterRejected, match=r"refused adapter .*Llama-3\.1-8B-Instruct"):
        serving.promote(other.name)
    assert serving.registry.active(course) == serving.registry.get(a.name)
    assert serving.registry.get(other.name).state == "candidate"
    assert model.models() == [BASE_MODEL_NAME, a.name]


def test_sync_makes_the_server_hold_the_active_adapter_and_no_other(
    serving: AdapterServing, model: OpenAIChatModel, adapters: Adapters, course: str
) -> None:
    a = _register(serving, course, 1, adapters["course-a"])
    b = _register(serving, course, 2, adapters["course-b"])
    serving.promote(a.name)
    model.unload_adapter(a.name)  # as after a model server restart
    model.load_adapter(b.name, serving.artifacts.fetch_dir(b.uri, Path()))
    assert serving.sync(course) == serving.registry.get(a.name)
    assert model.models() == [BASE_MODEL_NAME, a.name]
    model.unload_adapter(a.name)
    assert serving.model_for(course) == a.name  # loaded again on demand
    assert model.models() == [BASE_MODEL_NAME, a.name]
    model.unload_adapter(a.name)
    serving.artifacts.delete(a.uri)
    # Not a quiet answer from the base model: an error that names the course and adapter.
    missing = rf"course {course}: adapter {a.name} cannot be served: artifact .* does not exist"
    with pytest.raises(AdapterUnavailable, match=missing):
        serving.model_for(course)
    assert list(serving.check()) == [course]
    assert model.models() == [BASE_MODEL_NAME]


def test_a_model_server_that_does_not_answer_is_reported_at_once_not_hidden(
    serving: AdapterServing, adapters: Adapters, course: str, tmp_path: Path
) -> None:
    """Chat answers degraded on ModelUnavailable: model_for must raise it after one try,
    not hand back the adapter's name for the chat to wait on the server a second time."""
    a = _register(serving, course, 1, adapters["course-a"], passed=True)
    serving.registry.promote(a.name)
    gone = OpenAIChatModel(
        LlmSettings(base_url=f"http://127.0.0.1:{free_port()}/v1"), max_retries=0
    )
    unreachable = AdapterServing(gone, serving.registry, serving.artifacts, tmp_path / "f")
    with pytest.raises(ModelUnavailable):
        unreachable.model_for(course)
    assert unreachable.model_for(course, use_adapter=False) is None  # no server asked
    gone.close()


@pytest.fixture
def trainer(
    tmp_path: Path, byosc_home: Path, modelserver_url: str, model: OpenAIChatModel
) -> Iterator[TestClient]:
    settings = Settings(
        home=byosc_home, data_dir=tmp_path / "data", llm=LlmSettings(base_url=modelserver_url)
    )
    with TestClient(create_app(settings)) as client:
        yield client
    _unload_all(model)


def test_the_trainer_routes_promote_roll_back_and_refuse_with_clear_statuses(
    trainer: TestClient, model: OpenAIChatModel, adapters: Adapters, foreign: Path, course: str
) -> None:
    state = trainer.app.state  # type: ignore[attr-defined]
    state.catalog.create_course(Course(id=course, name="Operating Systems"))
    state.catalog.create_course(Course(id="elsewhere", name="Another course"))
    serving: AdapterServing = state.serving
    a = _register(serving, course, 1, adapters["course-a"])
    b = _register(serving, course, 2, adapters["course-b"], passed=False)
    other = _register(serving, course, 3, foreign)
    _register(serving, "elsewhere", 1, adapters["course-a"])
    base = f"/courses/{course}"

    listed = trainer.get(f"{base}/adapters")
    assert [r["name"] for r in listed.json()] == [other.name, b.name, a.name]
    assert trainer.get("/courses/no-such-course/adapters").status_code == 404

    assert trainer.post(f"{base}/rollback").status_code == 409
    promoted = trainer.post(f"{base}/adapters/{a.name}/promote")
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["active"]["name"] == a.name and promoted.json()["replaced"] is None
    assert trainer.post(f"{base}/adapters/{a.name}/promote").status_code == 409
    assert trainer.post(f"{base}/adapters/{course}-v9/promote").status_code == 404
    assert trainer.post(f"{base}/adapters/elsewhere-v1/promote").status_code == 404
    assert trainer.post("/courses/no-such-course/rollback").status_code == 404

    failed = trainer.post(f"{base}/adapters/{b.name}/promote")
    assert failed.status_code == 409 and "force=true" in failed.json()["detail"]
    refused = trainer.post(f"{base}/adapters/{other.name}/promote")
    assert refused.status_code == 502 and "Llama-3.1-8B-Instruct" in refused.json()["detail"]
    assert model.models() == [BASE_MODEL_NAME, a.name]

    forced = trainer.post(f"{base}/adapters/{b.name}/promote", params={"force": "true"})
    assert forced.status_code == 200 and forced.json()["replaced"]["name"] == a.name
    assert model.models() == [BASE_MODEL_NAME, b.name]
    rolled = trainer.post(f"{base}/rollback")
    assert rolled.status_code == 200
    assert (rolled.json()["active"]["name"], rolled.json()["replaced"]["name"]) == (a.name, b.name)
    assert model.models() == [BASE_MODEL_NAME, a.name]
    states = {r["name"]: r["state"] for r in trainer.get(f"{base}/adapters").json()}
    assert states == {a.name: "active", b.name: "retired", other.name: "candidate"}


MATERIAL = Path(__file__).parents[2] / "examples" / "sample-course" / "material"
QUESTION = "What is a process control block?"


@pytest.fixture
def services(
    tmp_path: Path, byosc_home: Path, modelserver_url: str, model: OpenAIChatModel, course: str
) -> Iterator[tuple[TestClient, TestClient]]:
    """The trainer and the inference service on one data directory and one model server."""
    settings = Settings(
        home=byosc_home, data_dir=tmp_path / "data", llm=LlmSettings(base_url=modelserver_url)
    )
    with Runtime(settings) as rt:
        rt.catalog.create_course(Course(id=course, name="Operating Systems"))
        lecture = MATERIAL / "01-processes-and-threads.md"
        rt.ingestor.ingest(course, [(lecture.name, lecture.read_bytes())])
    with (
        TestClient(create_app(settings)) as trainer,
        TestClient(create_inference_app(settings)) as inference,
    ):
        yield trainer, inference
    _unload_all(model)


def _chat_model(inference: TestClient, course: str, **extra: object) -> str:
    messages = [{"role": "user", "content": QUESTION}]
    body = {"course_id": course, "messages": messages, "max_tokens": 8, **extra}
    response = inference.post("/chat", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["citations"]
    return str(response.json()["model"])


def test_chat_answers_with_the_promoted_adapter_and_with_the_previous_one_after_rollback(
    services: tuple[TestClient, TestClient], adapters: Adapters, course: str
) -> None:
    trainer, inference = services
    serving: AdapterServing = trainer.app.state.serving  # type: ignore[attr-defined]
    a = _register(serving, course, 1, adapters["course-a"])
    b = _register(serving, course, 2, adapters["course-b"])
    assert _chat_model(inference, course) == BASE_MODEL_NAME

    for name in (a.name, b.name):
        assert trainer.post(f"/courses/{course}/adapters/{name}/promote").status_code == 200
        assert _chat_model(inference, course) == name
    assert _chat_model(inference, course, use_adapter=False) == BASE_MODEL_NAME

    assert trainer.post(f"/courses/{course}/rollback").status_code == 200
    assert _chat_model(inference, course) == a.name


def _chat(inference: TestClient, course: str) -> dict[str, Any]:
    messages = [{"role": "user", "content": QUESTION}]
    body = {"course_id": course, "messages": messages, "max_tokens": 8}
    response = inference.post("/chat", json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_after_a_model_server_restart_readiness_reloads_the_adapter_or_names_the_course(
    services: tuple[TestClient, TestClient],
    model: OpenAIChatModel,
    adapters: Adapters,
    course: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    trainer, inference = services
    serving: AdapterServing = trainer.app.state.serving  # type: ignore[attr-defined]
    inference.app.state.serving.served_ttl_s = 0  # type: ignore[attr-defined]
    a = _register(serving, course, 1, adapters["course-a"])
    b = _register(serving, course, 2, adapters["course-b"])
    for name in (a.name, b.name):
        assert trainer.post(f"/courses/{course}/adapters/{name}/promote").status_code == 200

    model.unload_adapter(b.name)  # as a restarted model server holds nothing
    ready = inference.get("/readyz").json()
    assert (ready["status"], ready["checks"]["adapters"]) == ("ok", "ok")
    assert model.models() == [BASE_MODEL_NAME, b.name]  # loaded again from the store

    model.unload_adapter(b.name)
    serving.artifacts.delete(b.uri)  # and now its files are gone too
    with caplog.at_level(logging.ERROR, logger="byosc.training.serving"):
        answer = _chat(inference, course)
    assert answer["model"] == BASE_MODEL_NAME and answer["citations"]
    assert answer["adapter_error"].startswith(f"course {course}: adapter {b.name} cannot be")
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(course in line and b.name in line for line in logged), logged
    ready = inference.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "degraded"
    failing = ready.json()["checks"]["adapters"]
    assert f"1 course(s) answered by the base model: {course};" in failing and b.name in failing

    assert trainer.post(f"/courses/{course}/rollback").status_code == 200
    assert inference.get("/readyz").json()["checks"]["adapters"] == "ok"
    recovered = _chat(inference, course)
    assert (recovered["model"], recovered["adapter_error"]) == (a.name, None)


def test_an_active_adapter_the_model_server_refuses_is_reported_by_chat_and_readiness(
    services: tuple[TestClient, TestClient], foreign: Path, course: str
) -> None:
    trainer, inference = services
    serving: AdapterServing = trainer.app.state.serving  # type: ignore[attr-defined]
    other = _register(serving, course, 1, foreign)
    serving.registry.promote(other.name)  # as when promoted while the server was down

    answer = _chat(inference, course)
    assert answer["model"] == BASE_MODEL_NAME
    assert f"adapter {other.name} cannot be served" in answer["adapter_error"]
    assert "Llama-3.1-8B-Instruct" in answer["adapter_error"]
    ready = inference.get("/readyz").json()
    assert ready["status"] == "degraded" and other.name in ready["checks"]["adapters"]
