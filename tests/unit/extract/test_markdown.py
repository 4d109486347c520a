from __future__ import annotations

from byosc.extract import extract_file

NOTES = b"""# Scheduling

The scheduler picks the next process.

## Round robin

Each process gets a time slice.

### Quantum size

Too small wastes time switching.

## Priority

Higher priority runs first.

# Memory

Pages and frames.
"""


def test_sections_are_split_at_headings_and_carry_the_heading_path() -> None:
    extracted = extract_file(NOTES, "os.md")
    assert [(s.heading, s.text) for s in extracted.sections] == [
        ("Scheduling", "The scheduler picks the next process."),
        ("Scheduling > Round robin", "Each process gets a time slice."),
        ("Scheduling > Round robin > Quantum size", "Too small wastes time switching."),
        ("Scheduling > Priority", "Higher priority runs first."),
        ("Memory", "Pages and frames."),
    ]
    assert extracted.media_type == "text/markdown"


def test_the_title_is_the_first_top_level_heading() -> None:
    assert extract_file(NOTES, "os.md").title == "Scheduling"


def test_without_a_top_level_heading_the_title_is_the_file_stem() -> None:
    assert extract_file(b"## Only a subheading\n\nText.\n", "week-2.md").title == "week-2"


def test_text_before_the_first_heading_is_a_section_without_heading() -> None:
    extracted = extract_file(b"Preface text.\n\n# Chapter\n\nBody.\n", "book.md")
    assert [(s.heading, s.text) for s in extracted.sections] == [
        (None, "Preface text."),
        ("Chapter", "Body."),
    ]


def test_hash_lines_inside_code_fences_are_not_headings() -> None:
    data = b"# Shell\n\n```bash\n# install it\napt install tree\n```\n"
    extracted = extract_file(data, "shell.md")
    assert len(extracted.sections) == 1
    assert "# install it" in extracted.sections[0].text


def test_underlined_headings_are_recognised() -> None:
    data = (
        b"Deadlock\n========\n\nFour conditions.\n\nAvoidance\n---------\n\nBanker's algorithm.\n"
    )
    extracted = extract_file(data, "deadlock.md")
    assert [s.heading for s in extracted.sections] == ["Deadlock", "Deadlock > Avoidance"]
    assert extracted.title == "Deadlock"


def test_inline_markup_is_removed_from_heading_paths() -> None:
    data = b"# The `fork` call and [exec](https://example.org)\n\nText.\n"
    assert extract_file(data, "calls.md").sections[0].heading == "The fork call and exec"


def test_a_text_file_with_markdown_headings_is_read_as_markdown() -> None:
    extracted = extract_file(b"# Title\n\nIntro.\n\n## Part\n\nMore.\n", "notes.txt")
    assert extracted.media_type == "text/markdown"
    assert extracted.sections[1].heading == "Title > Part"


def test_front_matter_is_not_part_of_the_text() -> None:
    data = b"---\nauthor: someone\n---\n# Title\n\nBody.\n"
    extracted = extract_file(data, "fm.md")
    assert [(s.heading, s.text) for s in extracted.sections] == [("Title", "Body.")]
