"""422 answers in FastAPI's shape, {"detail": [{type, loc, msg, input, ...}]}, with the
echoed input cut down: a 9,000-character message refused for its length should not come
back whole, nor a whole body that misses a field."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_STRING = 200  # characters of an echoed string
MAX_ITEMS = 20  # items of an echoed list or object, at each level


def capped(value: Any) -> Any:
    """The value with long strings cut (saying how long they were) and long lists and
    objects shortened to their first items."""
    if isinstance(value, str) and len(value) > MAX_STRING:
        return f"{value[:MAX_STRING]}... ({len(value)} characters)"
    if isinstance(value, dict):
        return {key: capped(item) for key, item in list(value.items())[:MAX_ITEMS]}
    if isinstance(value, list | tuple):
        return [capped(item) for item in value[:MAX_ITEMS]]
    return value


async def capped_validation_errors(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [
        {**error, "input": capped(error["input"])} if "input" in error else error
        for error in jsonable_encoder(exc.errors())
    ]
    return JSONResponse({"detail": errors}, status_code=422)
