"""Fact mining on text shaped like the sample course's: Markdown notes, PDF pages, slides."""

from __future__ import annotations

from byosc.domain import SLIDE_DECK, Chunk
from byosc.facts import distinct_facts, mine_facts, same_fact
from byosc.text import plain


def _chunk(text: str, heading: str | None = None, media_type: str | None = None) -> Chunk:
    return Chunk(
        id="c1",
        course_id="cs",
        document_id="d1",
        index=0,
        text=text,
        title="Lecture",
        filename="lecture.md",
        media_type=media_type,
        heading=heading,
    )


STATES = """As a process runs, it changes state. The five states of a process are:

1. **New**: the process is being created.
2. **Ready**: the process is in memory and waiting to be assigned a CPU.
3. **Running**: its instructions are being executed on a CPU.
4. **Waiting** (also called blocked): the process cannot continue until some event occurs,
   such as the completion of a disk read or the arrival of a network packet.
5. **Terminated**: the process has finished execution."""


def test_a_wrapped_is_a_sentence_becomes_a_definition() -> None:
    text = """A process control block (PCB) is the kernel data structure that records everything the
operating system needs to know about one process. A PCB typically contains:"""
    [fact] = mine_facts(_chunk(text))
    assert (fact.kind, fact.subject) == ("definition", "A process control block (PCB)")
    assert fact.answer.startswith("the kernel data structure that records everything")


def test_refers_to_sentences_are_definitions() -> None:
    text = (
        "The convoy effect\nrefers to many short processes waiting behind one long CPU-bound job."
    )
    [fact] = mine_facts(_chunk(text))
    assert fact.subject == "The convoy effect"
    assert fact.answer == "many short processes waiting behind one long CPU-bound job"


def test_a_numbered_list_with_its_intro_gives_the_list_and_each_bold_term() -> None:
    facts = mine_facts(_chunk(STATES, heading="Lecture 1 > Process States"))
    [listed] = [f for f in facts if f.kind == "list"]
    assert listed.subject == "five states of a process"
    assert listed.items == ["New", "Ready", "Running", "Waiting", "Terminated"]
    terms = [f for f in facts if f.kind == "definition"]
    assert [f.subject for f in terms] == listed.items
    assert terms[3].answer.startswith("the process cannot continue until some event occurs, such")
    assert all(f.labelled and f.context == "five states of a process" for f in terms)


def test_a_list_whose_count_does_not_match_its_intro_is_not_a_list_fact() -> None:
    cut = STATES.rsplit("\n5.", 1)[0]
    assert not [f for f in mine_facts(_chunk(cut)) if f.kind == "list"]


def test_a_chunk_cut_mid_sentence_skips_both_fragments() -> None:
    text = (
        "fit chooses the 15 KB hole, and a hole is a gap. External fragmentation refers to free "
        "memory that is large enough in total but is split into holes too small to use. "
        "A page table is the per-process table that maps each page"
    )
    assert [f.subject for f in mine_facts(_chunk(text))] == ["External fragmentation"]


def test_pdf_headings_page_furniture_and_bullets_are_told_apart() -> None:
    text = """CS 140: Operating Systems Fundamentals Handout 3: Memory Management
3. Contiguous Allocation and External Fragmentation
Free memory becomes a set of holes of different sizes, and a request is placed with one of
three strategies:
- First fit: use the first hole that is large enough.
- Best fit: use the smallest hole that is large enough.
- Worst fit: use the largest hole.
Page 1 of 5"""
    facts = mine_facts(_chunk(text, media_type="application/pdf"))
    [listed] = [f for f in facts if f.kind == "list"]
    assert listed.items == ["First fit", "Best fit", "Worst fit"]
    assert listed.subject == "Contiguous Allocation and External Fragmentation"
    assert not [f for f in facts if f.subject.startswith("CS 140")]


def test_figure_captions_are_facts_and_code_blocks_are_ignored() -> None:
    text = """```
  new ---> ready ---> running
```

Figure 1.2: Process state transitions. A waiting process always returns to ready before it
can run again."""
    [fact] = mine_facts(_chunk(text))
    assert (fact.kind, fact.subject, fact.answer) == (
        "figure",
        "Figure 1.2",
        "Process state transitions",
    )


def test_slide_lines_are_bullets_of_the_slide() -> None:
    text = """Directories and Links
A directory maps file names to inode numbers
A hard link is a second directory entry for the same inode
A symbolic link is a small file that stores a path
Notes: Deleting the original name breaks a symbolic link but not a hard link."""
    facts = mine_facts(_chunk(text, heading="Directories and Links", media_type=SLIDE_DECK))
    assert [f.subject for f in facts if f.kind == "definition"] == [
        "A hard link",
        "A symbolic link",
    ]
    [listed] = [f for f in facts if f.kind == "list"]
    assert listed.subject == "Directories and Links" and len(listed.items) == 3


def test_every_answer_is_a_phrase_of_its_chunk() -> None:
    for fact in mine_facts(_chunk(STATES)):
        for part in fact.answer.split("; "):
            assert plain(part) in plain(fact.chunk.text)


def test_the_same_sentence_in_two_overlapping_chunks_is_one_fact() -> None:
    text = "TLB reach is the amount of memory that can be accessed without a TLB miss."
    first, second = mine_facts(_chunk(text)), mine_facts(_chunk("Other words here. " + text))
    assert same_fact(first[0], second[0])
    assert len(distinct_facts(first + second)) == 1


def test_pronouns_and_examples_are_not_subjects() -> None:
    text = (
        "It is a non-preemptive policy that is simple to build. "
        "Logical address 11999 is the largest legal address of the process."
    )
    assert mine_facts(_chunk(text)) == []
