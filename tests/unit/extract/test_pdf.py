from __future__ import annotations

from byosc.extract import extract_file
from byosc.extract.pdf import NO_TEXT_LAYER
from tests.support.pdfs import make_pdf
from tests.unit.extract.pdfs import pdf_with_only_a_rectangle, pdf_without_metadata


def test_each_page_becomes_a_section_numbered_from_one() -> None:
    data = make_pdf(["Caches keep hot data close.", "Disks are slow.", "Tapes are slower."])
    extracted = extract_file(data, "storage.pdf")
    assert extracted.media_type == "application/pdf"
    assert [s.page for s in extracted.sections] == [1, 2, 3]
    assert "Disks are slow" in extracted.sections[1].text


def test_a_blank_page_is_skipped_but_later_pages_keep_their_numbers() -> None:
    extracted = extract_file(make_pdf(["First page.", " ", "Third page."]), "gaps.pdf")
    assert [(s.page, s.text) for s in extracted.sections] == [
        (1, "First page."),
        (3, "Third page."),
    ]


def test_the_title_comes_from_the_pdf_metadata() -> None:
    extracted = extract_file(make_pdf(["Body text."], title="Lecture 4: Paging"), "l4.pdf")
    assert extracted.title == "Lecture 4: Paging"


def test_without_metadata_the_title_is_the_first_heading_like_line() -> None:
    data = pdf_without_metadata(["Virtual Memory\nA page is a fixed-size block."])
    assert extract_file(data, "lecture-05.pdf").title == "Virtual Memory"


def test_without_metadata_or_heading_the_title_is_the_file_stem() -> None:
    data = pdf_without_metadata(["This first line is a sentence, not a heading."])
    assert extract_file(data, "week_3_notes.pdf").title == "week 3 notes"


def test_a_pdf_without_a_text_layer_gives_no_sections_and_says_it_needs_ocr() -> None:
    extracted = extract_file(pdf_with_only_a_rectangle(), "scan.pdf")
    assert extracted.sections == []
    assert extracted.warnings == [NO_TEXT_LAYER]
    assert extracted.title == "scan"


def test_the_pdf_is_recognised_by_its_content_whatever_its_name() -> None:
    extracted = extract_file(make_pdf(["Hidden PDF."]), "download.bin")
    assert extracted.media_type == "application/pdf"
