"""Reference answers' losses and greedy answers for a set of prompts, for the base model and
its adapter at once, reading each prompt once.

Where an evaluation's time goes on a CPU: reading the prompts (a prompt with its source
chunk is hundreds of tokens), then the decoding loop, whose steps cost about the same for 8
rows as for 16 (small matrices, a fixed cost per layer). So each prompt is read once without
its last token, in groups of prompts of about the same length (little padding to compute),
and the caches are left-padded into one batch; the last token and the reference answer run
on it for the loss; the cache is cut back and generation starts from it. With several
adapter names each prompt is a row per name (peft's mixed-adapter batches, "__base__" for no
adapter), so one decoding loop serves the base model and the adapter. The tokens are those
of `tokenize_record` and of the model server: the losses and greedy answers are those of
separate passes, up to float rounding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from byosc.datasets.export import ChatRecord
from byosc.training.data import IGNORE_INDEX, tokenize_records

NO_ADAPTER = "__base__"  # peft's name for the base model alone in adapter_names
PADDING_SLACK = 0.1  # a group of prompts read together pads at most this share of its tokens
PromptAndAnswer = tuple[list[int], list[int]]


@dataclass(frozen=True)
class AnswerPass:
    loss_sum: float  # summed cross-entropy of the reference answer's tokens, given the prompt
    tokens: int  # how many answer tokens were scored
    generated: str | None  # the greedy answer, stripped; None when none was asked for


def score_and_generate(
    model: Any,
    tokenizer: Any,
    records: Sequence[ChatRecord],
    *,
    max_new_tokens: int,
    batch_size: int,
    pad_id: int,
    adapter_names: Sequence[str] | None = None,
    progress: Callable[[int], None] = lambda _done: None,
) -> list[list[AnswerPass]]:
    """For each of `adapter_names` (a PeftModel's adapters or NO_ADAPTER) or, when None, for
    the model as it is: one AnswerPass per record (its prompt, then its reference answer), in
    order. `batch_size` prompts go in a batch, each once per name; `progress` gets how many
    records are done before each batch and at the end."""
    longest = int(getattr(model.config, "max_position_embeddings", 2048))
    examples = tokenize_records(tokenizer, records, max_seq_len=longest)
    split = [_prompt_and_answer(e.input_ids, e.labels) for e in examples]
    variants = len(adapter_names) if adapter_names else 1
    results: list[list[AnswerPass]] = [[] for _ in range(variants)]
    for start in range(0, len(split), batch_size):
        batch = split[start : start + batch_size]
        progress(start)
        names = [name for name in adapter_names for _ in batch] if adapter_names else None
        rows = _Rows(model, batch * variants, names, pad_id)
        with torch.inference_mode():
            passes = rows.run(tokenizer, max_new_tokens)
        for n in range(variants):
            results[n] += passes[n * len(batch) : (n + 1) * len(batch)]
    progress(len(split))
    return results


def _prompt_and_answer(input_ids: list[int], labels: list[int]) -> PromptAndAnswer:
    first = next(i for i, label in enumerate(labels) if label != IGNORE_INDEX)
    return input_ids[:first], input_ids[first:]


class _Rows:
    """One batch: prompts left-padded like the model server's batches, so that generation
    continues from the last column."""

    def __init__(
        self,
        model: Any,
        rows: Sequence[PromptAndAnswer],
        names: Sequence[str] | None,
        pad_id: int,
    ) -> None:
        self.model, self.rows, self.names, self.pad_id = model, rows, names, pad_id
        prompts = [prompt for prompt, _ in rows]
        self.prompt_ids, self.prompt_mask = _left_padded(prompts, pad_id, model.device)

    def run(self, tokenizer: Any, max_new_tokens: int) -> list[AnswerPass]:
        cache = self._prefill()
        losses = self._answer_losses(cache)
        generated: list[str | None] = [None] * len(self.rows)
        if max_new_tokens > 0:
            longest = max(len(answer) for _, answer in self.rows)
            cache.crop(-(longest + 1))  # back to the prompts without their last token
            generated = [*self._generate(tokenizer, cache, max_new_tokens)]
        return [
            AnswerPass(loss_sum=loss, tokens=len(answer), generated=text)
            for loss, (_, answer), text in zip(losses, self.rows, generated, strict=True)
        ]

    def _prefill(self) -> Any:
        """The cache of each prompt but its last token. Prompts are read in groups of about
        the same length, so little padding is computed, then left-padded into one batch
        (padding is masked out: its keys and values are never read)."""
        from transformers import DynamicCache

        prefixes = [prompt[:-1] for prompt, _ in self.rows]
        width = max(len(p) for p in prefixes)
        layers: list[tuple[torch.Tensor, torch.Tensor]] = []
        for group in length_groups([len(p) for p in prefixes], PADDING_SLACK):
            ids, mask = _left_padded([prefixes[i] for i in group], self.pad_id, self.model.device)
            read = self.model(
                input_ids=ids,
                attention_mask=mask,
                position_ids=_positions(mask),
                use_cache=True,
                logits_to_keep=1,  # only the cache is wanted
                **self._names(group),
            ).cache
            if not layers:
                layers = [_zeros(layer, len(prefixes), width) for layer in read.layers]
            rows = torch.tensor(group, device=self.model.device)
            for (keys, values), layer in zip(layers, read.layers, strict=True):
                keys[rows, :, width - ids.shape[1] :] = layer.keys
                values[rows, :, width - ids.shape[1] :] = layer.values
        return DynamicCache(ddp_cache_data=layers, config=self.model.config)

    def _answer_losses(self, cache: Any) -> list[float]:
        """Each reference answer's summed loss: the prompt's last token and the answer,
        right-padded, read on the cache of the rest of the prompt."""
        device = self.prompt_ids.device
        width = 1 + max(len(answer) for _, answer in self.rows)
        tails = [[int(self.prompt_ids[row, -1]), *a] for row, (_, a) in enumerate(self.rows)]
        tail_ids = [t + [self.pad_id] * (width - len(t)) for t in tails]
        tail_mask = torch.tensor([[1] * len(t) + [0] * (width - len(t)) for t in tails])
        mask = torch.cat([self.prompt_mask[:, :-1], tail_mask.to(device)], dim=1)
        logits = self.model(
            input_ids=torch.tensor(tail_ids, device=device),
            attention_mask=mask,
            position_ids=_positions(mask)[:, -width:],
            cache=cache,
            use_cache=True,
            **self._names(range(len(self.rows))),
        ).logits
        losses = []
        for row, (_, answer) in enumerate(self.rows):
            target = torch.tensor(answer, device=device)
            predicted = logits[row, : len(answer)].float()
            loss = torch.nn.functional.cross_entropy(predicted, target, reduction="sum")
            losses.append(float(loss))
        return losses

    def _generate(self, tokenizer: Any, cache: Any, max_new_tokens: int) -> list[str]:
        output = self.model.generate(
            input_ids=self.prompt_ids,
            attention_mask=self.prompt_mask,
            cache=cache,  # holds every prompt token but the last
            do_sample=False,
            max_new_tokens=max_new_tokens,
            pad_token_id=self.pad_id,
            **self._names(range(len(self.rows))),
        )
        new_tokens = output[:, self.prompt_ids.shape[1] :]
        texts = tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return [text.strip() for text in texts]

    def _names(self, rows: Iterable[int]) -> dict[str, Any]:
        return {"adapter_names": [self.names[i] for i in rows]} if self.names else {}


def length_groups(lengths: Sequence[int], slack: float) -> list[list[int]]:
    """Indices of `lengths` in groups, longest first, each padded to its longest costing at
    most `slack` more tokens than it holds."""
    groups: list[list[int]] = []
    for i in sorted(range(len(lengths)), key=lambda i: -lengths[i]):
        group = groups[-1] if groups else []
        held = sum(lengths[j] for j in group) + lengths[i]
        if group and lengths[group[0]] * (len(group) + 1) <= (1 + slack) * held:
            group.append(i)
        else:
            groups.append([i])
    return groups


def _left_padded(
    prompts: Sequence[list[int]], pad_id: int, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids and attention mask, padded on the left to the longest prompt."""
    width = max(len(p) for p in prompts)
    ids = [[pad_id] * (width - len(p)) + p for p in prompts]
    mask = [[0] * (width - len(p)) + [1] * len(p) for p in prompts]
    return torch.tensor(ids, device=device), torch.tensor(mask, device=device)


def _zeros(layer: Any, rows: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Keys and values of `rows` prompts `width` long, zeros, typed like the cache `layer`."""
    heads, dim = layer.keys.shape[1], layer.keys.shape[3]
    keys = layer.keys.new_zeros((rows, heads, width, dim))
    return keys, layer.values.new_zeros((rows, heads, width, layer.values.shape[3]))


def _positions(mask: torch.Tensor) -> torch.Tensor:
    """Position ids as generation derives them from a left-padded mask."""
    return (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 1)
