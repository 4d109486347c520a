"""Settings refused at start-up, as an operator fixes them: one line per environment
variable, named as it is set (`BYOSC_DATABASE__URL ...`), never a traceback."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_settings import SettingsError

from byosc.errors import ByoscError
from byosc.settings import Settings

PREFIX = "BYOSC_"
# A value shown back could be a password or a key: these names never show theirs.
_SECRET = re.compile(r"KEY|SECRET|PASSWORD|TOKEN|URL|CREDENTIALS")


class SettingsInvalid(ByoscError):
    """The environment's settings were refused; `problems` holds one line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_settings() -> Settings:
    """Settings() from the environment, or SettingsInvalid with a line per bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsInvalid(validation_problems(exc)) from None
    except SettingsError as exc:
        raise SettingsInvalid([_unparsed(exc)]) from None


def validation_problems(exc: ValidationError) -> list[str]:
    lines: list[str] = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:
            # The settings' own checks (the profile's) name their variables, one a line.
            lines.extend(message.splitlines())
            continue
        name = env_name(error["loc"])
        lines.append(f"{name}: {message}{_shown(name, error['input'])}")
    return lines


def env_name(loc: Sequence[int | str]) -> str:
    """The variable that sets the field at `loc`: ("database", "url") -> BYOSC_DATABASE__URL.
    It stops at the last field of a settings model (a list item, a dict key or a union
    member named in `loc` is inside that variable's value)."""
    model: Any = Settings
    parts: list[str] = []
    for part in loc:
        fields = getattr(model, "model_fields", {})
        if not isinstance(part, str) or part not in fields:
            break
        parts.append(part.upper())
        annotation = fields[part].annotation
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        model = annotation if is_model else None
    return PREFIX + "__".join(parts)


def _shown(name: str, value: object) -> str:
    if isinstance(value, str | int | float) and len(str(value)) <= 60 and not _SECRET.search(name):
        return f" (it is {str(value)!r})"
    return ""


def _unparsed(exc: SettingsError) -> str:
    """pydantic-settings names the top-level field whose variables held text that is not
    JSON (lists and objects are JSON in the environment): name those variables."""
    field = re.search(r'field "(\w+)"', str(exc))
    top = PREFIX + (field.group(1).upper() if field else "")
    names = sorted(k for k in os.environ if k == top or k.startswith(f"{top}__"))
    return (
        f"{' or '.join(names) or top}: not valid JSON ({exc.__cause__ or exc}); lists and "
        """objects are written as JSON, e.g. BYOSC_SOURCES__ALLOWED_ROOTS='["/srv/courses"]'"""
    )
