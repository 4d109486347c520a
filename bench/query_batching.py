"""Query-embedding batching: N concurrent search clients through the embedder's
`embed_query` (concurrent queries share encode calls), against raw `encode` throughput on
the same queries.

Each client thread takes the next query from a shared list until all `ROUNDS` x 64 are
embedded, as the inference service's request threads do under N concurrent searches. Raw
throughput is `encode` over the same queries in batches of N (what perfect batching of N
clients could reach) and one query per call. Also measured: the same N clients calling
`encode` for their own query each, unbatched (the service before batching). The load average
is recorded next to the figures: the machine is shared, so each figure is the best of
`REPEATS` runs, the runs of the four ways taking turns.

Run: .venv/bin/python bench/query_batching.py [--clients 8]  (writes
bench/results/query_batching.json)
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from batching import released_together
from common import write_result

from byosc.embed.sentence_transformers import SentenceTransformerEmbedder

TOPICS = [
    "paging",
    "deadlocks",
    "round-robin scheduling",
    "virtual memory",
    "inodes",
    "threads",
    "semaphores",
    "CPU caches",
    "interrupts",
    "system calls",
    "the TLB",
    "RAID levels",
    "page replacement",
    "mutual exclusion",
    "context switches",
    "journaling",
]
FORMS = [
    "What is {}?",
    "How does the lecture explain {}?",
    "Give an example of {}.",
    "Why does {} matter for performance?",
]
QUERIES = [form.format(topic) for topic, form in itertools.product(TOPICS, FORMS)]
ROUNDS = 4
REPEATS = 3


def clients_per_s(embed: Callable[[str], Any], queries: Sequence[str], clients: int) -> float:
    """Queries/s of `clients` threads taking queries from one shared list."""
    pending = iter(queries)
    lock = threading.Lock()

    def client() -> None:
        while True:
            with lock:
                query = next(pending, None)
            if query is None:
                return
            embed(query)

    return len(queries) / released_together([client] * clients)


def encode_per_s(embedder: SentenceTransformerEmbedder, queries: Sequence[str], size: int) -> float:
    """Queries/s of `encode` called in batches of `size`, on a thread of its own as the
    clients' calls are (torch's threads pool per calling thread)."""
    rates: list[float] = []

    def encode_all() -> None:
        started = time.perf_counter()
        for at in range(0, len(queries), size):
            embedder.encode_queries(queries[at : at + size])
        rates.append(len(queries) / (time.perf_counter() - started))

    thread = threading.Thread(target=encode_all)
    thread.start()
    thread.join()
    return rates[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    clients = parser.parse_args().clients
    embedder = SentenceTransformerEmbedder()
    queries = QUERIES * ROUNDS
    encode_per_s(embedder, QUERIES[:16], 8)  # first-call costs out of the figures
    load_before = os.getloadavg()
    ways: dict[str, Callable[[], float]] = {
        "raw_batched": lambda: encode_per_s(embedder, queries, clients),
        "raw_single": lambda: encode_per_s(embedder, queries, 1),
        "batched": lambda: clients_per_s(embedder.embed_query, queries, clients),
        "unbatched": lambda: clients_per_s(
            lambda q: embedder.encode_queries([q]), queries, clients
        ),
    }
    runs: dict[str, list[float]] = {way: [] for way in ways}
    batches_before = embedder.query_batches
    for _ in range(REPEATS):
        for way, run in ways.items():
            runs[way].append(run())
    encodes = (embedder.query_batches - batches_before) // REPEATS
    raw_batched, raw_single, batched, unbatched = (max(runs[way]) for way in ways)
    load_after = os.getloadavg()
    write_result(
        "query_batching",
        {
            "clients": clients,
            "runs_per_s": {way: [round(r, 1) for r in rates] for way, rates in runs.items()},
            "queries": len(queries),
            "batched_clients_searches_per_s": round(batched, 1),
            "encode_calls_for_batched_clients": encodes,
            "unbatched_clients_searches_per_s": round(unbatched, 1),
            f"raw_encode_batches_of_{clients}_per_s": round(raw_batched, 1),
            "raw_encode_one_per_call_per_s": round(raw_single, 1),
            "ratio_to_raw_batches": round(batched / raw_batched, 2),
            "ratio_to_raw_one_per_call": round(batched / raw_single, 2),
            "ratio_unbatched_clients_to_raw_batches": round(unbatched / raw_batched, 2),
            "query_window_s": embedder.query_window_s,
            "loadavg_1m_before_after": [round(load_before[0], 2), round(load_after[0], 2)],
            "cpus": os.cpu_count(),
        },
    )


if __name__ == "__main__":
    main()
