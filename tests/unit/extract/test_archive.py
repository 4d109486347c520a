"""Decompression bombs in DOCX and PPTX are refused from the sizes they declare."""

from __future__ import annotations

import tracemalloc

import pytest

from byosc.errors import BadFile
from byosc.extract import extract_file
from byosc.settings import ExtractLimits
from tests.unit.extract.office import Slide, make_deck, make_docx, zip_bomb

MB = 1024 * 1024


@pytest.mark.parametrize("part", ["word/document.xml", "ppt/presentation.xml"])
def test_a_zip_bomb_is_refused_before_anything_is_inflated(part: str) -> None:
    bomb = zip_bomb(part, inflated_bytes=64 * MB)
    assert len(bomb) < MB
    tracemalloc.start()
    try:
        with pytest.raises(BadFile) as caught:
            extract_file(bomb, "bomb", limits=ExtractLimits(max_uncompressed_bytes=32 * MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.reason == (
        "inflates to 64 MB, more than the 32 MB allowed (a decompression bomb?)"
    )
    assert peak < 4 * MB


def test_a_file_compressed_far_beyond_real_documents_is_refused_even_under_the_size_bound() -> None:
    bomb = zip_bomb("word/document.xml", inflated_bytes=64 * MB)
    with pytest.raises(BadFile) as caught:
        extract_file(bomb, "bomb.docx")
    assert caught.value.reason.endswith("far beyond real documents (a decompression bomb?)")


def test_ordinary_documents_pass_the_check() -> None:
    limits = ExtractLimits(max_uncompressed_bytes=MB)
    assert extract_file(make_deck([Slide(title="Hi")]), "d.pptx", limits=limits).sections
    assert extract_file(make_docx([("p", "Hi")]), "d.docx", limits=limits).sections
