"""extract_bounded: a parser that hangs, eats memory or crashes costs only its child."""

from __future__ import annotations

import os
import resource
import signal

import pytest

from byosc.errors import BadFile
from byosc.extract import extract_file
from byosc.extract.bounded import Parse, extract_bounded
from byosc.ports import Extracted
from byosc.settings import ExtractLimits
from tests.support.pdfs import make_pdf
from tests.unit.extract.office import Slide, make_deck, zip_bomb

LIMITS = ExtractLimits(max_seconds=20, max_memory_mb=512)
NOTES = b"# Deadlocks\n\nA cycle of waits.\n"


def hangs(data: bytes, filename: str, limits: ExtractLimits) -> Extracted:
    while True:
        pass


def eats_memory(data: bytes, filename: str, limits: ExtractLimits) -> Extracted:
    hoard = []
    while True:
        hoard.append(bytearray(64 * 1024 * 1024))


def crashes(data: bytes, filename: str, limits: ExtractLimits) -> Extracted:
    os.kill(os.getpid(), signal.SIGSEGV)
    return extract_file(data, filename)


def fails(data: bytes, filename: str, limits: ExtractLimits) -> Extracted:
    raise ValueError("unexpected token")


def chatters(data: bytes, filename: str, limits: ExtractLimits) -> Extracted:
    print("parser library noise on stdout")
    return extract_file(data, filename)


def reason(data: bytes, limits: ExtractLimits = LIMITS, parse: Parse | None = None) -> str:
    with pytest.raises(BadFile) as caught:
        extract_bounded(data, "lecture.bin", limits, parse=parse)
    assert caught.value.filename == "lecture.bin"
    return caught.value.reason


def test_the_result_is_the_same_as_extracting_in_process() -> None:
    deck = make_deck([Slide(title="Deadlocks", body=["Four conditions"], notes="Say why.")])
    assert extract_bounded(deck, "d.pptx", LIMITS) == extract_file(deck, "d.pptx")
    pdf = make_pdf(["Page one.", "Page two."])
    assert extract_bounded(pdf, "p.pdf", LIMITS) == extract_file(pdf, "p.pdf")


def test_what_a_parser_prints_does_not_get_mixed_into_the_result() -> None:
    assert extract_bounded(NOTES, "notes.md", LIMITS, parse=chatters).title == "Deadlocks"


def test_a_parser_that_runs_too_long_is_stopped_and_the_caller_goes_on() -> None:
    assert reason(NOTES, ExtractLimits(max_seconds=1), parse=hangs) == (
        "took longer than 1 s to parse"
    )
    assert extract_bounded(NOTES, "notes.md", LIMITS).sections[0].text == "A cycle of waits."


def test_a_parser_that_needs_too_much_memory_is_stopped_and_the_caller_goes_on() -> None:
    limits = ExtractLimits(max_memory_mb=256)
    assert reason(NOTES, limits, parse=eats_memory) == "needed more than 256 MB to parse"
    assert extract_bounded(NOTES, "notes.md", limits).title == "Deadlocks"


def test_a_parser_that_crashes_is_reported_by_its_signal() -> None:
    assert reason(NOTES, parse=crashes) == "the parser crashed (SIGSEGV)"


def test_an_unexpected_parser_error_becomes_a_reason_instead_of_a_traceback() -> None:
    assert reason(NOTES, parse=fails) == "could not be parsed (ValueError: unexpected token)"


def test_the_reasons_of_the_extractors_come_through_unchanged() -> None:
    assert reason(b"") == "empty file"
    bomb = zip_bomb("ppt/presentation.xml", inflated_bytes=8 * 1024 * 1024)
    limits = ExtractLimits(max_uncompressed_bytes=1024 * 1024)
    assert reason(bomb, limits).startswith("inflates to 8 MB, more than the 1 MB allowed")


def test_a_recording_without_a_transcriber_is_refused_in_process() -> None:
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(64)
    assert reason(wav).startswith("transcription is not configured")


def test_the_memory_cap_applies_to_the_child_only() -> None:
    before = resource.getrlimit(resource.RLIMIT_AS)
    reason(NOTES, ExtractLimits(max_memory_mb=256), parse=eats_memory)
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_markdown_and_text_skip_the_child_process_but_documents_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    children: list[str] = []

    def record_child(parse: Parse, data: bytes, filename: str, limits: ExtractLimits) -> Extracted:
        children.append(filename)
        return extract_file(data, filename)

    monkeypatch.setattr("byosc.extract.bounded._run_child", record_child)
    extract_bounded(NOTES, "notes.md", LIMITS)
    extract_bounded(b"Plain words about paging.", "notes.txt", LIMITS)
    extract_bounded(make_pdf(["Page one."]), "p.pdf", LIMITS)
    assert children == ["p.pdf"]
