"""Extraction: the bytes of one file -> located sections, dispatched on what the content is.

A new format is one adapter plus one entry in EXTRACTORS, keyed by the kind
`byosc.extract.detect` reports for it. Recordings go to the Transcriber the caller passes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath

from byosc.errors import BadFile
from byosc.extract.detect import MEDIA_KINDS, Detected, detect
from byosc.ports import Extracted, Extractor, Transcriber
from byosc.settings import ExtractLimits

NO_TRANSCRIBER = "transcription is not configured here, so recordings cannot be ingested"


def _pdf(limits: ExtractLimits) -> Extractor:
    from byosc.extract.pdf import PypdfExtractor

    return PypdfExtractor(limits)


def _pptx(limits: ExtractLimits) -> Extractor:
    from byosc.extract.powerpoint import PptxExtractor

    return PptxExtractor(limits)


def _docx(limits: ExtractLimits) -> Extractor:
    from byosc.extract.word import DocxExtractor

    return DocxExtractor(limits)


def _html(limits: ExtractLimits) -> Extractor:
    from byosc.extract.webpage import HtmlExtractor

    return HtmlExtractor()


def _markdown(limits: ExtractLimits) -> Extractor:
    from byosc.extract.markdown import MarkdownExtractor

    return MarkdownExtractor()


def _text(limits: ExtractLimits) -> Extractor:
    from byosc.extract.plain import PlainTextExtractor

    return PlainTextExtractor()


# Factories, so a format's library is imported only when such a file arrives.
EXTRACTORS: dict[str, Callable[[ExtractLimits], Extractor]] = {
    "pdf": _pdf,
    "pptx": _pptx,
    "docx": _docx,
    "html": _html,
    "markdown": _markdown,
    "text": _text,
}


def extract_file(
    data: bytes,
    filename: str,
    *,
    transcriber: Transcriber | None = None,
    limits: ExtractLimits | None = None,
) -> Extracted:
    """Sections of one file, or BadFile with a reason the uploader can act on."""
    detected = check_content(data, filename)
    if detected.kind in MEDIA_KINDS:
        return _transcribe(data, filename, detected, transcriber)
    return EXTRACTORS[detected.kind](limits or ExtractLimits()).extract(data, filename)


def check_content(data: bytes, filename: str) -> Detected:
    """What the file is, or BadFile when its bytes alone show it cannot be ingested (empty,
    mislabelled, encrypted, unsupported): cheap enough to refuse an upload on."""
    if not data.strip():
        raise BadFile(filename, "empty file")
    detected = detect(data, filename)
    _check_declared_type(detected, filename)
    if detected.kind == "encrypted-office":
        raise BadFile(filename, "the document is password-protected; upload it without a password")
    if detected.kind not in MEDIA_KINDS and detected.kind not in EXTRACTORS:
        raise BadFile(filename, f"unsupported file type: the content is {detected.label}")
    return detected


def _transcribe(
    data: bytes, filename: str, detected: Detected, transcriber: Transcriber | None
) -> Extracted:
    if transcriber is None:
        reason = f"{NO_TRANSCRIBER} (the content is {detected.label})"
        raise BadFile(filename, reason, lasting=False)
    from byosc.extract.media import SpeechExtractor

    return SpeechExtractor(transcriber, detected.media_type).extract(data, filename)


def _check_declared_type(detected: Detected, filename: str) -> None:
    """A .pdf that is something else is more likely a broken upload than a text file."""
    if PurePath(filename).suffix.lower() == ".pdf" and detected.kind != "pdf":
        raise BadFile(filename, f"not a PDF (content looks like {detected.label})")
