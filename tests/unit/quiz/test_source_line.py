"""The source line of a question names the document once, then where in it to look."""

from __future__ import annotations

from byosc.domain import SLIDE_DECK, Citation
from byosc.quiz.questions import place

TITLE = "Lecture 1: Processes and Threads"


def _citation(**where: object) -> Citation:
    fields: dict[str, object] = {"title": TITLE, "snippet": "", "score": 1.0}
    return Citation(n=1, document_id="l1", filename="01.md", **(fields | where))


def test_a_heading_path_under_the_title_does_not_repeat_the_title() -> None:
    line = place([_citation(heading=f"{TITLE} > Threads > User-Level and Kernel-Level Threads")])
    assert line == f"{TITLE}, Threads > User-Level and Kernel-Level Threads"
    assert line.count(TITLE) == 1


def test_a_section_that_is_the_document_itself_is_named_once() -> None:
    assert place([_citation(heading=TITLE)]) == TITLE


def test_a_heading_path_that_does_not_start_with_the_title_is_kept_whole() -> None:
    assert place([_citation(heading="Threads > Benefits")]) == f"{TITLE}, Threads > Benefits"
    assert place([_citation(heading="Lecture 1: Processes")]) == f"{TITLE}, Lecture 1: Processes"


def test_pages_slides_and_time_spans_follow_the_title() -> None:
    assert place([_citation(page=2, heading=f"{TITLE} > Threads")]) == f"{TITLE}, page 2"
    slide = _citation(page=5, media_type=SLIDE_DECK, heading="Free-Space Management")
    assert place([slide]) == f"{TITLE}, slide 5"
    assert place([_citation(start_s=20.0, end_s=56.0)]) == f"{TITLE}, at 0:20-0:56"
    assert place([]) == "the course material"
