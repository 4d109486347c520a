"""The promotion rule: whether an evaluated adapter may replace the course's active one."""

from __future__ import annotations

from byosc.training.models import ModelScores
from byosc.training.settings import EvalSettings

# Scores are means of floats: a tie may differ in the last bits.
_ROUNDING = 1e-9


def promotion_decision(
    base: ModelScores, adapter: ModelScores, settings: EvalSettings
) -> tuple[bool, list[str], str]:
    """Whether the adapter passes, each comparison the rule looked at in words, and the rule."""
    perplexity_ok, perplexity_reason = _perplexity_comparison(base, adapter)
    answers = _answer_comparisons(base, adapter, settings.answer_tolerance)
    answers_ok = all(ok for ok, _ in answers)
    answer_reasons = [reason for _, reason in answers]
    if settings.rule == "perplexity":
        return perplexity_ok, [perplexity_reason], rule_in_words(settings)
    if settings.rule == "answers":
        return answers_ok, answer_reasons, rule_in_words(settings)
    reasons = [perplexity_reason, *answer_reasons]
    if settings.rule == "always":
        return True, reasons, rule_in_words(settings)
    return perplexity_ok and answers_ok, reasons, rule_in_words(settings)


def rule_in_words(settings: EvalSettings) -> str:
    perplexity = (
        "the adapter's held-out perplexity (with the source chunk in the prompt where "
        "available) is lower than the base model's"
    )
    tolerance = f" by more than {settings.answer_tolerance:g}" if settings.answer_tolerance else ""
    answers = (
        "its greedy answers with retrieved context score no lower than the base model's "
        f"(ROUGE-L F1 and embedding similarity to the reference){tolerance}"
    )
    return {
        "perplexity_and_answers": f"promote when {perplexity} and {answers}",
        "perplexity": f"promote when {perplexity}",
        "answers": f"promote when {answers}",
        "always": "promote every adapter; the comparisons are for information",
    }[settings.rule]


def _perplexity_comparison(base: ModelScores, adapter: ModelScores) -> tuple[bool, str]:
    if base.perplexity_with_context is not None and adapter.perplexity_with_context is not None:
        label, ours, theirs = (
            "perplexity with context",
            adapter.perplexity_with_context,
            base.perplexity_with_context,
        )
    else:
        label, ours, theirs = "perplexity", adapter.perplexity, base.perplexity
    if ours < theirs:
        return True, f"{label} {ours:.2f} < base {theirs:.2f}: better"
    return False, f"{label} {ours:.2f} >= base {theirs:.2f}: not better"


def _answer_comparisons(
    base: ModelScores, adapter: ModelScores, tolerance: float
) -> list[tuple[bool, str]]:
    comparisons = []
    for label, ours, theirs in (
        ("ROUGE-L", adapter.rouge_l, base.rouge_l),
        ("answer similarity", adapter.similarity, base.similarity),
    ):
        if ours is None or theirs is None:
            comparisons.append((False, f"{label} not measured: cannot show it is no worse"))
            continue
        allowed = f" (tolerance {tolerance:g})" if tolerance else ""
        if ours >= theirs - tolerance - _ROUNDING:
            comparisons.append(
                (True, f"{label} {ours:.3f} vs base {theirs:.3f}{allowed}: no lower")
            )
        else:
            comparisons.append((False, f"{label} {ours:.3f} < base {theirs:.3f}{allowed}: lower"))
    return comparisons
