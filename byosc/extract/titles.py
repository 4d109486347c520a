"""Document titles when the file does not state one."""

from __future__ import annotations

from pathlib import PurePath

_MAX_TITLE_CHARS = 120


def title_from_text(text: str) -> str | None:
    """The first line that reads like a heading: short, has letters, is not a sentence."""
    for line in text.splitlines():
        candidate = " ".join(line.split())
        if not candidate:
            continue
        if _looks_like_heading(candidate):
            return candidate
        return None
    return None


def _looks_like_heading(line: str) -> bool:
    return (
        len(line) <= _MAX_TITLE_CHARS
        and any(ch.isalpha() for ch in line)
        and not line.endswith((".", ",", ";", ":"))
    )


def title_from_filename(filename: str) -> str:
    stem = PurePath(filename).stem
    return stem.replace("_", " ").strip() or filename
