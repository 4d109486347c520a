"""Ingest and chat speed, each against a raw baseline on the same input, in one process.

- ingest: the whole pipeline (extract, chunk, embed, index, catalog) on the sample course,
  against a bare `SentenceTransformer.encode` of the same chunk texts.
- chat: RAG chat through the local engine (retrieval + prompt + generation), time to first
  token and tokens/s, against a bare `model.generate` on the same prompt.

Run: make bench  (writes bench/results/ingest_chat.json)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_seconds, timed, write_result

from byosc.chunk import chunk_sections
from byosc.domain import ChatMessage, ChatRequest, Course
from byosc.extract import extract_file
from byosc.ingest import read_paths
from byosc.models import bundled_models
from byosc.rag.prompt import build_messages
from byosc.settings import Settings
from cli.runtime import Runtime

COURSE = Path(__file__).resolve().parents[1] / "examples" / "sample-course" / "material"
QUESTION = "What is the effective memory-access time with a 98% TLB hit ratio?"
MAX_TOKENS = 64
REPEATS = 3


def bench_ingest(rt: Runtime) -> dict[str, Any]:
    files = read_paths([COURSE])
    chunking = rt.settings.chunking
    texts = [
        piece.text
        for name, data in files
        for piece in chunk_sections(
            extract_file(data, name).sections, chunking.size_chars, chunking.overlap_chars
        )
    ]
    pages = sum(len(extract_file(data, name).sections) for name, data in files)

    from sentence_transformers import SentenceTransformer

    raw = SentenceTransformer(str(bundled_models(rt.settings).embedder_dir), device="cpu")
    raw.encode(texts[:4])  # warm both models up before timing
    rt.embedder.embed_documents(texts[:4])
    encode_s = median_seconds(lambda: raw.encode(texts, batch_size=64), REPEATS)

    runs = iter(range(REPEATS))

    def ingest_once() -> None:
        course_id = f"bench-{next(runs)}"
        rt.catalog.create_course(Course(id=course_id, name="bench"))
        report = rt.ingestor.ingest(course_id, files)
        assert len(report.documents) == len(files), report.errors

    pipeline_s = median_seconds(ingest_once, REPEATS)
    return {
        "files": len(files),
        "pages_or_sections": pages,
        "chunks": len(texts),
        "pipeline_s": round(pipeline_s, 3),
        "pipeline_pages_per_s": round(pages / pipeline_s, 2),
        "pipeline_chunks_per_s": round(len(texts) / pipeline_s, 2),
        "baseline_encode_s": round(encode_s, 3),
        "baseline_chunks_per_s": round(len(texts) / encode_s, 2),
        "ratio_pipeline_to_baseline_throughput": round(encode_s / pipeline_s, 3),
    }


def bench_chat(rt: Runtime) -> dict[str, Any]:
    request = ChatRequest(
        course_id="bench-0",
        messages=[ChatMessage(role="user", content=QUESTION)],
        max_tokens=MAX_TOKENS,
    )

    def first_token() -> float:
        started = time.perf_counter()
        events = rt.chat.stream(request)
        next(events)
        elapsed = time.perf_counter() - started
        for _ in events:  # drain so the engine is free for the next run
            pass
        return elapsed

    first_token()  # warm-up
    ttft_s = sorted(first_token() for _ in range(REPEATS))[REPEATS // 2]
    sources = rt.chat.search("bench-0", QUESTION, rt.settings.rag.top_k)
    messages = build_messages(request.messages, sources)
    gen_s, completion = timed(
        lambda: rt.model.complete(messages, model=rt.settings.llm.model, max_tokens=MAX_TOKENS)
    )
    tokens = completion.usage.completion_tokens
    baseline = raw_generate(rt.settings, messages, tokens)
    return {
        "prompt_tokens": completion.usage.prompt_tokens,
        "completion_tokens": tokens,
        "rag_time_to_first_token_s": round(ttft_s, 3),
        "engine_tokens_per_s_incl_prefill": round(tokens / gen_s, 2),
        **baseline,
        "ratio_ttft_to_baseline": round(ttft_s / baseline["baseline_time_to_first_token_s"], 3),
        "ratio_tokens_per_s_to_baseline": round(
            (tokens / gen_s) / baseline["baseline_tokens_per_s_incl_prefill"], 3
        ),
    }


def raw_generate(settings: Settings, messages: list[dict[str, str]], tokens: int) -> dict[str, Any]:
    """The same prompt through a bare transformers model: the floor our engine adds to."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = bundled_models(settings).llm_dir
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32).eval()
    inputs: Any = tokenizer.apply_chat_template(
        messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
    )

    def generate(n: int) -> None:
        with torch.inference_mode():
            model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, do_sample=False)

    generate(1)
    ttft_s = median_seconds(lambda: generate(1), REPEATS)
    gen_s = median_seconds(lambda: generate(tokens), 1)
    return {
        "baseline_time_to_first_token_s": round(ttft_s, 3),
        "baseline_tokens_per_s_incl_prefill": round(tokens / gen_s, 2),
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        with Runtime(settings, llm=True) as rt:
            figures = {"ingest": bench_ingest(rt), "chat": bench_chat(rt)}
    write_result("ingest_chat", figures)


if __name__ == "__main__":
    main()
