"""Pydantic's refusals as a person reads them: what was refused and why, without error
codes, input dumps or documentation links."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails


def plain(exc: ValidationError) -> str:
    return "; ".join(_one(error) for error in exc.errors())


def _one(error: ErrorDetails) -> str:
    if error["type"] == "course_id":
        return f'"{error["input"]}" is not a valid course ID; {error["msg"]}'
    field = ".".join(str(part) for part in error["loc"])
    return f"{field}: {error['msg']}" if field else error["msg"]
