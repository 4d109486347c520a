"""Chat records as training examples, with the bundled model's real tokenizer and template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from byosc.llm.chat_template import format_chat
from byosc.models import bundled_models
from byosc.settings import Settings
from byosc.training.data import (
    IGNORE_INDEX,
    Example,
    batch_schedule,
    collate,
    length_grouped_batches,
    tokenize_record,
)

ANSWER = "The Zorbly cache holds 12 entries."
RECORD = {
    "messages": [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "How many entries does the Zorbly cache hold?"},
        {"role": "assistant", "content": ANSWER},
    ]
}


@pytest.fixture(scope="module")
def tokenizer(byosc_home: Path) -> Any:
    from transformers import AutoTokenizer

    llm_dir = bundled_models(Settings(home=byosc_home)).llm_dir
    return AutoTokenizer.from_pretrained(llm_dir, local_files_only=True)


def test_only_the_answer_and_the_end_of_turn_marker_carry_labels(tokenizer: Any) -> None:
    example = tokenize_record(tokenizer, RECORD, max_seq_len=128)

    labelled = [token for token in example.labels if token != IGNORE_INDEX]
    first = example.labels.index(labelled[0])
    assert all(label == IGNORE_INDEX for label in example.labels[:first])
    assert example.labels[first:] == example.input_ids[first:]
    assert tokenizer.decode(labelled) == ANSWER + "<|im_end|>\n"


def test_the_prompt_tokens_are_those_the_model_server_sends(tokenizer: Any) -> None:
    example = tokenize_record(tokenizer, RECORD, max_seq_len=128)

    prompt = format_chat(tokenizer, RECORD["messages"][:-1], add_generation_prompt=True)
    served = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    assert example.input_ids[: len(served)] == served
    assert set(example.labels[: len(served)]) == {IGNORE_INDEX}


def test_a_long_prompt_loses_its_beginning_and_the_answer_stays_whole(tokenizer: Any) -> None:
    long_question = "Please consider this context carefully. " * 40 + "How big is it?"
    record = {"messages": [{"role": "user", "content": long_question}, RECORD["messages"][-1]]}

    example = tokenize_record(tokenizer, record, max_seq_len=64)

    assert len(example) == 64
    labelled = [token for token in example.labels if token != IGNORE_INDEX]
    assert tokenizer.decode(labelled) == ANSWER + "<|im_end|>\n"
    assert tokenizer.decode(example.input_ids).endswith(
        "How big is it?<|im_end|>\n<|im_start|>assistant\n" + ANSWER + "<|im_end|>\n"
    )


def test_batches_cover_every_example_once_per_epoch_in_a_seeded_order() -> None:
    lengths = [5, 50, 7, 48, 9, 52, 6, 47, 8, 51, 4, 49]

    batches = length_grouped_batches(lengths, batch_size=2, seed=3, epoch=0)

    assert sorted(i for batch in batches for i in batch) == list(range(12))
    assert batches == length_grouped_batches(lengths, batch_size=2, seed=3, epoch=0)
    assert batches != length_grouped_batches(lengths, batch_size=2, seed=3, epoch=1)
    assert all(abs(lengths[a] - lengths[b]) < 10 for a, b in batches)


def test_a_schedule_longer_than_an_epoch_continues_with_the_next_epoch() -> None:
    lengths = [3, 4, 5, 6]

    schedule = batch_schedule(lengths, batch_size=2, seed=0, count=5)

    assert schedule[:2] == length_grouped_batches(lengths, 2, seed=0, epoch=0)
    assert schedule[2:4] == length_grouped_batches(lengths, 2, seed=0, epoch=1)
    assert len(schedule) == 5


def test_padding_is_masked_and_unlabelled() -> None:
    short = Example(input_ids=[1, 2, 3], labels=[IGNORE_INDEX, 2, 3])
    long = Example(input_ids=[4, 5, 6, 7, 8], labels=[IGNORE_INDEX, IGNORE_INDEX, 6, 7, 8])

    batch = collate([short, long], pad_id=0)

    assert batch.input_ids.tolist() == [[1, 2, 3, 0, 0], [4, 5, 6, 7, 8]]
    assert batch.attention_mask.tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert batch.labels.tolist()[0] == [IGNORE_INDEX, 2, 3, IGNORE_INDEX, IGNORE_INDEX]
    assert batch.tokens == 8
