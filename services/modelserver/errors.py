"""Errors in OpenAI's shape, {"error": {message, type, param, code}}, with vLLM's statuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from byosc.errors import ByoscError, NotFound
from services.modelserver.schemas import error_body


class OpenAIError(Exception):
    def __init__(self, status: int, message: str, err_type: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.err_type = err_type

    def response(self) -> JSONResponse:
        return JSONResponse(error_body(self.message, self.err_type, self.status), self.status)


@contextmanager
def openai_errors() -> Iterator[None]:
    """Byosc errors as vLLM reports them: 404 for unknown models and adapters, else 400."""
    try:
        yield
    except NotFound as exc:
        raise OpenAIError(404, str(exc), "NotFoundError") from exc
    except ByoscError as exc:
        raise OpenAIError(400, str(exc), "BadRequestError") from exc


def install_openai_errors(app: FastAPI) -> None:
    @app.exception_handler(OpenAIError)
    async def _openai_error(_request: Request, exc: OpenAIError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        return OpenAIError(400, problems, "BadRequestError").response()
