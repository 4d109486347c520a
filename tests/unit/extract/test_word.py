"""DOCX: one section per heading, located by its heading path; tables included."""

from __future__ import annotations

import io

import docx

from byosc.extract import extract_file
from tests.unit.extract.office import make_docx

ESSAY = make_docx(
    [
        ("p", "Read this before the lab."),
        ("h1", "Deadlocks"),
        ("p", "A cycle of waits."),
        ("h2", "Conditions"),
        ("p", "Mutual exclusion."),
        ("p", "Hold and wait."),
        ("h3", "Preemption"),
        ("p", "Take a resource away."),
        ("h2", "Avoidance"),
        ("table", [["Process", "Holds", "Needs"], ["P0", "5", "10"]]),
        ("h1", "Summary"),
        ("p", "Prevent, avoid or detect."),
    ]
)


def test_sections_are_split_at_headings_and_carry_the_heading_path() -> None:
    extracted = extract_file(ESSAY, "notes.docx")
    assert extracted.media_type.endswith("wordprocessingml.document")
    assert [(s.heading, s.text) for s in extracted.sections] == [
        (None, "Read this before the lab."),
        ("Deadlocks", "A cycle of waits."),
        ("Deadlocks > Conditions", "Mutual exclusion.\nHold and wait."),
        ("Deadlocks > Conditions > Preemption", "Take a resource away."),
        ("Deadlocks > Avoidance", "Process | Holds | Needs\nP0 | 5 | 10"),
        ("Summary", "Prevent, avoid or detect."),
    ]


def test_the_title_is_the_stated_one_then_the_title_paragraph_then_the_first_heading() -> None:
    assert extract_file(ESSAY, "notes.docx").title == "Deadlocks"
    titled = make_docx([("title", "Week 4 Reading"), ("h1", "Deadlocks"), ("p", "Text.")])
    assert extract_file(titled, "w4.docx").title == "Week 4 Reading"
    stated = make_docx([("h1", "Deadlocks"), ("p", "Text.")], title="CS 140 Notes")
    assert extract_file(stated, "w4.docx").title == "CS 140 Notes"


def test_a_cell_merged_across_columns_is_read_once() -> None:
    document = docx.Document(io.BytesIO(make_docx([("table", [["a", "b", "c"]])])))
    row = document.tables[0].rows[0]
    row.cells[0].merge(row.cells[1]).text = "merged"
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract_file(buffer.getvalue(), "t.docx").sections[0].text == "merged | c"
