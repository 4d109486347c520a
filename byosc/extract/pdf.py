"""PypdfExtractor: one section per page, numbered from 1 as a PDF viewer shows them."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from byosc.domain import Section
from byosc.errors import BadFile
from byosc.extract.titles import title_from_filename, title_from_text
from byosc.ports import Extracted

log = logging.getLogger(__name__)

NO_TEXT_LAYER = "no text layer on any page; scanned PDFs need OCR"


class PypdfExtractor:
    media_type = "application/pdf"

    def __init__(self, max_pages: int | None = None) -> None:
        self.max_pages = max_pages

    def extract(self, data: bytes, filename: str) -> Extracted:
        reader = _open(data, filename)
        pages = len(reader.pages)
        if self.max_pages is not None and pages > self.max_pages:
            raise BadFile(filename, f"{pages} pages; at most {self.max_pages}")
        sections: list[Section] = []
        warnings: list[str] = []
        for number, text in _page_texts(reader, filename, warnings):
            if text.strip():
                sections.append(Section(text=text.strip(), page=number))
        if not sections:
            warnings.append(NO_TEXT_LAYER)
        return Extracted(
            media_type=self.media_type,
            title=_title(reader, sections, filename),
            sections=sections,
            warnings=warnings,
        )


def _open(data: bytes, filename: str) -> PdfReader:
    # pypdf signals malformed files with many exception types, not only PyPdfError.
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadFile(filename, "the PDF is password-protected; upload it without a password")
        _ = len(reader.pages)
    except (BadFile, MemoryError):
        raise
    except Exception as exc:
        raise BadFile(filename, f"unreadable or corrupt PDF ({_describe(exc)})") from exc
    return reader


def _page_texts(reader: PdfReader, filename: str, warnings: list[str]) -> list[tuple[int, str]]:
    """Text per page; a page that fails is skipped with a warning instead of losing the file."""
    texts: list[tuple[int, str]] = []
    for index, page in enumerate(reader.pages):
        try:
            texts.append((index + 1, page.extract_text() or ""))
        except MemoryError:
            raise
        except Exception as exc:
            log.warning("%s: page %d unreadable: %s", filename, index + 1, exc)
            warnings.append(f"page {index + 1} could not be read ({_describe(exc)})")
    return texts


def _title(reader: PdfReader, sections: list[Section], filename: str) -> str:
    metadata_title = _metadata_title(reader)
    if metadata_title:
        return metadata_title
    first_page = sections[0].text if sections else ""
    return title_from_text(first_page) or title_from_filename(filename)


def _metadata_title(reader: PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except (PyPdfError, ValueError, KeyError, TypeError):
        return None
    if not title:
        return None
    return " ".join(str(title).split()) or None


def _describe(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__
