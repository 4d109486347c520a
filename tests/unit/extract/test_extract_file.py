"""Dispatch on content, plain text, and the reasons given for files that cannot be read."""

from __future__ import annotations

import pytest
from fpdf.enums import EncryptionMethod

from byosc.errors import BadFile
from byosc.extract import extract_file
from byosc.extract.detect import OLE_MAGIC
from byosc.settings import ExtractLimits
from tests.support.pdfs import make_pdf
from tests.unit.extract.office import zip_with
from tests.unit.extract.pdfs import password_protected_pdf

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


def reason(data: bytes, filename: str) -> str:
    with pytest.raises(BadFile) as caught:
        extract_file(data, filename)
    assert caught.value.filename == filename
    return caught.value.reason


def test_plain_text_is_one_section_titled_by_its_first_line() -> None:
    extracted = extract_file(b"Lecture 1 overview\n\nWhat an OS does.\r\n", "l1.txt")
    assert extracted.media_type == "text/plain"
    assert extracted.title == "Lecture 1 overview"
    assert [s.text for s in extracted.sections] == ["Lecture 1 overview\n\nWhat an OS does."]


def test_utf8_with_a_byte_order_mark_loses_the_mark() -> None:
    extracted = extract_file("\ufeffCafé rules".encode(), "menu.txt")
    assert extracted.sections[0].text == "Café rules"
    assert extracted.warnings == []


def test_legacy_windows_text_is_read_with_a_warning() -> None:
    extracted = extract_file("Café “quotes”".encode("cp1252"), "old.txt")
    assert extracted.sections[0].text == "Café “quotes”"
    assert extracted.warnings == ["not UTF-8; read as Windows-1252"]


def test_an_empty_file_is_refused_as_empty() -> None:
    assert reason(b"", "a.txt") == "empty file"
    assert reason(b" \n\t\n", "b.md") == "empty file"


def test_a_file_named_pdf_that_is_text_is_refused_as_not_a_pdf() -> None:
    assert reason(b"just some notes", "slides.pdf") == "not a PDF (content looks like plain text)"


def test_a_file_named_pdf_that_is_an_image_says_what_it_is() -> None:
    assert reason(PNG, "scan.pdf") == "not a PDF (content looks like a PNG image)"


def test_a_truncated_pdf_is_refused_as_corrupt() -> None:
    truncated = make_pdf(["Some text."])[:300]
    assert reason(truncated, "cut.pdf").startswith("unreadable or corrupt PDF")
    assert reason(b"%PDF-1.4 but nothing else", "broken.pdf").startswith("unreadable or corrupt")


def test_a_password_protected_pdf_asks_for_a_copy_without_password() -> None:
    assert "password" in reason(password_protected_pdf(), "exam.pdf")
    assert "password" in reason(password_protected_pdf(EncryptionMethod.AES_256), "exam2.pdf")


def test_a_password_protected_office_document_asks_for_a_copy_without_password() -> None:
    # Office wraps an encrypted .docx/.pptx in an OLE container with an EncryptionInfo stream.
    container = OLE_MAGIC + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(64)
    assert reason(container, "exam.docx") == (
        "the document is password-protected; upload it without a password"
    )
    assert reason(OLE_MAGIC + bytes(600), "old.doc") == (
        "unsupported file type: the content is a legacy Microsoft Office file (.doc/.ppt/.xls)"
    )


def test_a_pdf_with_more_pages_than_allowed_is_refused() -> None:
    with pytest.raises(BadFile) as caught:
        extract_file(make_pdf(["a", "b", "c"]), "long.pdf", limits=ExtractLimits(max_pages=2))
    assert caught.value.reason == "3 pages; at most 2"


@pytest.mark.parametrize(
    ("part", "label"),
    [("word/document.xml", "Word document"), ("ppt/presentation.xml", "PowerPoint deck")],
)
def test_an_office_file_with_missing_parts_is_refused_as_corrupt(part: str, label: str) -> None:
    assert reason(zip_with(part), "broken").startswith(f"unreadable or corrupt {label}")


@pytest.mark.parametrize(
    ("data", "filename", "detected"),
    [
        (PNG, "diagram.png", "a PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "photo.txt", "a JPEG image"),
        (zip_with("notes.txt"), "bundle.zip", "a ZIP archive"),
        (zip_with("xl/workbook.xml"), "marks.xlsx", "an Excel workbook (.xlsx)"),
        (bytes(range(256)) * 8, "blob.md", "binary data, not text"),
    ],
)
def test_unsupported_content_is_refused_naming_what_was_detected(
    data: bytes, filename: str, detected: str
) -> None:
    assert reason(data, filename) == f"unsupported file type: the content is {detected}"


def test_notes_that_mention_the_pdf_header_stay_text() -> None:
    extracted = extract_file(b"Every PDF file starts with %PDF-1.7 on its first line.", "f.txt")
    assert extracted.media_type == "text/plain"


def test_a_pdf_with_bytes_before_its_header_is_still_a_pdf() -> None:
    extracted = extract_file(b"junk\n" + make_pdf(["Late header."]), "late.pdf")
    assert [s.text for s in extracted.sections] == ["Late header."]
