"""Wrong options: real, specific terms of the course, the answer's own list first."""

from __future__ import annotations

import pytest

from byosc.domain import Chunk, ScoredChunk
from byosc.facts import Fact, distinct_facts, mine_facts
from byosc.quiz.distractors import is_generic, occurs_in
from byosc.quiz.questions import build_question

TITLE = "Lecture 1: Processes and Threads"
MAPPING = """There are three mapping models:

1. **Many-to-one**: many user threads map to one kernel thread.
2. **One-to-one**: each user thread maps to its own kernel thread.
3. **Many-to-many**: many user threads are multiplexed over a smaller number of kernel threads.
"""
ADDRESS_SPACE = """The address space of a process is divided into four regions:

- **Text**: the compiled machine code of the program.
- **Data**: global and static variables of the program.
- **Heap**: memory allocated at run time with malloc.
- **Stack**: one frame per active function call.
"""
STATES = """The five states of a process are:

1. **New**: the process is being created by the kernel.
2. **Ready**: the process is in memory and waiting to be assigned a CPU.
3. **Running**: its instructions are being executed on a CPU.
4. **Waiting**: the process cannot continue until some event occurs.
5. **Terminated**: the process has finished its execution.
"""
PCB = """The parts of a process control block are:

- the process identifier and the current state of the process.
- the saved program counter and the CPU registers.
- the scheduling information, such as the priority.
- the list of files the process has open.
"""
FIGURE = "Figure 1.2: Process state transitions between the five states of a process."
TERMS = """A thread is a single sequential flow of control within a process.

A program is a passive file of machine instructions stored on disk.

A context switch is the act of saving the state of one process and loading another.
"""
SEEDS = [f"cs140|seed-{n}" for n in range(12)]


def _chunk(number: int, text: str, heading: str) -> Chunk:
    return Chunk(
        id=f"l1-{number}",
        course_id="cs140",
        document_id="l1",
        index=number,
        text=text,
        title=TITLE,
        filename="01-processes-and-threads.md",
        heading=f"{TITLE} > {heading}",
    )


def _facts(*texts: str) -> list[Fact]:
    chunks = [_chunk(n, text, f"Section {n}") for n, text in enumerate(texts)]
    return distinct_facts([fact for chunk in chunks for fact in mine_facts(chunk)])


def _options(fact: Fact, pool: list[Fact], seed: str) -> list[str]:
    question = build_question(
        fact, "multiple_choice", ScoredChunk(chunk=fact.chunk, score=1.0), pool, seed
    )
    assert question is not None and question.kind == "multiple_choice"
    return question.options


def _subject(pool: list[Fact], subject: str, kind: str = "definition") -> Fact:
    return next(f for f in pool if f.subject == subject and f.kind == kind)


@pytest.mark.parametrize(
    "option", ["Text", "New", "Data", "Figure 1.2", "Summary", "Key terms", "x"]
)
def test_vague_words_labels_and_tiny_phrases_are_generic(option: str) -> None:
    assert is_generic(option)


@pytest.mark.parametrize(
    "option", ["Many-to-many", "hit ratio", "SJF", "RR", "Thrashing", "process control block (PCB)"]
)
def test_terms_and_acronyms_are_not_generic(option: str) -> None:
    assert not is_generic(option)


def test_an_option_occurs_in_the_text_it_was_mined_from() -> None:
    assert occurs_in("Many-to-many", MAPPING)
    assert occurs_in("text", ADDRESS_SPACE)  # case and emphasis marks do not matter
    assert not occurs_in(f"{TITLE} > Threads", MAPPING)


def test_a_generic_word_from_elsewhere_in_the_course_is_never_an_option() -> None:
    pool = _facts(MAPPING, ADDRESS_SPACE, STATES)
    fact = _subject(pool, "Many-to-one")
    vague = {"Text", "Data", "New", "Ready", "Running", "Waiting"}
    for seed in SEEDS:
        options = _options(fact, pool, seed)
        assert len(set(options)) == 4 and "Many-to-one" in options
        assert {"One-to-one", "Many-to-many"} <= set(options)
        assert not vague & set(options), (seed, options)


def test_the_answers_own_list_gives_its_options_even_when_they_are_short_words() -> None:
    pool = _facts(MAPPING, ADDRESS_SPACE, STATES)
    for seed in SEEDS:
        assert set(_options(_subject(pool, "Text"), pool, seed)) == {
            "Text",
            "Data",
            "Heap",
            "Stack",
        }


def test_a_list_question_never_offers_a_figure_label_or_a_list_heading() -> None:
    pool = _facts(FIGURE, PCB, TERMS)
    fact = next(f for f in pool if f.kind == "list")
    for seed in SEEDS:
        options = _options(fact, pool, seed)
        wrong = [o for o in options if o not in fact.items]
        assert len(wrong) == 3 and set(wrong) <= {"thread", "program", "context switch"}, options


def test_without_enough_real_options_a_question_is_not_multiple_choice() -> None:
    pool = _facts(FIGURE, PCB, STATES)
    fact = next(f for f in pool if f.kind == "list")
    source = ScoredChunk(chunk=fact.chunk, score=1.0)
    assert build_question(fact, "multiple_choice", source, pool, SEEDS[0]) is None
