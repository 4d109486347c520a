"""The OpenAI chat API as the course chatbot speaks it: `model` is a course ID, and answers
carry the course's citations (and the model that answered) beside OpenAI's own fields, so
any OpenAI client or LMS plugin gets the study buddy."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from byosc.domain import ChatMessage, ChatRequest, ChatResponse, Citation, Course, Usage
from byosc.domain.core import Delta, Done
from byosc.errors import ByoscError

FinishReason = Literal["stop", "length"]


class InvalidChatRequest(ByoscError):
    """An OpenAI request the course chatbot cannot answer as asked (answered with 400)."""


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="ignore")
    type: str
    text: str = ""


class OpenAIMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    # developer is the newer OpenAI name for system. Tool turns have no meaning here.
    role: Literal["system", "developer", "user", "assistant"]
    content: str | list[ContentPart] | None = None

    def as_chat(self) -> ChatMessage:
        role = "system" if self.role == "developer" else self.role
        if isinstance(self.content, list):
            text = "".join(part.text for part in self.content if part.type == "text")
        else:
            text = self.content or ""
        return ChatMessage(role=role, content=text)


class ChatCompletionRequest(BaseModel):
    # Clients send many optional OpenAI fields; the ones not listed here do not apply.
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "model": "cs140",
                    "messages": [
                        {"role": "system", "content": "Answer in two sentences."},
                        {"role": "user", "content": "What causes a page fault?"},
                    ],
                    "max_tokens": 128,
                }
            ]
        },
    )
    model: str = Field(description="The course ID: its chatbot answers.", examples=["cs140"])
    messages: list[OpenAIMessage] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1)
    max_completion_tokens: int | None = Field(
        default=None, ge=1, description="Takes precedence over max_tokens, as in OpenAI's API."
    )
    temperature: float | None = Field(
        default=None,
        ge=0.0,
        le=2.0,
        description="Accepted and ignored: answers are greedy, so the same material and "
        "question give the same answer.",
    )
    n: int = Field(default=1, ge=1, le=1, description="Only one choice is generated.")
    stream: bool = False

    def chat_request(self) -> ChatRequest:
        """The same question as a /chat request."""
        messages = [message.as_chat() for message in self.messages]
        if not any(m.role == "user" for m in messages):
            raise InvalidChatRequest("messages must hold at least one user message")
        fields: dict[str, Any] = {"course_id": self.model, "messages": messages}
        limit = self.max_completion_tokens or self.max_tokens
        if limit is not None:  # else /chat's default length
            fields["max_tokens"] = limit
        try:
            return ChatRequest(stream=self.stream, **fields)
        except ValidationError as exc:
            problems = "; ".join(f"{_place(e['loc'])}: {e['msg']}" for e in exc.errors())
            raise InvalidChatRequest(problems) from exc


def _place(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    logprobs: None = None
    finish_reason: FinishReason


class CourseAnswer(BaseModel):
    """What the course chatbot adds to OpenAI's fields."""

    citations: list[Citation] = Field(description="The same citations /chat returns.")
    served_model: str = Field(
        description="The base model or course adapter that answered; none: no model call."
    )
    covered: bool = Field(description="False: the material does not cover the question.")
    degraded: bool = Field(
        default=False,
        description="True: the model server was down or too slow; the answer says so and "
        "the citations are the most relevant passages, with no generated text.",
    )
    adapter_error: str | None = Field(
        default=None,
        description="Set when the course's adapter could not be served: the base model "
        "answered, and this says why.",
    )


class ChatCompletion(CourseAnswer):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str = Field(description="The course ID, as asked.")
    choices: list[Choice]
    usage: Usage


class ChunkDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None

    @model_serializer(mode="wrap")
    def _without_empty_fields(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A delta names only what it adds, as OpenAI's do: {"content": "..."} or {}.
        return {k: v for k, v in handler(self).items() if v is not None}


class ChunkChoice(BaseModel):
    index: int = 0
    delta: ChunkDelta
    logprobs: None = None
    finish_reason: FinishReason | None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]


class FinalChunk(ChatCompletionChunk, CourseAnswer):
    """The last chunk of a stream: the finish reason, the citations and the token usage."""

    usage: Usage


class ModelCard(BaseModel):
    id: str = Field(description="The course ID.")
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "byosc"
    name: str = Field(description="The course's name.")


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


