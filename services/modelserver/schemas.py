"""Request and response bodies of the OpenAI chat API and vLLM's adapter endpoints."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from byosc.llm.generation import DEFAULT_MAX_TOKENS, Generation
from byosc.openai_compat import ContentPart, completion_id  # shared with the course chatbot


class Message(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def as_chat(self) -> dict[str, str]:
        role = "system" if self.role == "developer" else self.role
        if isinstance(self.content, list):
            return {"role": role, "content": "".join(p.text for p in self.content)}
        return {"role": role, "content": self.content or ""}


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    # Clients send many optional OpenAI fields; the ones not listed here do not apply.
    model_config = ConfigDict(extra="ignore")
    model: str | None = None
    messages: list[Message] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    n: int = Field(default=1, ge=1, le=1, description="Only one choice is generated.")
    stream: bool = False
    stream_options: StreamOptions | None = None
    stop: str | Annotated[list[str], Field(max_length=4)] | None = Field(
        default=None, description="The text ends before the first of these."
    )
    repetition_penalty: float = Field(default=1.0, gt=0.0, description="As vLLM's.")
    no_repeat_ngram_size: int = Field(
        default=0, ge=0, description="No run of this many tokens twice in the answer; 0: off."
    )

    def generation_args(self) -> dict[str, Any]:
        stop = [self.stop] if isinstance(self.stop, str) else self.stop or []
        return {
            "model": self.model,
            "max_tokens": self.max_completion_tokens or self.max_tokens or DEFAULT_MAX_TOKENS,
            "temperature": self.temperature or 0.0,
            "top_p": self.top_p or 1.0,
            "stop": stop,
            "repetition_penalty": self.repetition_penalty,
            "no_repeat_ngram_size": self.no_repeat_ngram_size,
        }

    def chat(self) -> list[dict[str, str]]:
        return [message.as_chat() for message in self.messages]

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


class LoadLoRAAdapterRequest(BaseModel):
    lora_name: str
    lora_path: str


class UnloadLoRAAdapterRequest(BaseModel):
    lora_name: str
    lora_int_id: int | None = None


def usage_body(generation: Generation) -> dict[str, int]:
    return generation.usage.model_dump()


def completion_body(generation: Generation) -> dict[str, Any]:
    return {
        "id": completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": generation.model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": generation.text},
                "logprobs": None,
                "finish_reason": generation.finish_reason,
            }
        ],
        "usage": usage_body(generation),
    }


def chunk_body(
    cid: str, created: int, model: str, delta: dict[str, str], finish_reason: str | None = None
) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def model_card(
    name: str, root: str, parent: str | None, max_model_len: int, created: int
) -> dict[str, Any]:
    return {
        "id": name,
        "object": "model",
        "created": created,
        "owned_by": "byosc",
        "root": root,
        "parent": parent,
        "max_model_len": max_model_len,
        "permission": [],
    }


def error_body(message: str, err_type: str, status: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": err_type, "param": None, "code": status}}
