"""PypdfExtractor: one section per page, numbered from 1 as a PDF viewer shows them.

A page with next to no text layer but with images (a scan, a diagram) is OCR'd
(`byosc.extract.ocr`); what OCR read or skipped is in the file's warnings.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from functools import partial
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.errors import PyPdfError

from byosc.domain import Section
from byosc.errors import BadFile
from byosc.extract.ocr import PageOcr
from byosc.extract.titles import title_from_filename, title_from_text
from byosc.ports import Extracted
from byosc.settings import ExtractLimits

log = logging.getLogger(__name__)

NO_TEXT_LAYER = "no text on any page, neither a text layer nor text OCR could read"


class PypdfExtractor:
    media_type = "application/pdf"

    def __init__(self, limits: ExtractLimits | None = None) -> None:
        self.limits = limits or ExtractLimits()

    def extract(self, data: bytes, filename: str) -> Extracted:
        reader = _open(data, filename)
        pages = len(reader.pages)
        if pages > self.limits.max_pages:
            raise BadFile(filename, f"{pages} pages; at most {self.limits.max_pages}")
        sections: list[Section] = []
        warnings: list[str] = []
        ocr = PageOcr(self.limits)
        for number, page, text in _page_texts(reader, filename, warnings):
            read = None
            if ocr.wanted(text) and _has_images(page):
                read = ocr.section(number, text, partial(_images, page))
            if read is not None:
                sections.append(read)
            elif text.strip():
                sections.append(Section(text=text.strip(), page=number))
        warnings.extend(ocr.notes())
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


def _page_texts(
    reader: PdfReader, filename: str, warnings: list[str]
) -> Iterator[tuple[int, PageObject, str]]:
    """Text per page; a page that fails is skipped with a warning instead of losing the file."""
    for index, page in enumerate(reader.pages):
        try:
            yield index + 1, page, page.extract_text() or ""
        except MemoryError:
            raise
        except Exception as exc:
            log.warning("%s: page %d unreadable: %s", filename, index + 1, exc)
            warnings.append(f"page {index + 1} could not be read ({_describe(exc)})")


def _images(page: PageObject) -> list[Any]:
    return [image.image for image in page.images]


def _has_images(page: PageObject) -> bool:
    """Whether the page draws any image; lists them without decoding one."""
    try:
        return len(page.images) > 0
    except MemoryError:
        raise
    except Exception:  # a broken resource dictionary: the page has no usable image
        return False


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
