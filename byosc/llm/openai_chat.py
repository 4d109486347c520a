"""The ChatModel port over any OpenAI-compatible server: vLLM or services/modelserver.

Every call carries the current request ID (X-Request-ID), so the server's log lines join
those of the request that caused them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import httpx
import openai
from openai.types.chat import ChatCompletionMessageParam

from byosc.domain import Usage
from byosc.errors import AlreadyExists, ByoscError, ModelUnavailable, NotFound
from byosc.llm.adapters import AdapterRejected
from byosc.llm.generation import repetition_controls
from byosc.ports import Completion
from byosc.request_ids import request_id_headers
from byosc.settings import LlmSettings


class ModelTimedOut(ModelUnavailable):
    """The model server did not answer within the client's timeout."""

    reason = "timeout"


class ModelErrorStatus(ModelUnavailable):
    """The model server answered 429 or 5xx."""

    reason = "error_status"


class OpenAIChatModel:
    def __init__(self, settings: LlmSettings, *, max_retries: int = 1) -> None:
        self.base_url = settings.base_url.rstrip("/")
        self.default_model = settings.model
        # Fields the openai client has no parameter for, vLLM's and the local engine's.
        self._repetition = dict(
            repetition_controls(settings.repetition_penalty, settings.no_repeat_ngram_size)
        )
        self._client = openai.OpenAI(
            base_url=self.base_url,
            api_key=settings.api_key,
            timeout=settings.timeout_s,
            max_retries=max_retries,
        )
        # The adapter endpoints are vLLM extensions the openai client has no method for.
        self._http = httpx.Client(
            base_url=f"{self.base_url}/",
            timeout=settings.timeout_s,
            headers={"Authorization": f"Bearer {settings.api_key}"},
        )

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Completion:
        name = model or self.default_model
        with self._translated():
            response = self._client.chat.completions.create(
                model=name,
                messages=_params(messages),
                max_tokens=max_tokens,
                temperature=0.0,
                stop=list(stop) or openai.omit,
                extra_body=self._repetition,
                extra_headers=request_id_headers(),
            )
        content = response.choices[0].message.content if response.choices else None
        return Completion(text=content or "", model=response.model or name, usage=_usage(response))

    def stream(
        self,
        messages: list[dict[str, str]],
        *,
        model: str | None,
        max_tokens: int,
        stop: Sequence[str] = (),
    ) -> Iterator[str]:
        with self._translated():
            chunks = self._client.chat.completions.create(
                model=model or self.default_model,
                messages=_params(messages),
                max_tokens=max_tokens,
                temperature=0.0,
                stop=list(stop) or openai.omit,
                extra_body=self._repetition,
                stream=True,
                stream_options={"include_usage": True},
                extra_headers=request_id_headers(),
            )
            with chunks:
                for chunk in chunks:
                    for choice in chunk.choices:
                        if choice.delta.content:
                            yield choice.delta.content

    def models(self) -> list[str]:
        with self._translated():
            listed = self._client.models.list(extra_headers=request_id_headers())
            return [card.id for card in listed]

    def load_adapter(self, name: str, path: Path | str) -> None:
        self._post("load_lora_adapter", {"lora_name": name, "lora_path": str(path)})

    def unload_adapter(self, name: str) -> None:
        self._post("unload_lora_adapter", {"lora_name": name})

    def close(self) -> None:
        self._client.close()
        self._http.close()

    @contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except openai.APITimeoutError as exc:
            raise self._unavailable(str(exc), ModelTimedOut) from exc
        except openai.APIConnectionError as exc:
            raise self._unavailable(str(exc)) from exc
        except openai.APIStatusError as exc:
            raise self._status_error(exc.status_code, _error_message(exc.body, exc)) from exc

    def _post(self, endpoint: str, body: dict[str, str]) -> None:
        try:
            response = self._http.post(endpoint, json=body, headers=request_id_headers())
        except httpx.TimeoutException as exc:
            raise self._unavailable(str(exc) or type(exc).__name__, ModelTimedOut) from exc
        except httpx.TransportError as exc:
            raise self._unavailable(str(exc) or type(exc).__name__) from exc
        if response.is_error:
            raise self._status_error(response.status_code, _response_message(response))

    def _unavailable(
        self, reason: str, kind: type[ModelUnavailable] = ModelUnavailable
    ) -> ModelUnavailable:
        return kind(f"the model server at {self.base_url} did not answer: {reason}")

    def _status_error(self, status: int, message: str) -> ByoscError:
        if status == 404:
            return NotFound(message)
        if status == 429 or status >= 500:
            return self._unavailable(f"HTTP {status}: {message}", ModelErrorStatus)
        if "already" in message:
            return AlreadyExists(message)
        return AdapterRejected(message) if "adapter" in message.lower() else ByoscError(message)


def _params(messages: list[dict[str, str]]) -> list[ChatCompletionMessageParam]:
    return cast("list[ChatCompletionMessageParam]", messages)


def _usage(response: Any) -> Usage:
    if response.usage is None:
        return Usage()
    counted = response.usage
    return Usage(
        prompt_tokens=counted.prompt_tokens,
        completion_tokens=counted.completion_tokens,
        total_tokens=counted.total_tokens,
    )


def _error_message(body: object, fallback: object) -> str:
    """The message of an error body: OpenAI's {"error": {...}} or vLLM's older flat shape."""
    if isinstance(body, dict):
        inner: Any = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if body.get("detail"):
            return str(body["detail"])
    return str(fallback)


def _response_message(response: httpx.Response) -> str:
    try:
        return _error_message(response.json(), response.text)
    except ValueError:
        return response.text or f"HTTP {response.status_code}"
