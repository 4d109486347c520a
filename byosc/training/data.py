"""Chat records as training tensors: the prompt as the server renders it, loss on the answer.

The prompt is `format_chat(..., add_generation_prompt=True)`, the text the model server
feeds the model, tokenized the same way; the completion is whatever the template appends
to it for the finished conversation (the answer and the end-of-turn marker). Only the
completion carries labels, so the adapter learns to answer, and to stop, after the very
token sequence it will be served.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from byosc.errors import ByoscError
from byosc.llm.chat_template import format_chat

IGNORE_INDEX = -100  # the label torch's cross-entropy skips
BATCHES_PER_LENGTH_GROUP = 50  # as transformers' LengthGroupedSampler: shuffled, yet little padding


@dataclass(frozen=True)
class Example:
    input_ids: list[int]
    labels: list[int]  # IGNORE_INDEX on prompt tokens

    def __len__(self) -> int:
        return len(self.input_ids)


@dataclass(frozen=True)
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor

    @property
    def tokens(self) -> int:
        """Non-padding tokens, prompt and answer."""
        return int(self.attention_mask.sum())

    def to(self, device: str | torch.device) -> Batch:
        return Batch(
            self.input_ids.to(device), self.attention_mask.to(device), self.labels.to(device)
        )


def split_completion(tokenizer: Any, messages: Sequence[Mapping[str, str]]) -> tuple[str, str]:
    """(prompt, completion) of a conversation whose last message is the assistant's answer."""
    if len(messages) < 2 or messages[-1].get("role") != "assistant":
        raise ByoscError("a training record must end with the assistant's answer")
    prompt = format_chat(tokenizer, messages[:-1], add_generation_prompt=True)
    full = format_chat(tokenizer, messages, add_generation_prompt=False)
    if not full.startswith(prompt) or len(full) == len(prompt):
        raise ByoscError(
            "the model's chat template does not render a conversation as its prompt followed "
            "by the answer, so the answer's tokens cannot be told apart for training"
        )
    return prompt, full[len(prompt) :]


def tokenize_record(tokenizer: Any, record: Mapping[str, Any], max_seq_len: int) -> Example:
    prompt, completion = split_completion(tokenizer, record["messages"])
    prompt_ids = _token_ids(tokenizer, prompt)
    answer_ids = _token_ids(tokenizer, completion)
    # The answer keeps its place first; a long prompt loses its beginning, not the question
    # and the assistant marker just before the answer.
    answer_ids = answer_ids[: max_seq_len - min(len(prompt_ids), max_seq_len // 2)]
    prompt_ids = prompt_ids[max(0, len(prompt_ids) + len(answer_ids) - max_seq_len) :]
    return Example(
        input_ids=prompt_ids + answer_ids,
        labels=[IGNORE_INDEX] * len(prompt_ids) + answer_ids,
    )


def tokenize_records(
    tokenizer: Any, records: Iterable[Mapping[str, Any]], max_seq_len: int
) -> list[Example]:
    return [tokenize_record(tokenizer, record, max_seq_len) for record in records]


def length_grouped_batches(
    lengths: Sequence[int], batch_size: int, seed: int, epoch: int
) -> list[list[int]]:
    """One epoch's batches of example indices: a seeded shuffle, then examples of similar
    length batched together within groups of BATCHES_PER_LENGTH_GROUP batches."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    group = batch_size * BATCHES_PER_LENGTH_GROUP
    batches: list[list[int]] = []
    for start in range(0, len(order), group):
        by_length = sorted(order[start : start + group], key=lambda i: -lengths[i])
        batches += [by_length[i : i + batch_size] for i in range(0, len(by_length), batch_size)]
    rng.shuffle(batches)
    return batches


def batch_schedule(
    lengths: Sequence[int], batch_size: int, seed: int, count: int
) -> list[list[int]]:
    """The first `count` batches of as many epochs as it takes, in a fixed seeded order."""
    schedule: list[list[int]] = []
    epoch = 0
    while len(schedule) < count:
        schedule += length_grouped_batches(lengths, batch_size, seed, epoch)
        epoch += 1
    return schedule[:count]


def batches_per_epoch(examples: int, batch_size: int) -> int:
    return -(-examples // batch_size)


def collate(examples: Sequence[Example], pad_id: int) -> Batch:
    """Right-padded tensors; padding is masked out and carries no label."""
    width = max(len(e) for e in examples)
    ids, mask, labels = [], [], []
    for example in examples:
        pad = width - len(example)
        ids.append(example.input_ids + [pad_id] * pad)
        mask.append([1] * len(example) + [0] * pad)
        labels.append(example.labels + [IGNORE_INDEX] * pad)
    return Batch(torch.tensor(ids), torch.tensor(mask), torch.tensor(labels))


def answer_loss_sum(model: Any, batch: Batch) -> torch.Tensor:
    """Summed cross-entropy of the answer tokens, for a causal LM with or without LoRA
    layers (a PeftModel passes these calls on to the model it wraps).

    Only the positions that predict an answer token go through the output layer: with a
    large vocabulary, logits for every prompt and padding position cost much compute and
    memory for nothing."""
    hidden = model.get_decoder()(
        input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False
    ).last_hidden_state
    targets = batch.labels[:, 1:]
    scored = targets != IGNORE_INDEX
    logits = model.get_output_embeddings()(hidden[:, :-1][scored])
    return torch.nn.functional.cross_entropy(logits.float(), targets[scored], reduction="sum")


def _token_ids(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])
