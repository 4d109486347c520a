"""PDFs the extractor tests need beyond tests.support.pdfs: no metadata, no text, a password."""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import EncryptionMethod


def pdf_without_metadata(pages: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def pdf_with_only_a_rectangle() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60)
    return bytes(pdf.output())


def password_protected_pdf(method: EncryptionMethod = EncryptionMethod.RC4) -> bytes:
    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, "Exam answers.")
    pdf.set_encryption(owner_password="owner", user_password="student", encryption_method=method)
    return bytes(pdf.output())
