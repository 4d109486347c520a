"""Instruction pairs as chat records: the JSONL a trainer reads, and the text the model sees.

A record holds messages, not rendered text: the trainer renders them with the base model's
chat template (`render_with_template`), the same function the model server formats
prompts with, so training and serving cannot disagree on role markers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from byosc.domain import InstructionPair
from byosc.llm.chat_template import format_chat

TRAINING_SYSTEM_PROMPT = (
    "You are a study buddy for this course. Answer the student's question accurately and "
    "concisely, using only what the course material says."
)

ChatRecord = dict[str, Any]


def to_chat_records(
    pairs: Iterable[InstructionPair], system_prompt: str = TRAINING_SYSTEM_PROMPT
) -> list[ChatRecord]:
    """One record per pair: system, user and assistant messages, and where the pair came from."""
    return [
        {
            "messages": [
                {"role": "system", "content": system_prompt},
                {"role": "user", "content": pair.question},
                {"role": "assistant", "content": pair.answer},
            ],
            "metadata": {
                "id": pair.id,
                "document_id": pair.document_id,
                "filename": pair.filename,
                "page": pair.page,
                "start_s": pair.start_s,
                "split": pair.split,
            },
        }
        for pair in pairs
    ]


def write_jsonl(records: Iterable[ChatRecord], path_or_file: str | Path | IO[str]) -> int:
    """Writes one JSON object a line (UTF-8, non-ASCII kept as is); returns the count."""
    if isinstance(path_or_file, str | Path):
        with Path(path_or_file).open("w", encoding="utf-8", newline="\n") as file:
            return _write(records, file)
    return _write(records, path_or_file)


def render_with_template(records: Sequence[ChatRecord], tokenizer: Any) -> list[str]:
    """Each record's conversation as the model reads it in training."""
    return [format_chat(tokenizer, r["messages"], add_generation_prompt=False) for r in records]


def _write(records: Iterable[ChatRecord], file: IO[str]) -> int:
    count = 0
    for record in records:
        file.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
