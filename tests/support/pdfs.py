"""Builds small PDFs for tests, one string per page."""

from __future__ import annotations

from datetime import UTC, datetime

from fpdf import FPDF


def make_pdf(pages: list[str], title: str = "Test handout") -> bytes:
    pdf = FPDF()
    pdf.set_title(title)
    # A fixed date keeps the bytes, and so the content hash, the same on every build.
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=UTC))
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())
