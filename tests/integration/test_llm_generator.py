"""LlmGenerator against the real local model server through the openai client.

The bundled SmolLM2-135M cannot write usable question/answer JSON; what it writes must be
counted as rejected with a reason (by the generator or the gate), never lost or raised.
The local server ignores response_format, so it is asked by prompt only (json_schema off).
"""

from __future__ import annotations

from pathlib import Path

import openai
import pytest

from byosc.bootstrap import open_embedder
from byosc.domain import Chunk
from byosc.instructions.gate import QualityGate, report
from byosc.instructions.llm import LlmGenerator
from byosc.instructions.settings import InstructionSettings
from byosc.settings import BASE_MODEL_NAME, Settings

pytestmark = pytest.mark.slow

TEXTS = [
    "Thrashing refers to a state in which a system spends more time paging than executing.",
    "A page fault is the trap that occurs when a process references a page not in memory.",
]
CHUNKS = [
    Chunk(
        id=f"c{n}",
        course_id="os",
        document_id=f"d{n}",
        index=0,
        text=text,
        title="Memory",
        filename=f"memory-{n}.md",
    )
    for n, text in enumerate(TEXTS)
]
GATE_REASONS = {
    "empty",
    "too_short",
    "too_long",
    "not_a_question",
    "placeholder",
    "not_grounded",
    "answer_repeats_question",
    "duplicate",
}


def test_the_small_model_s_output_is_counted_as_rejected_with_reasons(
    client: openai.OpenAI, byosc_home: Path
) -> None:
    settings = InstructionSettings(
        json_schema=False, max_retries=1, max_tokens=96, concurrency=2, max_pairs_per_chunk=3
    )
    generated = LlmGenerator(client, BASE_MODEL_NAME, settings).generate(CHUNKS)
    gate = QualityGate(open_embedder(Settings(home=byosc_home)), settings)
    kept, rejected = gate.check(generated.candidates)
    run = report(generated, kept, rejected)

    accounted = {c.chunk.id for c in generated.candidates} | {
        r.chunk_id for r in generated.rejections
    }
    assert accounted == {"c0", "c1"}
    assert run.generated == run.kept + sum(run.rejected.values())
    assert run.rejected, run
    assert set(run.rejected) <= GATE_REASONS | {"malformed_output", "too_many_pairs"}
    for rejection in generated.rejections:
        assert rejection.reason == "malformed_output" and rejection.detail


def test_an_unreachable_server_is_an_api_error_per_chunk() -> None:
    settings = InstructionSettings(json_schema=False, max_retries=1, backoff_s=0.0)
    with openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="x", max_retries=0) as api:
        generated = LlmGenerator(api, BASE_MODEL_NAME, settings).generate(CHUNKS)
    assert generated.candidates == []
    assert [r.reason for r in generated.rejections] == ["api_error", "api_error"]
