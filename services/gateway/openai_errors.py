"""Errors in OpenAI's shape on the OpenAI-compatible routes: OpenAI clients and LMS plugins
read {"error": {message, type, code}}, not this API's {"detail": ...}."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from byosc.openai_compat import error_body


class OpenAIErrorsRoute(APIRoute):
    """A route whose guard refusals (401, 403, 404, 422) come in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_with_openai_errors(request: Request) -> Response:
            try:
                return await handle(request)
            # Starlette's, not only FastAPI's subclass: FastAPI raises the former for a
            # body it cannot read.
            except HTTPException as exc:
                body = error_body(exc.status_code, str(exc.detail))
                return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

        return handle_with_openai_errors
