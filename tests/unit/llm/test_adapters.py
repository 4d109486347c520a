"""Adapter compatibility checks, on small files written by the tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from byosc.errors import NotFound
from byosc.llm.adapters import (
    AdapterInfo,
    AdapterRejected,
    check_base_model,
    check_shapes,
    read_adapter,
    safetensors_shapes,
)

BASE = "smollm2-135m-instruct"
Q_PROJ = "model.layers.0.self_attn.q_proj"


def _info(tmp_path: Path, base_model: str | None) -> AdapterInfo:
    return AdapterInfo(tmp_path, base_model)


def _model_dir(root: Path, hidden_size: int) -> Path:
    root.mkdir()
    config = {"model_type": "llama", "hidden_size": hidden_size, "num_hidden_layers": 30}
    (root / "config.json").write_text(json.dumps(config))
    return root


def test_a_directory_without_adapter_config_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="No adapter found"):
        read_adapter(tmp_path)


def test_a_non_lora_adapter_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "adapter_config.json").write_text(json.dumps({"peft_type": "IA3"}))
    with pytest.raises(AdapterRejected, match="IA3"):
        read_adapter(tmp_path)


@pytest.mark.parametrize(
    "declared",
    [
        None,
        "HuggingFaceTB/SmolLM2-135M-Instruct",
        "/data/models/smollm2-135m-instruct/",
        "/mnt/elsewhere/base",
    ],
)
def test_names_of_the_served_model_or_unknown_paths_are_accepted(
    tmp_path: Path, declared: str | None
) -> None:
    check_base_model(_info(tmp_path, declared), BASE, _model_dir(tmp_path / BASE, 576))


@pytest.mark.parametrize("declared", ["HuggingFaceTB/SmolLM2-360M-Instruct", "llama-3-8b"])
def test_a_hub_id_of_another_model_is_refused_naming_both(tmp_path: Path, declared: str) -> None:
    with pytest.raises(AdapterRejected) as caught:
        check_base_model(_info(tmp_path, declared), BASE, _model_dir(tmp_path / BASE, 576))
    assert declared in str(caught.value) and BASE in str(caught.value)


def test_a_local_base_model_of_another_architecture_is_refused(tmp_path: Path) -> None:
    other = _model_dir(tmp_path / "other", 2048)
    served = _model_dir(tmp_path / BASE, 576)
    with pytest.raises(AdapterRejected, match="was trained for base model"):
        check_base_model(_info(tmp_path, str(other)), BASE, served)
    same = _model_dir(tmp_path / "copy", 576)
    check_base_model(_info(tmp_path, str(same)), BASE, served)


def _weights(tmp_path: Path, in_features: int, out_features: int) -> AdapterInfo:
    prefix = f"base_model.model.{Q_PROJ}"
    save_file(
        {
            f"{prefix}.lora_A.weight": torch.zeros(4, in_features),
            f"{prefix}.lora_B.weight": torch.zeros(out_features, 4),
        },
        str(tmp_path / "adapter_model.safetensors"),
    )
    return _info(tmp_path, BASE)


def test_shapes_are_read_from_the_safetensors_header(tmp_path: Path) -> None:
    _weights(tmp_path, 576, 576)
    shapes = safetensors_shapes(tmp_path / "adapter_model.safetensors")
    assert shapes[f"base_model.model.{Q_PROJ}.lora_A.weight"] == [4, 576]


def test_matching_shapes_pass(tmp_path: Path) -> None:
    check_shapes(_weights(tmp_path, 576, 576), {Q_PROJ: (576, 576)})


def test_a_wrong_input_size_names_the_layer_and_both_sizes(tmp_path: Path) -> None:
    with pytest.raises(AdapterRejected, match=rf"{Q_PROJ} has input size 576.*expects 64"):
        check_shapes(_weights(tmp_path, 64, 576), {Q_PROJ: (576, 576)})


def test_a_wrong_output_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AdapterRejected, match="output size 192"):
        check_shapes(_weights(tmp_path, 576, 576), {Q_PROJ: (576, 192)})


def test_a_layer_the_base_model_lacks_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AdapterRejected, match="not a linear layer of the base model"):
        check_shapes(_weights(tmp_path, 576, 576), {})
