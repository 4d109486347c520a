"""Build the sample course's slide deck: sample-course/material/05-file-systems.pptx.

Each slide in SLIDES carries its own fact, some of them only in the speaker notes. Run from
anywhere:

    .venv/bin/python examples/build_sample_deck.py

The output is reproducible: fixed document properties and fixed ZIP timestamps give the
same bytes on every build.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pptx import Presentation
from pptx.presentation import Presentation as Deck
from pptx.slide import Slide
from pptx.util import Inches

OUTPUT = Path(__file__).resolve().parent / "sample-course" / "material" / "05-file-systems.pptx"
COURSE = "CS 140: Operating Systems Fundamentals"
TITLE = "Lecture 5: File Systems"
FIXED_DATE = dt.datetime(2024, 10, 7, 9, 0, 0)
ZIP_DATE = (2024, 10, 7, 9, 0, 0)
TITLE_LAYOUT, CONTENT_LAYOUT, TITLE_ONLY_LAYOUT = 0, 1, 5


@dataclass(frozen=True)
class SlideSpec:
    title: str
    bullets: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    notes: str = ""


SLIDES = [
    SlideSpec(
        title=TITLE,
        bullets=[COURSE],
        notes="A file system maps named files onto the fixed-size blocks of a storage device. "
        "Today: directories and links, allocation methods, inodes, free-space management "
        "and journaling.",
    ),
    SlideSpec(
        title="Directories and Links",
        bullets=[
            "A directory maps file names to inode numbers",
            "A hard link is a second directory entry for the same inode",
            "A symbolic link is a small file that stores a path",
            "The data is freed only when the inode's link count drops to zero",
        ],
        notes="Deleting the original name breaks a symbolic link but not a hard link. Hard "
        "links cannot cross file systems, because inode numbers are unique only within one "
        "file system.",
    ),
    SlideSpec(
        title="Allocation Methods",
        table=[
            ["Method", "How the blocks are found", "Weakness"],
            ["Contiguous", "Start block and length", "External fragmentation"],
            ["Linked (FAT)", "Next-block pointers in the File Allocation Table", "Slow seeks"],
            ["Indexed", "An index block lists every block", "Overhead for small files"],
        ],
        notes="FAT keeps every next-block pointer in one table at the start of the volume; "
        "cached in memory, that table makes following a chain cheap.",
    ),
    SlideSpec(
        title="Inodes: the Multi-Level Index",
        bullets=[
            "A Unix inode holds 12 direct block pointers",
            "Plus one single, one double and one triple indirect pointer",
            "With 4 KB blocks and 4-byte pointers, an indirect block holds 1024 pointers",
            "The direct blocks cover 48 KB; the single indirect block adds 4 MB",
        ],
        notes="The double indirect pointer adds 1024 x 1024 blocks, that is 4 GB, and the "
        "triple indirect pointer adds 4 TB.",
    ),
    SlideSpec(
        title="Free-Space Management",
        bullets=[
            "Bitmap: one bit per block, 1 means free",
            "A 1 TB disk with 4 KB blocks has 2^28 blocks: its bitmap takes 32 MB",
            "Free list: the free blocks linked together, no extra space, slow to scan",
        ],
        notes="ext4 keeps one bitmap per block group, so the bitmap of the area being "
        "written stays in cache.",
    ),
    SlideSpec(
        title="Journaling and Crash Consistency",
        bullets=[
            "Write-ahead logging: changes go to the journal before their final place",
            "A transaction counts once its commit block is in the journal",
            "After a crash, recovery replays committed transactions and drops the rest",
        ],
        notes="ext4's default mode, data=ordered, journals only metadata: it writes file data "
        "blocks to their final place before it commits the metadata that points to them.",
    ),
]


def main() -> None:
    deck = Presentation()
    for spec in SLIDES:
        add_slide(deck, spec)
    set_properties(deck)
    buffer = io.BytesIO()
    deck.save(buffer)
    OUTPUT.write_bytes(with_fixed_timestamps(buffer.getvalue()))
    print(f"wrote {OUTPUT} ({len(SLIDES)} slides, {OUTPUT.stat().st_size // 1024} KB)")


def add_slide(deck: Deck, spec: SlideSpec) -> None:
    if spec.table:
        layout = TITLE_ONLY_LAYOUT
    else:
        layout = TITLE_LAYOUT if spec.title == TITLE else CONTENT_LAYOUT
    slide = deck.slides.add_slide(deck.slide_layouts[layout])
    assert slide.shapes.title is not None
    slide.shapes.title.text = spec.title
    if spec.bullets:
        slide.placeholders[1].text_frame.text = "\n".join(spec.bullets)
    if spec.table:
        add_table(slide, spec.table)
    if spec.notes:
        notes = slide.notes_slide.notes_text_frame
        assert notes is not None
        notes.text = spec.notes


def add_table(slide: Slide, rows: list[list[str]]) -> None:
    shape = slide.shapes.add_table(
        len(rows), len(rows[0]), Inches(0.5), Inches(1.8), Inches(9), Inches(3)
    )
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            shape.table.cell(r, c).text = text


def set_properties(deck: Deck) -> None:
    props = deck.core_properties
    props.title = TITLE
    props.author = "CS 140 teaching staff"
    props.last_modified_by = "CS 140 teaching staff"
    props.revision = 1
    props.created = FIXED_DATE
    props.modified = FIXED_DATE


def with_fixed_timestamps(data: bytes) -> bytes:
    """The same archive with every member dated ZIP_DATE instead of the build time."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(member))
    return output.getvalue()


if __name__ == "__main__":
    main()
