"""Build the corpus of a retrieval evaluation set (BEIR layout) from a material folder.

Extracts the material with the project's own extractors and writes one corpus entry per
location (a PDF page, a Markdown heading section, a slide, a span of a recording) to
<eval>/corpus.jsonl for every evaluation folder given. Without arguments it builds the
sample course's two sets, sample-course/eval/{course,students}/ (the recording is
transcribed, so this takes a little while); run from anywhere:

    .venv/bin/python examples/build_eval_corpus.py
    .venv/bin/python examples/build_eval_corpus.py \
        --material examples/r-intro/material --eval examples/r-intro/eval
    .venv/bin/python examples/build_eval_corpus.py \
        --material examples/real-decks --files '*.pdf' --eval examples/real-decks/eval

The queries and qrels next to each corpus are written by hand and refer to the IDs built
here, so an ID must only change when the material does.
"""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from byosc.bootstrap import open_extract
from byosc.domain import Section
from byosc.settings import Settings

EXAMPLES = Path(__file__).resolve().parent
MATERIAL = EXAMPLES / "sample-course" / "material"
EVAL = EXAMPLES / "sample-course" / "eval"
# Both sample-course sets ask about the same material, so they share one corpus.
SETS = ("course", "students")
# Whisper segments are single sentences of a few seconds; a passage that short rarely
# answers a question on its own, so consecutive segments are grouped into spans.
MIN_SPAN_S = 30.0
MAX_SPAN_S = 60.0


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str
    metadata: dict[str, Any]

    def to_json(self) -> str:
        entry = {"_id": self.id, "title": self.title, "text": self.text, "metadata": self.metadata}
        return json.dumps(entry, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    passages = build_passages(args.material, args.files)
    for folder in args.eval:
        target = folder / "corpus.jsonl"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(p.to_json() + "\n" for p in passages), encoding="utf-8")
        print(f"wrote {target} ({len(passages)} passages)")
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--material",
        type=Path,
        default=MATERIAL,
        help="folder of course files (default: the sample course's material)",
    )
    parser.add_argument(
        "--eval",
        type=Path,
        action="append",
        help="evaluation folder to write corpus.jsonl into; repeat it for sets that share "
        "the corpus (default: the sample course's sets)",
    )
    parser.add_argument(
        "--files",
        default="*",
        help="glob of the material files to read, for a folder that also holds other "
        "files such as licences (default: every file)",
    )
    args = parser.parse_args(argv)
    if args.eval is None:
        if args.material != MATERIAL:
            parser.error("--material needs --eval: say where its corpus goes")
        args.eval = [EVAL / name for name in SETS]
    return args


def build_passages(material: Path, files: str = "*") -> list[Passage]:
    """One passage per location of every file in the folder that matches the glob `files`,
    in file-name order."""
    extract = open_extract(Settings())
    passages: list[Passage] = []
    for path in sorted(p for p in material.glob(files) if p.is_file()):
        extracted = extract(path.read_bytes(), path.name)
        sections = extracted.sections
        if any(section.start_s is not None for section in sections):
            sections = group_segments(sections)
        passages.extend(passage(path.name, extracted.title, section) for section in sections)
    ids = [p.id for p in passages]
    if len(ids) != len(set(ids)):
        raise SystemExit("two locations share an ID; the slug rule needs a tie-breaker")
    return passages


def group_segments(segments: list[Section]) -> list[Section]:
    """Consecutive segments joined until a span lasts MIN_SPAN_S; a short tail joins the
    span before it when the two together stay within MAX_SPAN_S."""
    groups: list[list[Section]] = []
    for segment in segments:
        if groups and _span(groups[-1]) < MIN_SPAN_S:
            groups[-1].append(segment)
        else:
            groups.append([segment])
    if len(groups) > 1 and _span(groups[-1]) < MIN_SPAN_S:
        joined = groups[-2] + groups[-1]
        if _span(joined) <= MAX_SPAN_S:
            groups[-2:] = [joined]
    return [
        Section(
            text=" ".join(s.text.strip() for s in group),
            start_s=group[0].start_s,
            end_s=group[-1].end_s,
        )
        for group in groups
    ]


def _span(group: list[Section]) -> float:
    return (group[-1].end_s or 0.0) - (group[0].start_s or 0.0)


def passage(filename: str, title: str, section: Section) -> Passage:
    metadata: dict[str, Any] = {"filename": filename}
    for key in ("page", "heading", "start_s", "end_s"):
        value = getattr(section, key)
        if value is not None:
            metadata[key] = round(value, 2) if isinstance(value, float) else value
    return Passage(location_id(filename, title, section), title, section.text.strip(), metadata)


def location_id(filename: str, title: str, section: Section) -> str:
    if section.start_s is not None and section.end_s is not None:
        return f"{filename}#t={round(section.start_s)}-{round(section.end_s)}"
    if section.page is not None:
        # A deck's "pages" are its slides; say so, as citations do.
        unit = "slide" if filename.endswith(".pptx") else "page"
        return f"{filename}#{unit}={section.page}"
    if section.heading:
        parts = section.heading.split(" > ")
        # Every heading sits under the document's title; repeating it only lengthens IDs.
        if len(parts) > 1 and parts[0] == title:
            parts = parts[1:]
        return f"{filename}#{'/'.join(slug(part) for part in parts)}"
    return filename


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


if __name__ == "__main__":
    raise SystemExit(main())
