"""Build the sample course's PDF handout: sample-course/material/03-memory-management.pdf.

The handout text lives in PAGES below, one entry per printed page, so each page carries its
own topic. Run from anywhere:

    .venv/bin/python examples/build_sample_pdf.py

The output is reproducible: the same text always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF
from handout_pages import PAGES, Block

OUTPUT = Path(__file__).resolve().parent / "sample-course" / "material" / "03-memory-management.pdf"
COURSE = "CS 140: Operating Systems Fundamentals"
TITLE = "Handout 3: Memory Management"
FIXED_DATE = dt.datetime(2024, 9, 30, 9, 0, 0, tzinfo=dt.UTC)


class Handout(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, COURSE, align="L")
        self.cell(0, 5, TITLE, align="R", new_x="LMARGIN", new_y="NEXT")
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")


def render_block(pdf: FPDF, kind: str, content: str | list[str]) -> None:
    if kind == "h1":
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 8, str(content), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    elif kind == "h2":
        pdf.ln(1)
        pdf.set_font("Helvetica", "B", 12)
        pdf.multi_cell(0, 6, str(content), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    elif kind == "p":
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 4.8, str(content), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif kind == "bullets":
        pdf.set_font("Helvetica", "", 10)
        for item in content:
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 4.8, f"- {item}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif kind == "mono":
        pdf.set_font("Courier", "", 9.5)
        for line in content:
            pdf.cell(0, 4.6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    elif kind == "caption":
        pdf.set_font("Helvetica", "I", 9)
        pdf.multi_cell(0, 4.5, str(content), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    else:
        raise ValueError(f"unknown block kind {kind!r}")


def check_ascii(pages: list[list[Block]]) -> None:
    """Core fonts only cover Latin-1; keep the source plain ASCII to be safe."""
    for number, page in enumerate(pages, start=1):
        for _, content in page:
            for text in [content] if isinstance(content, str) else content:
                if not text.isascii():
                    raise ValueError(f"page {number}: non-ASCII text in {text[:40]!r}")


def build(output: Path = OUTPUT) -> Path:
    check_ascii(PAGES)
    pdf = Handout(format="A4")
    pdf.set_margins(20, 15, 20)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(f"CS 140 {TITLE}")
    pdf.set_author("CS 140 Course Staff")
    pdf.set_subject(f"{COURSE}: paging, TLB, page replacement, thrashing")
    pdf.set_keywords("memory management, paging, TLB, page replacement, working set")
    pdf.set_creation_date(FIXED_DATE)
    for number, page in enumerate(PAGES, start=1):
        pdf.add_page()
        for kind, content in page:
            render_block(pdf, kind, content)
        if pdf.page_no() != number:
            raise RuntimeError(f"the text of handout page {number} does not fit on one page")
    output.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(output))
    return output


if __name__ == "__main__":
    path = build()
    print(f"wrote {path}")
