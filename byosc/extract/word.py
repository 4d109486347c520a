"""DocxExtractor: one section per heading, located by its heading path, tables included.

Headings are paragraphs with the built-in "Heading 1".."Heading 9" styles, which is what
Word's outline, navigation pane and table of contents use too.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from docx import Document
from docx.document import Document as WordDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from byosc.errors import BadFile
from byosc.extract.archive import check_archive
from byosc.extract.outline import Outline
from byosc.extract.titles import title_from_filename
from byosc.ports import Extracted
from byosc.settings import ExtractLimits

LABEL = "Word document"
_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLE = "title"


class DocxExtractor:
    media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    def __init__(self, limits: ExtractLimits | None = None) -> None:
        self.limits = limits or ExtractLimits()

    def extract(self, data: bytes, filename: str) -> Extracted:
        check_archive(data, filename, self.limits.max_uncompressed_bytes, LABEL)
        document = _open(data, filename)
        outline = Outline(title=_clean(document.core_properties.title or "") or None)
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                outline.body.extend(_table_rows(block))
            else:
                _take_paragraph(outline, block)
        outline.flush()
        return Extracted(
            media_type=self.media_type,
            title=outline.title or title_from_filename(filename),
            sections=outline.sections,
        )


def _open(data: bytes, filename: str) -> WordDocument:
    # python-docx reports damage with many exception types (KeyError, lxml, zipfile...).
    try:
        return Document(io.BytesIO(data))
    except MemoryError:
        raise
    except Exception as exc:
        detail = str(exc).strip() or type(exc).__name__
        raise BadFile(filename, f"unreadable or corrupt {LABEL} ({detail})") from exc


def _take_paragraph(outline: Outline, paragraph: Paragraph) -> None:
    text = _clean(paragraph.text)
    if not text:
        return
    style = (paragraph.style.name or "") if paragraph.style is not None else ""
    if (heading := _HEADING_STYLE.match(style)) is not None:
        outline.heading(int(heading.group(1)), text)
    elif style.lower() == _TITLE_STYLE and outline.title is None:
        outline.title = text
    else:
        outline.body.append(text)


def _table_rows(table: Table) -> Iterator[str]:
    for row in table.rows:
        # A cell spanning several grid columns comes back once per column, as one object.
        grid = row.cells
        cells = [cell for i, cell in enumerate(grid) if i == 0 or cell is not grid[i - 1]]
        texts = [_clean(cell.text).replace("\n", " ") for cell in cells]
        if any(texts):
            yield " | ".join(texts)


def _clean(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
