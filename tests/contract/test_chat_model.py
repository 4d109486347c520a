"""One suite for the ChatModel port, run against the in-process engine and the HTTP client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from byosc.errors import AlreadyExists, ModelUnavailable, NotFound
from byosc.llm.engine import LocalEngine
from byosc.llm.engine_chat import EngineChatModel
from byosc.llm.openai_chat import OpenAIChatModel
from byosc.models import bundled_models
from byosc.settings import BASE_MODEL_NAME, LlmSettings, Settings
from tests.support.lora import make_lora_adapter
from tests.support.modelserver import free_port, running_modelserver

pytestmark = pytest.mark.slow

QUESTION = [{"role": "user", "content": "Name one planet of the solar system."}]
ChatImpl = EngineChatModel | OpenAIChatModel


@pytest.fixture(scope="module")
def llm_dir(byosc_home: Path) -> Path:
    return bundled_models(Settings(home=byosc_home)).llm_dir


@pytest.fixture(scope="module")
def engine(llm_dir: Path) -> Iterator[LocalEngine]:
    engine = LocalEngine(llm_dir, base_name=BASE_MODEL_NAME)
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_modelserver(tmp_path_factory.mktemp("modelserver")) as url:
        yield url


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory, llm_dir: Path) -> Path:
    return make_lora_adapter(llm_dir, tmp_path_factory.mktemp("adapter") / "course", seed=3)


@pytest.fixture(scope="module", params=["engine", "openai"])
def chat_model(request: pytest.FixtureRequest) -> Iterator[ChatImpl]:
    if request.param == "engine":
        yield EngineChatModel(request.getfixturevalue("engine"))
        return
    client = OpenAIChatModel(LlmSettings(base_url=request.getfixturevalue("server_url")))
    yield client
    client.close()


def test_complete_answers_with_text_usage_and_the_model_name(chat_model: ChatImpl) -> None:
    completion = chat_model.complete(QUESTION, model=None, max_tokens=8)
    assert completion.text.strip()
    assert completion.model == BASE_MODEL_NAME
    usage = completion.usage
    assert usage.prompt_tokens > 0 and 0 < usage.completion_tokens <= 8
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_streamed_pieces_join_into_the_completed_answer(chat_model: ChatImpl) -> None:
    pieces = list(chat_model.stream(QUESTION, model=BASE_MODEL_NAME, max_tokens=8))
    assert len(pieces) > 1
    assert "".join(pieces) == chat_model.complete(QUESTION, model=None, max_tokens=8).text


def test_the_base_model_is_listed_first(chat_model: ChatImpl) -> None:
    assert chat_model.models()[0] == BASE_MODEL_NAME


def test_an_unknown_model_raises_not_found(chat_model: ChatImpl) -> None:
    with pytest.raises(NotFound, match="no-such-model"):
        chat_model.complete(QUESTION, model="no-such-model", max_tokens=4)
    with pytest.raises(NotFound):
        list(chat_model.stream(QUESTION, model="no-such-model", max_tokens=4))


def test_a_loaded_adapter_is_listed_selectable_and_removable(
    chat_model: ChatImpl, adapter: Path
) -> None:
    base = chat_model.complete(QUESTION, model=None, max_tokens=6).text
    chat_model.load_adapter("course", adapter)
    try:
        assert chat_model.models() == [BASE_MODEL_NAME, "course"]
        tuned = chat_model.complete(QUESTION, model="course", max_tokens=6)
        assert tuned.model == "course" and tuned.text != base
        with pytest.raises(AlreadyExists):
            chat_model.load_adapter("course", adapter)
    finally:
        chat_model.unload_adapter("course")
    assert chat_model.models() == [BASE_MODEL_NAME]
    with pytest.raises(NotFound):
        chat_model.unload_adapter("course")


def test_both_implementations_give_the_same_greedy_answer(
    engine: LocalEngine, server_url: str
) -> None:
    in_process = EngineChatModel(engine).complete(QUESTION, model=None, max_tokens=10)
    remote = OpenAIChatModel(LlmSettings(base_url=server_url))
    try:
        assert remote.complete(QUESTION, model=None, max_tokens=10) == in_process
    finally:
        remote.close()


def test_a_server_that_is_not_running_raises_model_unavailable_quickly() -> None:
    settings = LlmSettings(base_url=f"http://127.0.0.1:{free_port()}/v1", timeout_s=5.0)
    down = OpenAIChatModel(settings)
    started = time.perf_counter()
    with pytest.raises(ModelUnavailable, match="did not answer"):
        down.complete(QUESTION, model=None, max_tokens=4)
    with pytest.raises(ModelUnavailable):
        list(down.stream(QUESTION, model=None, max_tokens=4))
    with pytest.raises(ModelUnavailable):
        down.models()
    with pytest.raises(ModelUnavailable):
        down.load_adapter("course", "/nowhere")
    assert time.perf_counter() - started < 10.0
    down.close()
