"""Concurrent query embeddings share encode calls and come back as if encoded alone."""

from __future__ import annotations

import numpy as np
import pytest

from byosc.embed.sentence_transformers import SentenceTransformerEmbedder
from tests.support.concurrent_calls import ask_at_once

QUERIES = [
    f"What does lecture {i} say about {topic}?"
    for i, topic in enumerate(
        [
            "paging",
            "deadlocks",
            "scheduling",
            "virtual memory",
            "file systems",
            "threads",
            "semaphores",
            "caches",
            "interrupts",
            "system calls",
            "TLB misses",
            "RAID levels",
        ]
    )
]


@pytest.mark.slow
def test_queries_from_many_threads_share_encodes_and_match_unbatched_vectors() -> None:
    embedder = SentenceTransformerEmbedder(query_window_s=0.005)
    alone = [embedder.encode_queries([q])[0] for q in QUERIES]
    together = ask_at_once(embedder.embed_query, QUERIES)
    assert len(together) == len(QUERIES)
    np.testing.assert_allclose(np.array(together), np.array(alone), atol=1e-5)
    assert embedder.query_batches < len(QUERIES) / 2
