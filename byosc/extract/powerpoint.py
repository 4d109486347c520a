"""PptxExtractor: one section per slide, numbered from 1 as PowerPoint shows them.

A slide's text is its title, then every text box and table in the order the slide stores
them (groups included), then the speaker notes, which often hold what the lecturer says.
A slide with next to no text of its own but with pictures is OCR'd (`byosc.extract.ocr`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any

from pptx import Presentation
from pptx.presentation import Presentation as Deck
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape
from pptx.shapes.picture import Picture
from pptx.slide import Slide
from pptx.table import Table

from byosc.domain import SLIDE_DECK, Section
from byosc.errors import BadFile
from byosc.extract.archive import check_archive
from byosc.extract.ocr import PageOcr
from byosc.extract.titles import title_from_filename
from byosc.ports import Extracted
from byosc.settings import ExtractLimits

LABEL = "PowerPoint deck"
NOTES_PREFIX = "Notes: "


class PptxExtractor:
    media_type = SLIDE_DECK

    def __init__(self, limits: ExtractLimits | None = None) -> None:
        self.limits = limits or ExtractLimits()

    def extract(self, data: bytes, filename: str) -> Extracted:
        check_archive(data, filename, self.limits.max_uncompressed_bytes, LABEL)
        deck = _open(data, filename)
        slides = list(deck.slides)
        if len(slides) > self.limits.max_pages:
            raise BadFile(filename, f"{len(slides)} slides; at most {self.limits.max_pages}")
        ocr = PageOcr(self.limits, word="slide")
        sections = [s for n, slide in enumerate(slides, 1) if (s := _slide_section(n, slide, ocr))]
        return Extracted(
            media_type=self.media_type,
            title=_deck_title(deck, sections) or title_from_filename(filename),
            sections=sections,
            warnings=ocr.notes(),
        )


def _open(data: bytes, filename: str) -> Deck:
    # python-pptx reports damage with many exception types (KeyError, lxml, zipfile...).
    try:
        return Presentation(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:
        raise BadFile(filename, f"unreadable or corrupt {LABEL} ({_describe(exc)})") from exc


def _slide_section(number: int, slide: Slide, ocr: PageOcr) -> Section | None:
    title_shape = slide.shapes.title
    title = _clean(title_shape.text_frame.text) if title_shape is not None else ""
    title_id = title_shape.shape_id if title_shape is not None else None
    parts = [title] if title else []
    parts.extend(_shape_texts(s for s in slide.shapes if s.shape_id != title_id))
    notes = _notes(slide)
    notes_part = [NOTES_PREFIX + notes] if notes else []
    on_slide = "\n".join(parts)
    if ocr.wanted(on_slide) and (pictures := list(_pictures(slide.shapes))):
        images = partial(_decoded, pictures)
        read = ocr.section(number, on_slide, images, heading=title or None)
        if read is not None:
            return read.model_copy(update={"text": "\n".join([read.text, *notes_part])})
    parts.extend(notes_part)
    if not parts:
        return None
    return Section(text="\n".join(parts), page=number, heading=title or None)


def _decoded(pictures: list[Picture]) -> list[Any]:
    from PIL import Image

    return [Image.open(io.BytesIO(picture.image.blob)) for picture in pictures]


def _pictures(shapes: Iterable[BaseShape]) -> Iterator[Picture]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _pictures(shape.shapes)
        elif isinstance(shape, Picture):
            yield shape


def _shape_texts(shapes: Iterable[BaseShape]) -> Iterator[str]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shape_texts(shape.shapes)
        elif shape.has_text_frame:
            if text := _clean(shape.text_frame.text):  # type: ignore[attr-defined]
                yield text
        elif shape.has_table:
            yield from _table_rows(shape.table)  # type: ignore[attr-defined]


def _table_rows(table: Table) -> Iterator[str]:
    for row in table.rows:
        cells = [_clean(cell.text) for cell in row.cells]
        if any(cells):
            yield " | ".join(cells)


def _notes(slide: Slide) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    return _clean(frame.text) if frame is not None else ""


def _deck_title(deck: Deck, sections: list[Section]) -> str | None:
    stated = _clean(deck.core_properties.title or "")
    if stated:
        return stated
    return next((s.heading for s in sections if s.heading), None)


def _clean(text: str) -> str:
    """Paragraphs on their own lines, line breaks (vertical tabs in PowerPoint) too."""
    lines = (" ".join(line.split()) for line in text.replace("\v", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _describe(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__
