"""Dense query latency of EdgeIndex vs QdrantIndex (local mode), and embedding throughput.

Writes JSON to stdout (and to --out). Run: .venv/bin/python bench/search_index.py
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from byosc.domain import Chunk, chunk_id
from byosc.ports import SearchIndex

WORDS = [
    "process",
    "thread",
    "scheduler",
    "memory",
    "page",
    "frame",
    "cache",
    "disk",
    "file",
    "system",
    "kernel",
    "lock",
    "deadlock",
    "semaphore",
    "queue",
    "interrupt",
    "device",
    "driver",
    "virtual",
    "address",
    "table",
    "quantum",
    "priority",
    "round",
    "robin",
    "mutex",
    "signal",
    "buffer",
    "block",
    "inode",
    "journal",
    "network",
    "socket",
]


def chunk_text(rng: random.Random, chars: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < chars:
        words.append(rng.choice(WORDS))
    return " ".join(words)


def corpus(points: int, courses: int, dim: int, chars: int) -> tuple[list[Chunk], np.ndarray]:
    rng = random.Random(0)
    chunks = [
        Chunk(
            id=chunk_id(f"course-{i % courses}", "bench", i),
            course_id=f"course-{i % courses}",
            document_id=f"doc-{i // 50}",
            index=i,
            text=chunk_text(rng, chars),
            title="Bench",
            filename="bench.pdf",
            page=i % 40 + 1,
        )
        for i in range(points)
    ]
    vectors = np.random.default_rng(0).standard_normal((points, dim)).astype(np.float32)
    return chunks, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def time_queries(index: SearchIndex, queries: np.ndarray, courses: int) -> dict[str, float]:
    latencies = []
    for i, query in enumerate(queries):
        started = time.perf_counter()
        index.search(f"course-{i % courses}", query.tolist(), "", 5)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    return {
        "p50_ms": round(statistics.median(latencies), 3),
        "p95_ms": round(latencies[int(0.95 * len(latencies)) - 1], 3),
    }


def bench_index(
    name: str,
    index: SearchIndex,
    data: tuple[list[Chunk], np.ndarray],
    queries: np.ndarray,
    courses: int,
) -> dict[str, Any]:
    chunks, vectors = data
    started = time.perf_counter()
    index.upsert(chunks, vectors.tolist())
    result: dict[str, Any] = {"index": name, "upsert_s": round(time.perf_counter() - started, 2)}
    index.search("course-0", queries[0].tolist(), "", 5)
    result["query"] = time_queries(index, queries, courses)
    optimize = getattr(index, "optimize", None)
    if optimize is not None:
        started = time.perf_counter()
        optimize()
        result["optimize_s"] = round(time.perf_counter() - started, 2)
        result["query_after_optimize"] = time_queries(index, queries, courses)
    return result


def bench_embedding(texts: list[str], batch_size: int) -> dict[str, Any]:
    from byosc.embed.sentence_transformers import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(batch_size=batch_size)
    embedder.embed_documents(texts[:batch_size])
    started = time.perf_counter()
    embedder.embed_documents(texts)
    elapsed = time.perf_counter() - started
    return {
        "chunks": len(texts),
        "batch_size": batch_size,
        "chunks_per_s": round(len(texts) / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=10)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--chunk-chars", type=int, default=900)
    parser.add_argument("--embed-chunks", type=int, default=512)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from qdrant_client import QdrantClient

    from byosc.index.edge import EdgeIndex
    from byosc.index.qdrant import QdrantIndex

    data = corpus(args.points, args.courses, args.dim, args.chunk_chars)
    queries = np.random.default_rng(1).standard_normal((args.queries, args.dim))
    results: dict[str, Any] = {"setup": vars(args) | {"out": None}, "indexes": []}
    with tempfile.TemporaryDirectory() as tmp:
        openers: dict[str, Callable[[], SearchIndex]] = {
            "EdgeIndex": lambda: EdgeIndex(Path(tmp) / "shard", args.dim),
            "QdrantIndex(:memory:)": lambda: QdrantIndex(QdrantClient(":memory:"), "b", args.dim),
        }
        for name, open_ in openers.items():
            index = open_()
            results["indexes"].append(bench_index(name, index, data, queries, args.courses))
            index.close()
    texts = [c.text for c in data[0][: args.embed_chunks]]
    results["embedding"] = bench_embedding(texts, 64)
    print(json.dumps(results, indent=2))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
