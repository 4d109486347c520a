"""Extraction: the bytes of one file -> located sections, dispatched on what the content is.

A new format is one adapter plus one entry in EXTRACTORS, keyed by the kind
`byosc.extract.detect` reports for it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from byosc.errors import BadFile
from byosc.extract.detect import Detected, detect
from byosc.ports import Extracted, Extractor


def _pdf() -> Extractor:
    from byosc.extract.pdf import PypdfExtractor

    return PypdfExtractor()


def _markdown() -> Extractor:
    from byosc.extract.markdown import MarkdownExtractor

    return MarkdownExtractor()


def _text() -> Extractor:
    from byosc.extract.plain import PlainTextExtractor

    return PlainTextExtractor()


# Factories, so a format's library is imported only when such a file arrives.
EXTRACTORS: dict[str, Callable[[], Extractor]] = {
    "pdf": _pdf,
    "markdown": _markdown,
    "text": _text,
}


def extract_file(data: bytes, filename: str) -> Extracted:
    """Sections of one file, or BadFile with a reason the uploader can act on."""
    if not data.strip():
        raise BadFile(filename, "empty file")
    detected = detect(data, filename)
    _check_declared_type(detected, filename)
    factory = EXTRACTORS.get(detected.kind)
    if factory is None:
        raise BadFile(filename, f"unsupported file type: the content is {detected.label}")
    return factory().extract(data, filename)


def _check_declared_type(detected: Detected, filename: str) -> None:
    """A .pdf that is something else is more likely a broken upload than a text file."""
    if PurePath(filename).suffix.lower() == ".pdf" and detected.kind != "pdf":
        raise BadFile(filename, f"not a PDF (content looks like {detected.label})")
