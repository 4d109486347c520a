"""PlainTextExtractor: a text file as one section; the chunker splits it."""

from __future__ import annotations

from byosc.domain import Section
from byosc.errors import BadFile
from byosc.extract.detect import decode_text
from byosc.extract.titles import title_from_filename, title_from_text
from byosc.ports import Extracted

_UTF_ENCODINGS = ("utf-8-sig", "utf-16")
_ENCODING_NAMES = {"cp1252": "Windows-1252", "latin-1": "Latin-1"}


def read_text(data: bytes, filename: str) -> tuple[str, list[str]]:
    """The text with newlines normalised, plus a warning when it was not UTF-8."""
    decoded = decode_text(data)
    if decoded is None:
        raise BadFile(filename, "not a text file (content looks like binary data)")
    text, encoding = decoded
    if encoding in _UTF_ENCODINGS:
        return _normalise_newlines(text), []
    return _normalise_newlines(text), [
        f"not UTF-8; read as {_ENCODING_NAMES.get(encoding, encoding)}"
    ]


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class PlainTextExtractor:
    media_type = "text/plain"

    def extract(self, data: bytes, filename: str) -> Extracted:
        text, warnings = read_text(data, filename)
        sections = [Section(text=text.strip())] if text.strip() else []
        title = title_from_text(text) or title_from_filename(filename)
        return Extracted(
            media_type=self.media_type, title=title, sections=sections, warnings=warnings
        )
