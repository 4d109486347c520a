"""Instruction pairs from real lecture material: pairs per page, coverage, grounding, splits.

Each file is measured as a course of its own (one document, the case where a split by
document has nothing to hold out): the two real slide decks under examples/real-decks/ and
the R manual under examples/r-intro/. Extraction and chunking are the ingest defaults;
pairs go through the ExtractiveGenerator and the real QualityGate with the bundled embedder.

- content page: a page with at least CONTENT_WORDS content words after its first line (the
  title), so title, outline-only and picture pages do not count against coverage.
- covered: a content page with at least one kept pair citing it. Beamer overlays repeat a
  slide on several pages word for word, and a pair is asked once: content_slides counts
  pages of the same text as one slide, covered when any of its pages is cited.
- grounded share: of the candidates that reach the gate's grounding check (past the text
  checks), the share it passes.
- splits: byosc.datasets.split.assign_splits over the kept pairs; pages_in_two_splits must
  be 0.

Run: .venv/bin/python bench/instructions_slides.py --label after
(merges its figures under that label into bench/results/instructions_slides.json, so a run
on the code before a change and one after sit side by side).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, write_result

from byosc.bootstrap import open_embedder
from byosc.datasets.split import assign_splits
from byosc.domain import Chunk, Document, content_hash, document_id
from byosc.extract import extract_file
from byosc.ingest import cut_sections
from byosc.instructions.extractive import ExtractiveGenerator
from byosc.instructions.gate import QualityGate
from byosc.instructions.models import InstructionPair, Rejection
from byosc.instructions.settings import InstructionSettings
from byosc.settings import Settings
from byosc.text import content_words

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FILES = [
    EXAMPLES / "real-decks" / "traits_ui_slides.pdf",
    EXAMPLES / "real-decks" / "blockwise-watersheds-slides.pdf",
    EXAMPLES / "r-intro" / "material" / "R-intro.pdf",
]
CONTENT_WORDS = 8
TEXT_CHECKS = {"empty", "too_short", "too_long", "not_a_question", "placeholder"}


def course_chunks(path: Path, settings: Settings) -> tuple[list[Chunk], dict[int, str]]:
    data = path.read_bytes()
    extracted = extract_file(data, path.name)
    digest = content_hash(data)
    course = path.stem.lower().replace("_", "-")
    document = Document(
        id=document_id(course, digest),
        course_id=course,
        filename=path.name,
        title=extracted.title,
        content_hash=digest,
        media_type=extracted.media_type,
    )
    pages = {s.page: s.text for s in extracted.sections if s.page is not None}
    return cut_sections(extracted, settings.chunking).chunks(document), pages


def is_content_page(text: str) -> bool:
    body = text.strip().split("\n", 1)[1:]
    return len(content_words(body[0] if body else "")) >= CONTENT_WORDS


def measure(path: Path, gate: QualityGate, settings: Settings) -> dict[str, Any]:
    chunks, pages = course_chunks(path, settings)
    candidates = ExtractiveGenerator().generate(chunks).candidates
    kept, rejected = gate.check(candidates)
    reasons = Counter(r.reason for r in rejected)
    content = {page for page, text in pages.items() if is_content_page(text)}
    covered = content & {p.page for p in kept}
    slides: dict[str, set[int]] = {}
    for page in content:
        slides.setdefault(" ".join(pages[page].split()), set()).add(page)
    slides_covered = sum(bool(same & covered) for same in slides.values())
    split = assign_splits(kept)
    return {
        "pages": len(pages),
        "content_pages": len(content),
        "generated": len(candidates),
        "kept": len(kept),
        "rejected": dict(sorted(reasons.items())),
        "pairs_per_page": round(len(kept) / max(1, len(pages)), 3),
        "content_pages_covered": round(len(covered) / max(1, len(content)), 3),
        "content_slides": len(slides),
        "content_slides_covered": round(slides_covered / max(1, len(slides)), 3),
        "grounded_share": grounded_share(len(candidates), rejected),
        "tasks": dict(sorted(Counter(p.task for p in kept).items())),
        "splits": dict(sorted(Counter(p.split for p in split).items())),
        "pages_in_two_splits": pages_in_two_splits(split),
        "uncovered_content_slides": sorted(
            min(same) for same in slides.values() if not same & covered
        )[:40],
    }


def grounded_share(generated: int, rejected: list[Rejection]) -> float | None:
    reaching = generated - sum(r.reason in TEXT_CHECKS for r in rejected)
    failing = sum(r.reason == "not_grounded" for r in rejected)
    return round(1 - failing / reaching, 3) if reaching else None


def pages_in_two_splits(pairs: list[InstructionPair]) -> int:
    splits: dict[tuple[str, int | None], set[str]] = {}
    for pair in pairs:
        splits.setdefault((pair.document_id, pair.page), set()).add(pair.split)
    return sum(len(s) > 1 for s in splits.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--label", default="after", help="key of this run in the results")
    label = parser.parse_args().label
    settings = Settings()
    gate = QualityGate(open_embedder(settings), InstructionSettings())
    figures = {path.name: measure(path, gate, settings) for path in FILES if path.exists()}
    missing = [str(path.relative_to(EXAMPLES)) for path in FILES if not path.exists()]
    earlier = RESULTS / "instructions_slides.json"
    runs = json.loads(earlier.read_text()).get("runs", {}) if earlier.exists() else {}
    runs[label] = {"files": figures, "missing": missing}
    write_result("instructions_slides", {"content_words": CONTENT_WORDS, "runs": runs})


if __name__ == "__main__":
    main()
