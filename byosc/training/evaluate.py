"""A course adapter against its base model on held-out pairs, and the rule that promotes it.

Every prompt goes through `format_chat`, as in training and serving. Answers are generated
with the pair's source chunk in the prompt, laid out by `build_messages` as /chat does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from byosc.datasets.export import ChatRecord, to_chat_records
from byosc.domain import SLIDE_DECK, ChatMessage, Chunk, ScoredChunk
from byosc.errors import ByoscError
from byosc.instructions.models import InstructionPair
from byosc.llm.chat_template import ChatMessages, format_chat
from byosc.ports import Embedder
from byosc.rag.prompt import build_messages
from byosc.training.answer_metrics import mean_rouge_l, mean_similarity
from byosc.training.data import IGNORE_INDEX, answer_loss_sum, collate, tokenize_records
from byosc.training.models import EvalReport, ModelScores
from byosc.training.promotion import promotion_decision
from byosc.training.settings import EvalSettings

ChunkText = Callable[[InstructionPair], str | None]
HELD_OUT_SPLITS = ("test", "validation")


def evaluate_adapter(
    base_dir: Path,
    adapter_dir: Path,
    pairs: Sequence[InstructionPair],
    *,
    embedder: Embedder,
    chunk_text: ChunkText,
    settings: EvalSettings,
) -> EvalReport:
    """Scores the base model, then the same weights with the adapter, and applies the rule."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    chosen = held_out(pairs, settings.max_pairs)
    if not chosen:
        raise ByoscError("no held-out (test or validation) pairs to evaluate the adapter on")
    contexts = [chunk_text(pair) for pair in chosen]
    tokenizer = AutoTokenizer.from_pretrained(base_dir, local_files_only=True)
    on_gpu = torch.cuda.is_available()
    model: Any = AutoModelForCausalLM.from_pretrained(
        base_dir, dtype=torch.bfloat16 if on_gpu else torch.float32, local_files_only=True
    )
    model.to("cuda" if on_gpu else "cpu")
    base = score_model(model.eval(), tokenizer, chosen, contexts, embedder, settings)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # raised inside peft, not ours to fix
        tuned = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)
    adapter = score_model(tuned.eval(), tokenizer, chosen, contexts, embedder, settings)
    passed, reasons, rule = promotion_decision(base, adapter, settings)
    return EvalReport(
        pairs=len(chosen), base=base, adapter=adapter, rule=rule, passed=passed, reasons=reasons
    )


def held_out(pairs: Sequence[InstructionPair], max_pairs: int) -> list[InstructionPair]:
    """Test pairs, then validation pairs, by id: the same sample whatever order they come in."""
    ranked = [p for p in pairs if p.split in HELD_OUT_SPLITS]
    ranked.sort(key=lambda p: (HELD_OUT_SPLITS.index(p.split), p.id))
    return ranked[:max_pairs]


def score_model(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[InstructionPair],
    contexts: Sequence[str | None],
    embedder: Embedder,
    settings: EvalSettings,
) -> ModelScores:
    """One model's scores; `contexts[i]` is the source chunk text of `pairs[i]`, if known."""
    batch = settings.batch_size
    plain = to_chat_records(pairs)
    prompts = [
        context_prompt(pair, text) if text is not None else record["messages"][:-1]
        for pair, text, record in zip(pairs, contexts, plain, strict=True)
    ]
    with_context = [
        {"messages": [*prompt, record["messages"][-1]]}
        for text, prompt, record in zip(contexts, prompts, plain, strict=True)
        if text is not None
    ]
    scores = ModelScores(
        perplexity=answer_perplexity(model, tokenizer, plain, batch_size=batch),
        perplexity_with_context=(
            answer_perplexity(model, tokenizer, with_context, batch_size=batch)
            if with_context
            else None
        ),
    )
    if settings.max_new_tokens == 0:
        return scores
    generated = generate_answers(
        model, tokenizer, prompts, max_new_tokens=settings.max_new_tokens, batch_size=batch
    )
    references = [pair.answer for pair in pairs]
    scores.rouge_l = mean_rouge_l(references, generated)
    scores.similarity = mean_similarity(embedder, references, generated)
    return scores


def context_prompt(pair: InstructionPair, text: str) -> list[dict[str, str]]:
    """The prompt /chat would send for the pair's question with its chunk as source [1]."""
    chunk = Chunk(
        id=pair.chunk_id,
        course_id=pair.course_id,
        document_id=pair.document_id,
        index=0,
        text=text,
        title=pair.filename,
        filename=pair.filename,
        media_type=SLIDE_DECK if pair.filename.lower().endswith(".pptx") else None,
        page=pair.page,
        start_s=pair.start_s,
        end_s=pair.end_s,
    )
    question = [ChatMessage(role="user", content=pair.question)]
    return build_messages(question, [ScoredChunk(chunk=chunk, score=1.0)])


def answer_perplexity(
    model: Any, tokenizer: Any, records: Sequence[ChatRecord], *, batch_size: int
) -> float:
    """exp of the mean loss per answer token (each record's assistant turn and its end-of-turn
    marker, given the prompt before it), over all records; tokenized exactly as for training."""
    longest = int(getattr(model.config, "max_position_embeddings", 2048))
    examples = tokenize_records(tokenizer, records, max_seq_len=longest)
    loss, tokens = 0.0, 0
    for start in range(0, len(examples), batch_size):
        batch = collate(examples[start : start + batch_size], _pad_id(tokenizer)).to(model.device)
        with torch.inference_mode():
            loss += float(answer_loss_sum(model, batch))
        tokens += int((batch.labels[:, 1:] != IGNORE_INDEX).sum())
    if tokens == 0:
        raise ValueError("no answer tokens to score")
    return math.exp(loss / tokens)


def generate_answers(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[ChatMessages],
    *,
    max_new_tokens: int,
    batch_size: int,
) -> list[str]:
    """Greedy answers to each prompt, as the model server generates them."""
    texts = [format_chat(tokenizer, p, add_generation_prompt=True) for p in prompts]
    answers: list[str] = []
    for start in range(0, len(texts), batch_size):
        inputs = tokenizer(
            texts[start : start + batch_size],
            return_tensors="pt",
            padding=True,
            padding_side="left",  # generation continues from the last column
            add_special_tokens=False,
        ).to(model.device)
        with torch.inference_mode():
            output = model.generate(
                **inputs,
                do_sample=False,
                max_new_tokens=max_new_tokens,
                pad_token_id=_pad_id(tokenizer),
            )
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        answers += tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
    return [answer.strip() for answer in answers]


def _pad_id(tokenizer: Any) -> int:
    pad = tokenizer.pad_token_id
    return int(tokenizer.eos_token_id if pad is None else pad)
