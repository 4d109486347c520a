import io
import json
from pathlib import Path
from typing import Any

import pytest

from byosc.datasets.export import (
    TRAINING_SYSTEM_PROMPT,
    render_with_template,
    to_chat_records,
    write_jsonl,
)
from byosc.instructions.models import InstructionPair
from byosc.llm.chat_template import format_chat
from byosc.models import bundled_models
from byosc.settings import Settings

PAIRS = [
    InstructionPair(
        id="p1",
        course_id="os",
        document_id="d1",
        chunk_id="d1-3",
        filename="scheduling.pdf",
        page=4,
        task="definition",
        question="What is round-robin scheduling?",
        answer="Each ready process gets a time quantum in turn.",
        generator="extractive",
        split="validation",
    ),
    InstructionPair(
        id="p2",
        course_id="os",
        document_id="d2",
        chunk_id="d2-0",
        filename="lecture 3.mp4",
        start_s=61.5,
        end_s=75.0,
        task="recording",
        question="Qu'est-ce qu'un sémaphore ?",
        answer="Un compteur protégé — « wait » et « signal ».",
        generator="llm",
        model="gpt-4o-mini",
    ),
]


@pytest.fixture(scope="module")
def tokenizer(byosc_home: Path) -> Any:
    from transformers import AutoTokenizer

    llm_dir = bundled_models(Settings(home=byosc_home)).llm_dir
    return AutoTokenizer.from_pretrained(llm_dir, local_files_only=True)


def test_a_record_holds_the_conversation_and_where_the_pair_came_from() -> None:
    record = to_chat_records(PAIRS[:1])[0]
    assert record == {
        "messages": [
            {"role": "system", "content": TRAINING_SYSTEM_PROMPT},
            {"role": "user", "content": "What is round-robin scheduling?"},
            {"role": "assistant", "content": "Each ready process gets a time quantum in turn."},
        ],
        "metadata": {
            "id": "p1",
            "document_id": "d1",
            "filename": "scheduling.pdf",
            "page": 4,
            "start_s": None,
            "split": "validation",
        },
    }


def test_records_take_the_given_system_prompt() -> None:
    records = to_chat_records(PAIRS, system_prompt="Be brief.")
    assert [r["messages"][0]["content"] for r in records] == ["Be brief.", "Be brief."]


def test_jsonl_is_one_record_a_line_with_text_kept_as_is(tmp_path: Path) -> None:
    records = to_chat_records(PAIRS)
    path = tmp_path / "train.jsonl"
    assert write_jsonl(records, path) == 2
    text = path.read_text(encoding="utf-8")
    assert "« wait »" in text and text.endswith("\n")
    assert [json.loads(line) for line in text.splitlines()] == records
    buffer = io.StringIO()
    write_jsonl(records, buffer)
    assert buffer.getvalue() == text


def test_rendering_uses_the_base_models_chat_template(tokenizer: Any) -> None:
    rendered = render_with_template(to_chat_records(PAIRS), tokenizer)
    assert rendered[1] == (
        f"<|im_start|>system\n{TRAINING_SYSTEM_PROMPT}<|im_end|>\n"
        "<|im_start|>user\nQu'est-ce qu'un sémaphore ?<|im_end|>\n"
        "<|im_start|>assistant\nUn compteur protégé — « wait » et « signal ».<|im_end|>\n"
    )


def test_a_training_example_extends_the_prompt_the_server_sends(tokenizer: Any) -> None:
    messages = to_chat_records(PAIRS)[0]["messages"]
    prompt = format_chat(tokenizer, messages[:2], add_generation_prompt=True)
    example = format_chat(tokenizer, messages, add_generation_prompt=False)
    assert example.startswith(prompt)
    assert example[len(prompt) :] == f"{messages[2]['content']}<|im_end|>\n"
