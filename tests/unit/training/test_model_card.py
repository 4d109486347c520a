"""The model card of a published adapter: metadata the Hub reads, and prose that says what is
known and what is not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import yaml

from byosc.domain import DatasetVersion
from byosc.training.models import AdapterRecord, Hyperparameters, TrainResult
from byosc.training.publishing.card import CardFacts, base_model_id, model_card
from byosc.training.settings import HubSettings


def _record(**changes: object) -> AdapterRecord:
    record = AdapterRecord(
        name="cs140-v3", course_id="cs140", version=3, state="active", dataset_version=2,
        base_model="meta-llama/Llama-3.1-8B-Instruct", base_model_sha256="ab" * 32,
        hyperparameters=Hyperparameters(rank=16, qlora=True), uri="file:///a",
        training=TrainResult(adapter_dir="/a", steps=120, tokens=58_000, seconds=451,
                             losses=[2.41, 1.37]),
        promoted_at=datetime(2026, 1, 5, tzinfo=UTC),
    )  # fmt: skip
    return record.model_copy(update=changes)


def _front_matter(card: str) -> dict[str, object]:
    _, front, _ = card.split("---\n", 2)
    return dict(yaml.safe_load(front))


def test_the_card_metadata_names_the_base_model_library_license_and_course() -> None:
    facts = CardFacts(
        _record(), "uni/byosc-cs140-v3", None, "meta-llama/Llama-3.1-8B-Instruct", "cc-by-4.0"
    )
    metadata = _front_matter(model_card(facts))
    assert metadata["base_model"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert (metadata["library_name"], metadata["license"]) == ("peft", "cc-by-4.0")
    assert metadata["tags"] == ["lora", "peft", "byosc", "course-cs140"]


def test_what_is_not_known_is_said_rather_than_left_blank() -> None:
    card = model_card(CardFacts(_record(), "byosc-cs140-v3", None))
    assert "base_model" not in _front_matter(card) and "license" not in _front_matter(card)
    assert "its size is not known: the version is no longer stored" in card
    assert "This adapter was not evaluated against its base model." in card
    assert "No license is declared" in card
    assert "| 4-bit base (QLoRA) | yes |" in card
    assert "Trained for 120 steps (58,000 tokens) in 8 minutes" in card
    assert "version 3 of the course's adapter, promoted on 2026-01-05" in card


def test_the_dataset_size_lists_its_splits_in_training_order() -> None:
    dataset = DatasetVersion(
        course_id="cs140", version=2, pairs=7, splits={"test": 1, "train": 5, "validation": 1},
        documents=["d1", "d2"],
    )  # fmt: skip
    card = model_card(CardFacts(_record(), "byosc-cs140-v3", dataset))
    assert "holds 7 pairs (5 train, 1 validation, 1 test), generated from 2 documents" in card


@pytest.mark.parametrize(
    ("served", "configured", "expected"),
    [
        ("smollm2-135m-instruct", None, "HuggingFaceTB/SmolLM2-135M-Instruct"),
        ("meta-llama/Llama-3.1-8B-Instruct", None, "meta-llama/Llama-3.1-8B-Instruct"),
        ("llama-8b", None, None),
        ("llama-8b", "meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"),
    ],
)
def test_the_base_model_hub_id(served: str, configured: str | None, expected: str | None) -> None:
    assert base_model_id(served, configured) == expected


def test_publishing_on_promotion_without_a_token_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="BYOSC_TRAINING__HUB__TOKEN"):
        HubSettings(publish_on_promotion=True)
    assert HubSettings().private is True
