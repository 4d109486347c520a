"""Extractive instruction generation speed on the sample course, against mining facts alone.

- pipeline: ExtractiveGenerator + QualityGate (with the bundled embedder) over the chunks of
  the sample course's lectures, handout and slides (the recording is left out: transcribing
  it would dominate the timing and is measured in bench/transcribe.py).
- baseline: byosc.facts.mine_facts over the same chunks, in the same process.

Run: .venv/bin/python bench/instructions.py  (writes bench/results/instructions.json)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_seconds, timed, write_result

from byosc.bootstrap import open_embedder
from byosc.chunk import build_chunks, chunk_sections
from byosc.domain import Chunk, Document, content_hash, document_id
from byosc.extract import extract_file
from byosc.facts import mine_facts
from byosc.instructions.extractive import ExtractiveGenerator
from byosc.instructions.gate import QualityGate
from byosc.instructions.settings import InstructionSettings
from byosc.settings import Settings

MATERIAL = Path(__file__).resolve().parents[1] / "examples" / "sample-course" / "material"
REPEATS = 5


def sample_chunks(settings: Settings) -> list[Chunk]:
    chunks: list[Chunk] = []
    for path in sorted(MATERIAL.iterdir()):
        if path.suffix == ".mp3":
            continue
        data = path.read_bytes()
        extracted = extract_file(data, path.name)
        digest = content_hash(data)
        document = Document(
            id=document_id("bench", digest),
            course_id="bench",
            filename=path.name,
            title=extracted.title,
            content_hash=digest,
            media_type=extracted.media_type,
        )
        size, overlap = settings.chunking.size_chars, settings.chunking.overlap_chars
        chunks += build_chunks("bench", document, chunk_sections(extracted.sections, size, overlap))
    return chunks


def main() -> None:
    settings = Settings()
    chunks = sample_chunks(settings)
    generator = ExtractiveGenerator()
    gate = QualityGate(open_embedder(settings), InstructionSettings())
    gate.check(generator.generate(chunks[:2]).candidates)  # load and warm the embedder

    facts = sum(len(mine_facts(c)) for c in chunks)
    mine_s = median_seconds(lambda: [mine_facts(c) for c in chunks], REPEATS)
    generated = generator.generate(chunks).candidates
    generate_s = median_seconds(lambda: generator.generate(chunks), REPEATS)
    gate_s = median_seconds(lambda: gate.check(generated), REPEATS)
    total_s, (kept, rejected) = timed(lambda: gate.check(generator.generate(chunks).candidates))
    write_result(
        "instructions",
        {
            "chunks": len(chunks),
            "facts": facts,
            "generated": len(generated),
            "kept": len(kept),
            "rejected": len(rejected),
            "baseline_mine_facts_s": round(mine_s, 4),
            "baseline_facts_per_s": round(facts / mine_s, 1),
            "generate_s": round(generate_s, 4),
            "gate_s": round(gate_s, 4),
            "pipeline_s": round(generate_s + gate_s, 4),
            "single_run_s": round(total_s, 4),
            "generated_pairs_per_s": round(len(generated) / (generate_s + gate_s), 1),
            "kept_pairs_per_s": round(len(kept) / (generate_s + gate_s), 1),
            "ratio_pipeline_to_baseline_time": round((generate_s + gate_s) / mine_s, 2),
        },
    )


if __name__ == "__main__":
    main()
