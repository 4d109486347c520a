"""Small PPTX, DOCX and ZIP files for the extractor tests, built with the real libraries."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

import docx
from pptx import Presentation
from pptx.util import Inches

TITLE_AND_CONTENT, TITLE_ONLY, BLANK = 1, 5, 6


@dataclass
class Slide:
    title: str | None = None
    body: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    notes: str = ""


def make_deck(slides: list[Slide]) -> bytes:
    deck = Presentation()
    for spec in slides:
        layout = TITLE_AND_CONTENT if spec.body else TITLE_ONLY if spec.title else BLANK
        slide = deck.slides.add_slide(deck.slide_layouts[layout])
        if spec.title is not None and slide.shapes.title is not None:
            slide.shapes.title.text = spec.title
        if spec.body:
            slide.placeholders[1].text_frame.text = "\n".join(spec.body)
        if spec.table:
            rows, cols = len(spec.table), len(spec.table[0])
            frame = slide.shapes.add_table(rows, cols, Inches(1), Inches(2), Inches(8), Inches(2))
            for r, row in enumerate(spec.table):
                for c, text in enumerate(row):
                    frame.table.cell(r, c).text = text
        if spec.notes:
            notes = slide.notes_slide.notes_text_frame
            assert notes is not None
            notes.text = spec.notes
    buffer = io.BytesIO()
    deck.save(buffer)
    return buffer.getvalue()


def make_docx(blocks: list[tuple[str, str | list[list[str]]]], title: str = "") -> bytes:
    """blocks: ("title" | "h1".."h9" | "p", text) or ("table", rows of cell texts)."""
    document = docx.Document()
    document.core_properties.title = title
    for kind, content in blocks:
        if isinstance(content, list):
            table = document.add_table(rows=len(content), cols=len(content[0]))
            for r, row in enumerate(content):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        elif kind == "title":
            document.add_heading(content, level=0)
        elif kind.startswith("h"):
            document.add_heading(content, level=int(kind[1:]))
        else:
            document.add_paragraph(content)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_with(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


def zip_bomb(marker_part: str, inflated_bytes: int) -> bytes:
    """An Office-looking ZIP with one member of zeros that inflates to inflated_bytes,
    written in pieces so building it stays cheap."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(marker_part, "<document/>")
        piece = bytes(1024 * 1024)
        with archive.open("media/filler.bin", "w") as member:
            for _ in range(inflated_bytes // len(piece)):
                member.write(piece)
    return buffer.getvalue()