def completion(response: ChatResponse, course_id: str, max_tokens: int) -> ChatCompletion:
    return ChatCompletion(
        id=completion_id(),
        created=int(time.time()),
        model=course_id,
        choices=[
            Choice(
                message=AssistantMessage(content=response.answer),
                finish_reason=finish_reason(response, max_tokens),
            )
        ],
        usage=response.usage,
        **_course_answer(response),
    )


def completion_chunks(
    events: Iterable[Delta | Done], course_id: str, max_tokens: int
) -> Iterator[ChatCompletionChunk]:
    """A chat stream as OpenAI chunks: the role, the answer's pieces, then a final chunk
    with the finish reason and citations."""
    chunks = CompletionChunks(course_id, max_tokens)
    yield chunks.start()
    for event in events:
        yield from chunks.of(event)


async def acompletion_chunks(
    events: AsyncIterable[Delta | Done], course_id: str, max_tokens: int
) -> AsyncIterator[ChatCompletionChunk]:
    """completion_chunks over an async chat stream."""
    chunks = CompletionChunks(course_id, max_tokens)
    yield chunks.start()
    async for event in events:
        for chunk in chunks.of(event):
            yield chunk


class CompletionChunks:
    """The chunks of one completion, event by event."""

    def __init__(self, course_id: str, max_tokens: int) -> None:
        self.course_id, self.max_tokens = course_id, max_tokens
        self.id, self.created = completion_id(), int(time.time())
        self.streamed = False

    def start(self) -> ChatCompletionChunk:
        return self._chunk(ChunkDelta(role="assistant", content=""))

    def of(self, event: Delta | Done) -> list[ChatCompletionChunk]:
        if isinstance(event, Delta):
            self.streamed = True
            return [self._chunk(ChunkDelta(content=event.text))]
        response = event.response
        rest = _unsent(response, self.streamed)
        final = FinalChunk(
            id=self.id,
            created=self.created,
            model=self.course_id,
            choices=[
                ChunkChoice(
                    delta=ChunkDelta(), finish_reason=finish_reason(response, self.max_tokens)
                )
            ],
            usage=response.usage,
            **_course_answer(response),
        )
        return [self._chunk(ChunkDelta(content=rest)), final] if rest else [final]

    def _chunk(self, delta: ChunkDelta) -> ChatCompletionChunk:
        choice = ChunkChoice(delta=delta)
        return ChatCompletionChunk(
            id=self.id, created=self.created, model=self.course_id, choices=[choice]
        )


def _unsent(response: ChatResponse, streamed: bool) -> str:
    """The part of the final answer the pieces did not carry. An answer written without
    the model (nothing relevant in the material, model server down) comes whole; one whose
    model broke off mid-stream comes after what was sent, so the reader sees why it stops."""
    if not streamed:
        return response.answer
    return f"\n\n{response.answer}" if response.model == "none" else ""


def model_list(courses: Iterable[Course]) -> ModelList:
    cards = [
        ModelCard(id=c.id, created=int(c.created_at.timestamp()), name=c.name) for c in courses
    ]
    return ModelList(data=cards)


def finish_reason(response: ChatResponse, max_tokens: int) -> FinishReason:
    """length when the model used all the tokens it was allowed: the answer is cut off."""
    cut = response.model != "none" and response.usage.completion_tokens >= max_tokens
    return "length" if cut else "stop"


# OpenAI's error type and code for each status; clients pick their exception by status.
_ERROR_KINDS: dict[int, tuple[str, str]] = {
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", "insufficient_permissions"),
    404: ("invalid_request_error", "model_not_found"),
    409: ("invalid_request_error", "conflict"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def error_body(status: int, message: str) -> dict[str, Any]:
    if status >= 500:
        kind, code = "server_error", "server_error"
    else:
        kind, code = _ERROR_KINDS.get(status, ("invalid_request_error", "invalid_request"))
    return ErrorBody(error=ErrorDetail(message=message, type=kind, code=code)).model_dump()


def completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def _course_answer(response: ChatResponse) -> dict[str, Any]:
    return {
        "citations": response.citations,
        "served_model": response.model,
        "covered": response.covered,
        "degraded": response.degraded,
        "adapter_error": response.adapter_error,
    }
