"""Retrieval latency (query embedding + search) on EdgeIndex at 1k, 10k and 100k chunks.

Layout: the index holds N chunks split evenly across --courses courses (10 by default) and
every query filters to one course, as the chat does. Each index is built once per size in a
temporary directory and optimized (segments merged, HNSW built) before anything is timed.

Corpus, made so that it can reach 100k chunks without embedding them all:
- texts: ~900-character runs of the sample course's sentences with a share of their longer
  words swapped for the document's topic words or for words drawn from a Zipf-Mandelbrot
  distribution over a vocabulary whose head is the sample course's words ranked by
  frequency and whose tail is made-up words, so BM25 sees a skewed, bursty, large
  vocabulary rather than the few hundred words of one small course;
- dense vectors: the first --real-chunks texts are embedded with MiniLM for real; every
  other vector is a random convex mix of two real embeddings plus Gaussian noise with the
  real embeddings' own covariance, renormalized, so it stays in the region the model fills.
Queries are short questions (the sample course's, then templated ones on course words),
embedded with embed_query while timed. The baseline is exact top-k cosine with numpy over the
queried course's vectors, in the same process on the same query vectors.

Run: .venv/bin/python bench/retrieval_scale.py  (writes bench/results/retrieval_scale.json)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import timed, write_result

from byosc.chunk import chunk_sections
from byosc.domain import Chunk, SearchMode, Section, chunk_id
from byosc.embed.sentence_transformers import SentenceTransformerEmbedder
from byosc.extract import extract_file
from byosc.index.edge import EdgeIndex
from byosc.settings import Settings

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sample-course"
MODES: tuple[SearchMode, ...] = ("dense", "sparse", "hybrid")
CHUNK_CHARS = 900  # the default chunk size
SWAP_SHARE = 0.4
CHUNKS_PER_DOCUMENT = 50
TOPIC_WORDS, TOPIC_SHARE = 12, 0.5
ZIPF_S, ZIPF_Q = 1.0, 2.7
NOISE_SCALE = 0.5
UPSERT_SLICE = 5_000
WARMUP = 20
TEMPLATES = (
    "What is {a}?",
    "How does {a} work?",
    "Explain the difference between {a} and {b}.",
    "Why does the {a} need a {b}?",
    "When is {a} used with {b}?",
    "Give an example of {a} in {b}.",
)


def sample_sections() -> list[Section]:
    """The sample course's text (the recording left out: no transcription here)."""
    return [
        section
        for path in sorted((SAMPLE / "material").iterdir())
        if path.suffix != ".mp3"
        for section in extract_file(path.read_bytes(), path.name).sections
    ]


def sample_sentences() -> list[str]:
    joined = " ".join(" ".join(section.text for section in sample_sections()).split())
    return [s for s in re.split(r"(?<=[.!?])\s+", joined) if len(s.split()) >= 4]


def sample_chunks(settings: Settings) -> list[str]:
    """The sample course chunked as ingestion does: the reference for the vectors' spread."""
    size, overlap = settings.chunking.size_chars, settings.chunking.overlap_chars
    return [piece.text for piece in chunk_sections(sample_sections(), size, overlap)]


