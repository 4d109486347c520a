"""Every input of the capacity model, each with its source, in one place.

Three kinds of source: measured on this 2-core machine (bench/), published (cited with the
number), and assumptions about a university's semester (said so). Settings the code
already has (prompt size, in-flight bounds, training hyper-parameters) are read from
`byosc`'s settings, not copied. `Inputs.validate` refuses values that make no sense,
naming the field.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from byosc.instructions.settings import InstructionSettings
from byosc.rag.settings import RagSettings
from byosc.settings import ChunkSettings, GatewaySettings, InflightSettings
from byosc.training.models import Hyperparameters
from byosc.training.settings import EvalSettings

MEASURED = "measured here"
ASSUMED = "assumption"


def _src(default: Any, source: str) -> Any:
    return field(default=default, metadata={"source": source})


def _prompt_tokens() -> int:
    """Passages (top_k chunks of size_chars, about 4 characters a token) plus the share of
    the history budget (system message, question, earlier turns) a chat uses on average."""
    passages = RagSettings().top_k * ChunkSettings().size_chars / 4.0
    return round(passages + 0.6 * RagSettings().history_tokens)


@dataclass(frozen=True)
class Inputs:
    # --- the university and its semester (assumptions) -----------------------------------
    students: int = _src(40_000, ASSUMED + ": a large university")
    courses: int = _src(600, ASSUMED + "; every course has its own index and LoRA adapter")
    faculties: int = _src(10, ASSUMED + "; courses fall into faculties at random")
    teaching_weeks: int = _src(15, ASSUMED)
    exam_weeks: int = _src(2, ASSUMED + "; each course's exam on a random weekday in them")
    active_share: float = _src(0.6, ASSUMED + ": students who use the chat in a given week")
    chats_per_active_week: float = _src(10.0, ASSUMED + ": questions per active student")
    exam_multiplier: float = _src(3.0, ASSUMED + ": a course's chats, 3 days up to its exam")
    revision_multiplier: float = _src(1.5, ASSUMED + ": last teaching week, exam weeks")
    course_zipf: float = _src(0.9, ASSUMED + ": course sizes, Zipf exponent")
    weekday_weights: tuple[float, ...] = _src(
        (1.15, 1.15, 1.1, 1.0, 0.75, 0.5, 0.85), ASSUMED + ": Monday..Sunday"
    )
    hourly_weights: tuple[float, ...] = _src(
        (
            0.6,
            0.3,
            0.15,
            0.1,
            0.1,
            0.15,
            0.3,
            0.8,
            1.6,
            2.2,
            2.6,
            2.7,
            2.3,
            2.3,
            2.5,
            2.5,
            2.2,
            1.9,
            1.9,
            2.3,
            2.6,
            2.5,
            1.9,
            1.2,
        ),
        ASSUMED + ": 00:00..23:00, peaks late morning and evening",
    )
    adapter_share: float = _src(0.9, ASSUMED + ": chats answered with the course's adapter")
    searches_per_chat: float = _src(0.5, ASSUMED + ": searches and quizzes (no model call)")
    lectures_per_week: int = _src(2, ASSUMED + ": new material per course, nights after")
    pages_per_lecture: int = _src(40, ASSUMED + ": one slide deck or handout")
    recording_minutes: float = _src(75.0, ASSUMED + ": one recording per lecture")
    refresh_window_h: tuple[float, float] = _src(
        (1.0, 4.0), ASSUMED + ": nightly refreshes start at random in 01:00-04:00"
    )
    # --- chats ----------------------------------------------------------------------------
    prompt_tokens: int = _src(
        _prompt_tokens(),
        "byosc settings: rag.top_k x chunking.size_chars / 4 chars a token "
        "+ 0.6 x rag.history_tokens (assumed share used)",
    )
    output_tokens: float = _src(220.0, ASSUMED + ": mean answer length, exponential spread")
    gateway_cpu_ms: float = _src(
        3.6, MEASURED + ": bench/gateway.py, gateway CPU per forwarded request (load ~7)"
    )
    inference_cpu_ms: float = _src(
        19.5, MEASURED + ": bench/gateway.py, inference CPU per search (embedding + hybrid)"
    )
    relay_cpu_ms_per_token: float = _src(
        0.05, ASSUMED + ": each streamed token relayed by inference and by the gateway"
    )
    retrieval_ms: float = _src(
        14.8, MEASURED + ": README retrieval_scale, embedding + hybrid p50 at 100k chunks"
    )
    inference_running: int = _src(
        InflightSettings().running, "byosc settings: inflight.running (per inference pod)"
    )
    inference_waiting: int = _src(
        InflightSettings().waiting, "byosc settings: inflight.waiting (then 503)"
    )
    gateway_running: int = _src(
        GatewaySettings().inflight.running, "byosc settings: gateway.inflight.running"
    )
    ttft_slo_s: float = _src(5.0, ASSUMED + ": p99 time to first token a student accepts")
    # --- vLLM on one H200 (published figures, scaled) --------------------------------------
    slora_requests_per_s: float = _src(
        7.6,
        "S-LoRA (Sheng et al., MLSys 2024, arXiv 2311.03285) Table 3: Llama-7B, rank 8, "
        "one A100-80GB, 2,000 adapters: about 7.6 req/s",
    )
    slora_output_tokens: float = _src(
        260.0, "S-LoRA benchmarks/exp_suite.py 'a100-80-table': output lengths U[8, 512]"
    )
    a100_bandwidth_tbs: float = _src(2.039, "NVIDIA A100 80GB SXM datasheet")
    h200_bandwidth_tbs: float = _src(4.8, "NVIDIA H200 SXM datasheet (141 GB HBM3e)")
    weights_gb: float = _src(16.06, "Llama-3.1-8B, 8.03B parameters in bf16")
    bandwidth_efficiency: float = _src(0.7, ASSUMED + ": share of peak bandwidth a step gets")
    prefill_tokens_per_s: float = _src(
        30_000.0, ASSUMED + ": 989 TFLOPS bf16 x 50% / 16 GFLOP per token (8B)"
    )
    kv_bytes_per_token: int = _src(131_072, "Llama-3.1-8B: 32 layers x 8 KV heads x 128 x 2 x 2 B")
    gpu_memory_gb: float = _src(141.0, "NVIDIA H200 datasheet")
    gpu_memory_utilization: float = _src(0.9, "vLLM default --gpu-memory-utilization")
    default_max_num_seqs: int = _src(
        1024, "vLLM arg_utils get_batch_defaults: >= 70 GiB GPUs other than A100"
    )
    default_max_batched_tokens: int = _src(8192, "vLLM arg_utils get_batch_defaults, same")
    adapter_load_s: float = _src(
        0.15, ASSUMED + ": a 42 MB rank-8 adapter read from the shared volume"
    )
    # --- nightly work ----------------------------------------------------------------------
    page_cpu_s: float = _src(
        0.25,
        MEASURED + ": 0.19 s a page to extract, chunk and embed examples/real-decks (142 pages, "
        "bench/ingest_worker.py baseline path, load ~8) + 25% for the worker's writes",
    )
    refresh_listing_s: float = _src(3.0, ASSUMED + ": refresh task: list the source, diff")
    whisper_rtf: float = _src(
        63 / 780,
        "faster-whisper README v1.1.0: large-v2 fp16 beam 5, 13 min of audio in 63 s (GPU)",
    )
    pairs_per_chunk: float = _src(
        InstructionSettings().max_pairs_per_chunk * 0.8,
        "byosc settings: instructions.max_pairs_per_chunk x 0.8 kept (assumed)",
    )
    instruction_output_tokens: float = _src(
        InstructionSettings().max_tokens * 0.6,
        "byosc settings: instructions.max_tokens x 0.6 used (assumed)",
    )
    instruction_concurrency: int = _src(
        InstructionSettings().concurrency, "byosc settings: instructions.concurrency"
    )
    chunks_per_page: float = _src(1.2, ASSUMED + ": slides and handout pages")
    tokens_per_pair: float = _src(
        Hyperparameters().max_seq_len * 0.75,
        "byosc hyperparameters: max_seq_len x 0.75 (record with its source chunk)",
    )
    train_tokens_per_s: float = _src(
        7541.0, "README: train_lora on one H200, Llama 3.1 8B shape, rank 16"
    )
    eval_pairs: int = _src(EvalSettings().max_pairs, "byosc settings: training.eval.max_pairs")
    eval_new_tokens: int = _src(
        EvalSettings().max_new_tokens, "byosc settings: training.eval.max_new_tokens"
    )
    eval_tokens_per_s: float = _src(
        400.0, ASSUMED + ": greedy answers in batches of 8 with the base and the adapter"
    )
    train_load_s: float = _src(60.0, ASSUMED + ": base weights read from the shared volume")
    # --- start-up and prices ---------------------------------------------------------------
    vllm_startup_s: float = _src(
        180.0, ASSUMED + ": 16 GB of weights from the volume, CUDA graphs; node in the pool"
    )
    gpu_worker_startup_s: float = _src(60.0, ASSUMED + ": image cached, model to the GPU")
    cpu_pod_startup_s: float = _src(20.0, ASSUMED + ": Python start-up, MiniLM load")
    gpu_hour_usd: float = _src(
        4.50,
        "Spheron H200 on demand $4.54/h (17 March 2026); Mercatus May 2026 range "
        "$2.50-7.00 by provider tier",
    )
    cpu_core_hour_usd: float = _src(0.04, ASSUMED + ": on-demand vCPU-hour, memory included")
    tick_s: float = _src(
        60.0, "the model's time step; a rule polling more often acts once a step (2 min runs)"
    )
    seed: int = _src(1, "random seed of arrivals and course attributes")

    def validate(self) -> Inputs:
        for f in dataclasses.fields(self):
            _check(f.name, getattr(self, f.name))
        if self.refresh_window_h[0] >= self.refresh_window_h[1]:
            raise ValueError("refresh_window_h: start must come before end")
        for name, size in (("weekday_weights", 7), ("hourly_weights", 24)):
            weights = getattr(self, name)
            if len(weights) != size or sum(weights) <= 0:
                raise ValueError(f"{name}: {size} non-negative weights with a positive sum")
        if self.faculties > self.courses:
            raise ValueError("faculties: more faculties than courses")
        return self

    def replace(self, **changes: Any) -> Inputs:
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise ValueError(f"unknown input(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes).validate()

    @property
    def weeks(self) -> int:
        return self.teaching_weeks + self.exam_weeks

    @property
    def decode_tokens_per_s(self) -> float:
        """A replica's output tokens per second when saturated: the S-LoRA figure, scaled
        by memory bandwidth (decoding reads weights and KV cache; it is bandwidth-bound).
        Llama-7B's KV cache per token is 4x Llama-3.1-8B's (no grouped-query attention);
        that is not credited, so this is conservative."""
        ratio = self.h200_bandwidth_tbs / self.a100_bandwidth_tbs
        return self.slora_requests_per_s * self.slora_output_tokens * ratio

    def sources(self) -> dict[str, dict[str, Any]]:
        return {
            f.name: {"value": _jsonable(getattr(self, f.name)), "source": f.metadata["source"]}
            for f in dataclasses.fields(self)
        }


SHARES = {"active_share", "adapter_share", "bandwidth_efficiency", "gpu_memory_utilization"}
# Zero is a meaningful value for these (no exams, free CPU, instant start-up...); every
# other number divides something or scales the load, so it must be positive.
ZERO_OK = {
    "exam_weeks",
    "searches_per_chat",
    "lectures_per_week",
    "recording_minutes",
    "relay_cpu_ms_per_token",
    "retrieval_ms",
    "inference_waiting",
    "adapter_load_s",
    "refresh_listing_s",
    "train_load_s",
    "vllm_startup_s",
    "gpu_worker_startup_s",
    "cpu_pod_startup_s",
    "gpu_hour_usd",
    "cpu_core_hour_usd",
    "seed",
    "weekday_weights",
    "hourly_weights",
    "refresh_window_h",
}


def _check(name: str, value: Any) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check(name, item)
        return
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}: must be a finite number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name}: must not be negative, got {value}")
    if value == 0 and name not in ZERO_OK:
        raise ValueError(f"{name}: must be positive, got {value}")
    if name in SHARES and value > 1:
        raise ValueError(f"{name}: a share in (0, 1], got {value}")


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
