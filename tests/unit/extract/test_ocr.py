"""Pages and slides that are pictures are OCR'd, marked, cited by their own number, and
bounded; pages with text of their own are left alone."""

from __future__ import annotations

import io
import sys

import pytest
from fpdf import FPDF
from pptx import Presentation
from pptx.util import Inches

from byosc.chunk import build_chunks
from byosc.domain import Document, Section
from byosc.extract import extract_file
from byosc.extract.bounded import extract_bounded
from byosc.extract.ocr import NOT_INSTALLED, PageOcr, _engine
from byosc.settings import ExtractLimits
from tests.support.scans import HANDOUT, char_error_rate, handout_image, png, scanned_pdf

pytest.importorskip("rapidocr_onnxruntime")

TEXT_PAGE = "Scheduling policies decide which ready process runs next on the CPU."
SCAN = handout_image(HANDOUT)


def test_a_scanned_page_in_a_mixed_pdf_is_read_in_the_bounded_child() -> None:
    data = scanned_pdf([TEXT_PAGE, SCAN, "Deadlock needs four conditions to hold at once."])
    limits = ExtractLimits(max_seconds=120, max_memory_mb=2048)
    extracted = extract_bounded(data, "handout.pdf", limits)
    assert [(s.page, s.ocr) for s in extracted.sections] == [(1, False), (2, True), (3, False)]
    scanned = extracted.sections[1].text
    assert "time quantum" in scanned and "context switch" in scanned
    cer = char_error_rate("\n".join(HANDOUT), scanned)
    print(f"character error rate on the generated handout: {cer:.4f}")
    assert cer < 0.05
    assert "OCR read page 2" in extracted.warnings


def test_a_page_with_enough_text_is_not_ocrd_even_with_an_image() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, TEXT_PAGE)
    pdf.image(SCAN, x=10, y=60, w=190)
    extracted = extract_file(bytes(pdf.output()), "figure.pdf")
    assert [(s.page, s.ocr, s.text) for s in extracted.sections] == [(1, False, TEXT_PAGE)]
    assert extracted.warnings == []


def test_without_the_ocr_package_the_scanned_page_is_recorded_as_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A None entry makes `import rapidocr_onnxruntime` raise ImportError, as without the extra.
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    _engine.cache_clear()
    extracted = extract_file(scanned_pdf([TEXT_PAGE, SCAN]), "handout.pdf")
    assert [s.page for s in extracted.sections] == [1]
    assert extracted.warnings == [f"images on page 2 were not read: {NOT_INSTALLED}"]


def test_an_installed_ocr_that_cannot_load_says_why_instead_of_not_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("byosc.extract.ocr._engine", _opencv_without_libgl)
    extracted = extract_file(scanned_pdf([SCAN, SCAN]), "scans.pdf")
    assert extracted.sections == []
    assert extracted.warnings[0] == (
        "images on pages 1, 2 were not read: OCR could not load (libGL.so.1: cannot open "
        "shared object file)"
    )


def _opencv_without_libgl() -> None:
    raise ImportError("libGL.so.1: cannot open shared object file")


def test_pages_beyond_the_per_file_cap_are_recorded_and_the_rest_kept() -> None:
    small = handout_image(HANDOUT[:2])
    data = scanned_pdf([small, small, TEXT_PAGE])
    extracted = extract_file(data, "scans.pdf", limits=ExtractLimits(ocr_max_pages=1))
    assert [(s.page, s.ocr) for s in extracted.sections] == [(1, True), (3, False)]
    assert extracted.warnings == [
        "OCR read page 1",
        "images on page 2 were not read: at most 1 pages are OCR'd per file",
    ]


def test_a_page_that_fails_or_runs_out_of_time_loses_only_itself() -> None:
    ocr = PageOcr(ExtractLimits(ocr_page_seconds=0.001))
    assert ocr.section(1, "", lambda: [handout_image(HANDOUT * 4)]) is None
    ocr.limits = ExtractLimits()
    assert ocr.section(2, "", _broken) is None
    read = ocr.section(3, "Figure 1", lambda: [handout_image(HANDOUT[:2])])
    assert read is not None and read.text.startswith("Figure 1\nRound robin")
    assert ocr.notes() == [
        "OCR read page 3",
        "images on page 1 were not read: OCR took longer than 0.001 s",
        "images on page 2 were not read: OCR failed (OSError)",
    ]


def _broken() -> list[object]:
    raise OSError("cannot identify image file")


def test_a_slide_that_is_a_picture_is_read_and_keeps_its_slide_number() -> None:
    deck = Presentation()
    text_slide = deck.slides.add_slide(deck.slide_layouts[1])
    text_slide.shapes.title.text = "Scheduling"
    text_slide.placeholders[1].text_frame.text = TEXT_PAGE
    picture_slide = deck.slides.add_slide(deck.slide_layouts[6])
    picture_slide.shapes.add_picture(io.BytesIO(png(SCAN)), Inches(0.5), Inches(0.5), Inches(9))
    buffer = io.BytesIO()
    deck.save(buffer)
    extracted = extract_file(buffer.getvalue(), "lecture.pptx")
    assert [(s.page, s.ocr) for s in extracted.sections] == [(1, False), (2, True)]
    assert "fixed time quantum" in extracted.sections[1].text
    assert extracted.warnings == ["OCR read slide 2"]


def test_the_ocr_mark_reaches_the_chunk_that_citations_are_built_from() -> None:
    document = Document(
        id="d", course_id="c", filename="f.pdf", title="T", content_hash="h", media_type="pdf"
    )
    sections = [Section(text="typed", page=1), Section(text="scanned", page=2, ocr=True)]
    chunks = build_chunks("c", document, sections)
    assert [(c.page, c.ocr) for c in chunks] == [(1, False), (2, True)]


def test_a_long_file_of_scans_is_read_up_to_the_cap_in_the_child_and_the_rest_recorded() -> None:
    line = handout_image(HANDOUT[:1])
    data = scanned_pdf([line] * 40)
    limits = ExtractLimits(max_seconds=120, max_memory_mb=2048, ocr_max_pages=2)
    extracted = extract_bounded(data, "scans.pdf", limits)
    assert [(s.page, s.ocr) for s in extracted.sections] == [(1, True), (2, True)]
    skipped = ", ".join(str(n) for n in range(3, 41))
    assert extracted.warnings == [
        "OCR read pages 1, 2",
        f"images on pages {skipped} were not read: at most 2 pages are OCR'd per file",
    ]
