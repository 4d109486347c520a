from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from byosc.instructions.models import InstructionPair
from byosc.training.answer_metrics import mean_similarity, rouge_l
from byosc.training.evaluate import held_out, promotion_decision
from byosc.training.models import ModelScores
from byosc.training.settings import EvalSettings, TrainingSettings

BASE = ModelScores(perplexity=20.0, perplexity_with_context=14.1, rouge_l=0.30, similarity=0.60)
BETTER = ModelScores(perplexity=18.0, perplexity_with_context=12.3, rouge_l=0.35, similarity=0.62)


def test_rouge_l_of_identical_answers_is_one_whatever_the_case_and_punctuation() -> None:
    assert rouge_l("Each process gets a quantum.", "each PROCESS gets a quantum") == 1.0


def test_rouge_l_is_the_f1_of_the_longest_common_subsequence_of_words() -> None:
    # LCS "the cat the mat" (4 words) of 6 reference and 5 generated words.
    precision, recall = 4 / 5, 4 / 6
    expected = 2 * precision * recall / (precision + recall)
    assert rouge_l("the cat sat on the mat", "the cat saw the mat") == pytest.approx(expected)


def test_rouge_l_counts_words_in_order_only() -> None:
    # Either "a" or "b" is a common subsequence, not both.
    assert rouge_l("a b", "b a") == pytest.approx(0.5)


def test_rouge_l_of_unrelated_or_empty_answers_is_zero() -> None:
    assert rouge_l("round robin", "paging tables") == 0.0
    assert rouge_l("round robin", "") == 0.0
    assert rouge_l("", "") == 1.0


class _FixedEmbedder:
    dimension = 2

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [[1.0, 0.0] if "yes" in text else [0.0, 1.0] for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def test_similarity_is_the_mean_cosine_of_each_answer_to_its_reference() -> None:
    score = mean_similarity(_FixedEmbedder(), ["yes", "yes"], ["yes indeed", "no"])
    assert score == pytest.approx(0.5)


def _pair(pair_id: str, split: str) -> InstructionPair:
    return InstructionPair.model_validate(
        dict(id=pair_id, course_id="os", document_id="d", chunk_id="c", filename="f.pdf",
             task="qa", question="Q?", answer="A.", generator="extractive", split=split)
    )  # fmt: skip


def test_held_out_pairs_are_test_then_validation_by_id_never_training_pairs() -> None:
    pairs = [_pair("b", "validation"), _pair("z", "train"), _pair("c", "test"), _pair("a", "test")]
    assert [p.id for p in held_out(pairs, 10)] == ["a", "c", "b"]
    assert [p.id for p in held_out(list(reversed(pairs)), 2)] == ["a", "c"]


def test_an_adapter_better_on_every_score_is_promoted_with_each_comparison_in_words() -> None:
    passed, reasons, rule = promotion_decision(BASE, BETTER, EvalSettings())
    assert passed
    assert reasons == [
        "perplexity with context 12.30 < base 14.10: better",
        "ROUGE-L 0.350 vs base 0.300: no lower",
        "answer similarity 0.620 vs base 0.600: no lower",
    ]
    assert "perplexity" in rule and "ROUGE-L" in rule


def test_an_adapter_with_no_lower_perplexity_is_not_promoted() -> None:
    worse = BETTER.model_copy(update={"perplexity_with_context": 15.0})
    passed, reasons, _ = promotion_decision(BASE, worse, EvalSettings())
    assert not passed
    assert reasons[0] == "perplexity with context 15.00 >= base 14.10: not better"


def test_an_equal_perplexity_is_not_better() -> None:
    tied = BETTER.model_copy(update={"perplexity_with_context": 14.1})
    assert not promotion_decision(BASE, tied, EvalSettings(rule="perplexity"))[0]


def test_perplexity_without_context_decides_when_either_model_lacks_the_context_score() -> None:
    base = BASE.model_copy(update={"perplexity_with_context": None})
    passed, reasons, _ = promotion_decision(base, BETTER, EvalSettings(rule="perplexity"))
    assert passed and reasons == ["perplexity 18.00 < base 20.00: better"]


def test_an_adapter_with_worse_answers_is_not_promoted_for_its_perplexity_alone() -> None:
    worse_answers = BETTER.model_copy(update={"rouge_l": 0.25})
    passed, reasons, _ = promotion_decision(BASE, worse_answers, EvalSettings())
    assert not passed
    assert "ROUGE-L 0.250 < base 0.300: lower" in reasons
    assert promotion_decision(BASE, worse_answers, EvalSettings(rule="perplexity"))[0]
    assert not promotion_decision(BASE, worse_answers, EvalSettings(rule="answers"))[0]


def test_equal_answer_scores_count_as_no_lower() -> None:
    tied = BETTER.model_copy(update={"rouge_l": 0.30, "similarity": 0.60})
    assert promotion_decision(BASE, tied, EvalSettings())[0]


def test_the_tolerance_allows_answer_scores_that_slightly_lower() -> None:
    slightly = BETTER.model_copy(update={"rouge_l": 0.29})
    assert not promotion_decision(BASE, slightly, EvalSettings())[0]
    passed, reasons, rule = promotion_decision(BASE, slightly, EvalSettings(answer_tolerance=0.01))
    assert passed and "ROUGE-L 0.290 vs base 0.300 (tolerance 0.01): no lower" in reasons
    assert "by more than 0.01" in rule
    assert not promotion_decision(BASE, slightly, EvalSettings(answer_tolerance=0.005))[0]


def test_answer_scores_that_were_not_measured_do_not_pass() -> None:
    unmeasured = BETTER.model_copy(update={"rouge_l": None, "similarity": None})
    passed, reasons, _ = promotion_decision(BASE, unmeasured, EvalSettings(rule="answers"))
    assert not passed and reasons[0] == "ROUGE-L not measured: cannot show it is no worse"


def test_the_always_rule_promotes_a_worse_adapter_and_still_reports_the_comparisons() -> None:
    worse = ModelScores(perplexity=30.0, perplexity_with_context=25.0, rouge_l=0.1, similarity=0.2)
    passed, reasons, rule = promotion_decision(BASE, worse, EvalSettings(rule="always"))
    assert passed and len(reasons) == 3 and rule.startswith("promote every adapter")


def test_the_s3_artifact_store_needs_a_bucket() -> None:
    with pytest.raises(ValueError, match="s3_bucket"):
        TrainingSettings(artifact_store="s3")
    assert TrainingSettings(artifact_store="s3", s3_bucket="adapters").s3_prefix == "adapters/"


def test_adapters_are_kept_in_the_data_directory_unless_a_directory_is_set(tmp_path: Path) -> None:
    assert TrainingSettings().artifacts_path(tmp_path) == tmp_path / "adapters"
    elsewhere = TrainingSettings(artifacts_dir=tmp_path / "volume")
    assert elsewhere.artifacts_path(tmp_path) == tmp_path / "volume"
