"""The quality gate: each rejection reason from a hand-made candidate, with the real embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from byosc.bootstrap import open_embedder
from byosc.domain import Chunk
from byosc.instructions.gate import QualityGate, report
from byosc.instructions.models import Candidate, Generated, InstructionPair, Rejection
from byosc.instructions.settings import InstructionSettings
from byosc.settings import Settings

PAGING = Chunk(
    id="paging-0",
    course_id="os",
    document_id="memory",
    index=0,
    text="A page table is the per-process table that maps each page number to the frame number "
    "that holds it. The page number indexes the page table; the offset is kept unchanged.",
    title="Memory Management",
    filename="memory.pdf",
    page=2,
)
SCHEDULING = Chunk(
    id="sched-0",
    course_id="os",
    document_id="scheduling",
    index=0,
    text="The convoy effect refers to many short processes waiting behind one long CPU-bound "
    "process. Round robin gives each process a time quantum and preempts it when it expires.",
    title="CPU Scheduling",
    filename="scheduling.md",
)
GOOD_ANSWER = (
    "A page table is the per-process table that maps each page number to the frame number "
    "that holds it."
)


def candidate(question: str, answer: str, chunk: Chunk = PAGING) -> Candidate:
    return Candidate(question=question, answer=answer, chunk=chunk, generator="llm")


@pytest.fixture(scope="module")
def gate(byosc_home: Path) -> QualityGate:
    return QualityGate(open_embedder(Settings(home=byosc_home)), InstructionSettings())


def reasons(gate: QualityGate, *candidates: Candidate) -> list[str]:
    _, rejected = gate.check(candidates)
    return [r.reason for r in rejected]


def test_a_grounded_pair_is_kept_with_its_source_location(gate: QualityGate) -> None:
    [pair], rejected = gate.check([candidate("What is a page table?", GOOD_ANSWER)])
    assert rejected == []
    assert (pair.document_id, pair.chunk_id, pair.page) == ("memory", "paging-0", 2)
    assert pair.answer == GOOD_ANSWER


@pytest.mark.parametrize(
    ("question", "answer", "reason"),
    [
        ("", GOOD_ANSWER, "empty"),
        ("What is a page table?", "  ...  ", "empty"),
        ("Table?", GOOD_ANSWER, "too_short"),
        ("What is a page table?", "Tables.", "too_short"),
        ("What is a page table?", GOOD_ANSWER * 20, "too_long"),
        ("The page table maps pages to frames", GOOD_ANSWER, "not_a_question"),
        ("What is [feature_name]?", GOOD_ANSWER, "placeholder"),
        ("What is a page table?", "<answer>", "placeholder"),
        ("What is {term}?", GOOD_ANSWER, "placeholder"),
        ("What is a page table?", "Lorem ipsum dolor sit amet, page table.", "placeholder"),
        ("What is a page table?", "As an AI language model, I cannot say.", "placeholder"),
        ("What is a page table?", "N/A (page table not covered)", "placeholder"),
        ("What is a page table?", "TODO: fill in the page table answer", "placeholder"),
        (
            "What is a page table?",
            "It is a list of the students enrolled in a course.",
            "not_grounded",
        ),
        ("What is a page table?", "A page table.", "answer_repeats_question"),
    ],
)
def test_each_problem_is_rejected_with_its_reason(
    gate: QualityGate, question: str, answer: str, reason: str
) -> None:
    assert reasons(gate, candidate(question, answer)) == [reason]


def test_an_answer_taken_from_another_chunk_is_not_grounded(gate: QualityGate) -> None:
    convoy = "many short processes waiting behind one long CPU-bound process"
    [rejection] = gate.check([candidate("What is a page table?", convoy)])[1]
    assert rejection.reason == "not_grounded"
    assert rejection.chunk_id == "paging-0"
    assert gate.check([candidate("What is the convoy effect?", convoy, SCHEDULING)])[0]


def test_imperative_instructions_count_as_questions(gate: QualityGate) -> None:
    kept, _ = gate.check([candidate("Define the page table", GOOD_ANSWER)])
    assert [p.question for p in kept] == ["Define the page table"]


def test_near_duplicates_keep_the_first_and_template_twins_stay(gate: QualityGate) -> None:
    first = candidate("What is a page table?", GOOD_ANSWER)
    again = candidate("What is a page table ?", GOOD_ANSWER)
    other = candidate(
        "What is the offset?",
        "The offset is kept unchanged.",
        PAGING.model_copy(update={"id": "p1"}),
    )
    kept, rejected = gate.check([first, again, other])
    assert [p.question for p in kept] == ["What is a page table?", "What is the offset?"]
    assert [(r.reason, r.question) for r in rejected] == [("duplicate", "What is a page table ?")]


def test_duplicates_are_judged_within_one_course(gate: QualityGate) -> None:
    elsewhere = PAGING.model_copy(update={"course_id": "other", "id": "x"})
    kept, _ = gate.check(
        [
            candidate("What is a page table?", GOOD_ANSWER),
            candidate("What is a page table?", GOOD_ANSWER, elsewhere),
        ]
    )
    assert len(kept) == 2


def test_a_pair_kept_in_an_earlier_version_makes_a_new_copy_a_duplicate(gate: QualityGate) -> None:
    earlier = InstructionPair.from_candidate(candidate("What is a page table?", GOOD_ANSWER))
    kept, rejected = gate.check(
        [candidate("What's a page table?", GOOD_ANSWER)], existing=[earlier]
    )
    assert kept == [] and [r.reason for r in rejected] == ["duplicate"]


def test_the_report_counts_generator_and_gate_rejections_per_document(gate: QualityGate) -> None:
    good = candidate("What is a page table?", GOOD_ANSWER)
    bad = candidate("What is a page table?", "A page table.", SCHEDULING)
    malformed = Rejection(
        reason="malformed_output", document_id="scheduling", chunk_id="sched-0", generator="llm"
    )
    generated = Generated(candidates=[good, bad], rejections=[malformed])
    kept, rejected = gate.check(generated.candidates)
    run = report(generated, kept, rejected)
    assert (run.generated, run.kept) == (3, 1)
    assert run.rejected == {"malformed_output": 1, "not_grounded": 1}
    assert run.per_document["memory"].model_dump() == {"generated": 1, "kept": 1, "rejected": 0}
    assert run.per_document["scheduling"].model_dump() == {"generated": 2, "kept": 0, "rejected": 2}
    assert report(generated, kept, [*generated.rejections, *rejected]) == run