def vocabulary(sentences: list[str], size: int, rng: np.random.Generator) -> list[str]:
    """The sample course's words by frequency, then made-up words up to `size`."""
    counts = Counter(w.lower() for s in sentences for w in re.findall(r"[A-Za-z]+", s))
    words = [w for w, _ in counts.most_common()]
    seen = set(words)
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    while len(words) < size:
        word = "".join(rng.choice(syllables, size=int(rng.integers(2, 5))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def chunk_texts(
    count: int, sentences: list[str], words: list[str], rng: np.random.Generator
) -> list[str]:
    """Runs of real sentences with a share of their longer words swapped for other words."""
    ranks = np.arange(len(words), dtype=np.float64)
    zipf = np.cumsum(1.0 / (ranks + ZIPF_Q) ** ZIPF_S)
    documents = (count + CHUNKS_PER_DOCUMENT - 1) // CHUNKS_PER_DOCUMENT
    topics = rng.integers(50, min(5_000, len(words)), size=(documents, TOPIC_WORDS))
    starts = rng.integers(0, len(sentences), size=documents)
    texts = []
    for i in range(count):
        document = i // CHUNKS_PER_DOCUMENT
        at = int(starts[document]) + 3 * (i % CHUNKS_PER_DOCUMENT)
        tokens: list[str] = []
        while sum(len(t) + 1 for t in tokens) < CHUNK_CHARS:
            tokens += sentences[at % len(sentences)].split()
            at += 1
        swap = rng.random(len(tokens)) < SWAP_SHARE
        topical = rng.random(len(tokens)) < TOPIC_SHARE
        drawn = np.searchsorted(zipf, rng.random(len(tokens)) * zipf[-1])
        picked = topics[document][rng.integers(0, TOPIC_WORDS, size=len(tokens))]
        texts.append(
            " ".join(
                (words[picked[j]] if topical[j] else words[drawn[j]])
                if swap[j] and len(token) >= 4
                else token
                for j, token in enumerate(tokens)
            )
        )
    return texts


def synthetic_vectors(real: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Mixes of two real embeddings plus noise shaped like the real embeddings' spread."""
    if count <= 0:
        return np.empty((0, real.shape[1]), dtype=np.float32)
    centred = real - real.mean(axis=0)
    _, spread, axes = np.linalg.svd(centred, full_matrices=False)
    scale = spread / np.sqrt(len(real) - 1)
    noise = (rng.standard_normal((count, len(scale))) * scale) @ axes
    mix = rng.random((count, 1))
    first, second = rng.integers(0, len(real), size=(2, count))
    vectors = mix * real[first] + (1 - mix) * real[second] + NOISE_SCALE * noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def mean_pairwise_cosine(vectors: np.ndarray, rng: np.random.Generator) -> float:
    left, right = rng.integers(0, len(vectors), size=(2, 2_000))
    keep = left != right
    return round(float(np.mean(np.sum(vectors[left[keep]] * vectors[right[keep]], axis=1))), 3)


def course_of(i: int, courses: int) -> str:
    return f"course-{i % courses}"


def make_chunks(texts: list[str], courses: int) -> list[Chunk]:
    chunks = []
    for i, text in enumerate(texts):
        course = course_of(i, courses)
        document = f"{course}-doc-{i // CHUNKS_PER_DOCUMENT}"
        chunks.append(
            Chunk(
                id=chunk_id(course, document, i),
                course_id=course,
                document_id=document,
                index=i,
                text=text,
                title=document,
                filename=f"{document}.pdf",
                page=i % 40 + 1,
            )
        )
    return chunks


def questions(count: int, words: list[str], rng: np.random.Generator) -> list[str]:
    asked = (SAMPLE / "questions.txt").read_text().splitlines()
    terms = [w for w in words[:800] if len(w) >= 5]
    while len(asked) < count:
        a, b = rng.choice(terms, size=2, replace=False)
        asked.append(str(rng.choice(TEMPLATES)).format(a=a, b=b))
    return asked[:count]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def disk_mb(path: Path) -> float:
    """Blocks in use: the engine preallocates sparse files."""
    return round(sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def percentiles(seconds: list[float]) -> dict[str, float]:
    p50, p99 = np.percentile(np.array(seconds) * 1000, [50, 99])
    return {"p50_ms": round(float(p50), 3), "p99_ms": round(float(p99), 3)}


def exact_top_k(matrix: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    scores = matrix @ query
    top = np.argpartition(-scores, k)[:k]
    return top[np.argsort(-scores[top])]


def build(
    path: Path, chunks: list[Chunk], vectors: np.ndarray, dimension: int
) -> tuple[EdgeIndex, dict[str, Any]]:
    before = rss_mb()
    index = EdgeIndex(path, dimension)
    started = time.perf_counter()
    for start in range(0, len(chunks), UPSERT_SLICE):
        end = start + UPSERT_SLICE
        index.upsert(chunks[start:end], vectors[start:end].tolist())
    upsert_s = time.perf_counter() - started
    optimize_s, _ = timed(index.optimize)
    return index, {
        "upsert_s": round(upsert_s, 2),
        "upsert_chunks_per_s": round(len(chunks) / upsert_s, 1),
        "optimize_s": round(optimize_s, 2),
        "rss_mb_before": before,
        "rss_mb_after": rss_mb(),
        "disk_mb": disk_mb(path),
    }


def time_retrieval(
    index: EdgeIndex,
    embed: Callable[[str], list[float]],
    asked: list[str],
    courses: int,
    limit: int,
) -> tuple[dict[str, Any], list[np.ndarray]]:
    for text in asked:  # the model's first pass at each input length is slow
        embed(text)
    for mode in MODES:
        for i, text in enumerate(asked[:WARMUP]):
            index.search(course_of(i, courses), embed(text), text, limit, mode=mode)
    embedding: list[float] = []
    figures: dict[str, Any] = {}
    query_vectors: list[np.ndarray] = []
    for mode in MODES:
        search: list[float] = []
        total: list[float] = []
        for i, text in enumerate(asked):
            started = time.perf_counter()
            vector = embed(text)
            embedded = time.perf_counter()
            index.search(course_of(i, courses), vector, text, limit, mode=mode)
            done = time.perf_counter()
            embedding.append(embedded - started)
            search.append(done - embedded)
            total.append(done - started)
            if mode == "dense":
                query_vectors.append(np.array(vector, dtype=np.float32))
        figures[mode] = {"search": percentiles(search), "embed_and_search": percentiles(total)}
    return {"query_embedding": percentiles(embedding), **figures}, query_vectors


def exact_baseline(
    index: EdgeIndex,
    chunks: list[Chunk],
    vectors: np.ndarray,
    query_vectors: list[np.ndarray],
    courses: int,
    limit: int,
) -> dict[str, Any]:
    """numpy brute force over each course's vectors, and the recall of Edge's dense search."""
    members = [np.arange(c, len(chunks), courses) for c in range(courses)]
    matrices = [np.ascontiguousarray(vectors[m]) for m in members]
    for i, query in enumerate(query_vectors[:WARMUP]):
        exact_top_k(matrices[i % courses], query, limit)
    latencies, hits = [], 0
    for i, query in enumerate(query_vectors):
        seconds, top = timed(partial(exact_top_k, matrices[i % courses], query, limit))
        latencies.append(seconds)
        exact = {chunks[j].id for j in members[i % courses][top]}
        found = index.search(course_of(i, courses), query.tolist(), "", limit, mode="dense")
        hits += len(exact & {s.chunk.id for s in found})
    return {
        "numpy_exact": percentiles(latencies),
        "edge_dense_recall_at_k": round(hits / (limit * len(query_vectors)), 4),
    }


def table(sizes: list[dict[str, Any]]) -> str:
    lines = [f"{'chunks':>7} {'mode':<8} {'search p50/p99 ms':>19} {'embed+search p50/p99':>21}"]
    for size in sizes:
        for mode in MODES:
            s, t = size[mode]["search"], size[mode]["embed_and_search"]
            lines.append(
                f"{size['chunks']:>7} {mode:<8} {s['p50_ms']:>9.2f} /{s['p99_ms']:>8.2f} "
                f"{t['p50_ms']:>10.2f} /{t['p99_ms']:>8.2f}"
            )
        e, b = size["query_embedding"], size["baseline"]
        lines.append(
            f"{size['chunks']:>7} embed {e['p50_ms']:.2f}/{e['p99_ms']:.2f} ms; numpy exact "
            f"{b['numpy_exact']['p50_ms']:.3f} ms; edge/numpy p50 "
            f"{b['ratio_edge_dense_p50_to_numpy_p50']}; recall@k {b['edge_dense_recall_at_k']}; "
            f"build {size['build']['upsert_s'] + size['build']['optimize_s']:.1f} s"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="Chunks per index.")
    parser.add_argument("--queries", type=int, default=300, help="Timed queries per mode.")
    parser.add_argument("--courses", type=int, default=10, help="Courses the chunks split into.")
    parser.add_argument("--real-chunks", type=int, default=2_000, help="Chunks embedded for real.")
    parser.add_argument("--vocabulary", type=int, default=30_000, help="Distinct words.")
    parser.add_argument("--quick", action="store_true", help="1000 chunks only (smoke check).")
    args = parser.parse_args()
    sizes = [1_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    settings = Settings()
    limit = settings.rag.top_k
    rng = np.random.default_rng(0)

    sentences = sample_sentences()
    words = vocabulary(sentences, args.vocabulary, rng)
    corpus_s, texts = timed(lambda: chunk_texts(max(sizes), sentences, words, rng))
    chunks = make_chunks(texts, args.courses)
    embedder = SentenceTransformerEmbedder.from_settings(settings)
    real_count = min(args.real_chunks, len(texts))
    embed_s, real = timed(lambda: np.array(embedder.embed_documents(texts[:real_count])))
    synthetic = synthetic_vectors(real, len(texts) - real_count, rng)
    vectors = np.vstack([real.astype(np.float32), synthetic])
    asked = questions(args.queries, words, rng)
    reference = np.array(embedder.embed_documents(sample_chunks(settings)))
    setup = {
        "layout": f"N chunks split evenly across {args.courses} courses; each query filters "
        f"to one course, so it searches N/{args.courses} chunks of an index holding N",
        "cpus": os.cpu_count(),
        "courses": args.courses,
        "limit": limit,
        "queries_per_mode": len(asked),
        "warmup_queries_per_mode": WARMUP,
        "optimized_before_timing": True,
        "real_embedded_chunks": real_count,
        "real_embedding_s": round(embed_s, 1),
        "text_generation_s": round(corpus_s, 1),
        "vocabulary_words": len(words),
        "texts": f"runs of the sample course's sentences up to {CHUNK_CHARS} characters; "
        f"{SWAP_SHARE:.0%} of words of 4+ letters swapped, half for one of {TOPIC_WORDS} "
        f"topic words of the {CHUNKS_PER_DOCUMENT}-chunk document, half for a word drawn "
        f"from Zipf-Mandelbrot(s={ZIPF_S}, q={ZIPF_Q}) over the vocabulary (the sample "
        "course's words by frequency, then made-up words)",
        "vectors": "first real_embedded_chunks embedded with MiniLM; the rest "
        f"normalize(m*a + (1-m)*b + {NOISE_SCALE}*n), a, b random real embeddings, "
        "m ~ U(0,1), n ~ Gaussian with the real embeddings' covariance",
        "mean_pairwise_cosine_real": mean_pairwise_cosine(real, rng),
        "mean_pairwise_cosine_sample_course_chunks": mean_pairwise_cosine(reference, rng),
        "mean_pairwise_cosine_synthetic": mean_pairwise_cosine(synthetic, rng)
        if len(synthetic) > 1
        else None,
        "queries": "the sample course's questions, then templated questions on course words",
    }
    results: list[dict[str, Any]] = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            index, build_figures = build(
                Path(tmp) / "shard", chunks[:size], vectors[:size], embedder.dimension
            )
            figures, query_vectors = time_retrieval(
                index, embedder.embed_query, asked, args.courses, limit
            )
            baseline = exact_baseline(
                index, chunks[:size], vectors[:size], query_vectors, args.courses, limit
            )
            index.close()
        baseline["ratio_edge_dense_p50_to_numpy_p50"] = round(
            figures["dense"]["search"]["p50_ms"] / baseline["numpy_exact"]["p50_ms"], 2
        )
        results.append(
            {
                "chunks": size,
                "chunks_per_course": size // args.courses,
                "build": build_figures,
                # Other work on the machine shows up in the tail latencies.
                "load_average_1m_after_timing": round(os.getloadavg()[0], 2),
            }
            | figures
            | {"baseline": baseline}
        )
        print(table(results[-1:]), flush=True)
    write_result("retrieval_scale", {"setup": setup, "sizes": results})
    print(table(results))


if __name__ == "__main__":
    main()
