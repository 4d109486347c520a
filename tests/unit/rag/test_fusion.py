"""Page-by-page fusion of the dense and BM25 rankings."""

from __future__ import annotations

import pytest

from byosc.domain import Chunk, ScoredChunk
from byosc.rag.fusion import fuse_pages, page_of, rrf_term


def hit(chunk_id: str, page: int | None = None, heading: str | None = None) -> ScoredChunk:
    document = chunk_id[0]
    chunk = Chunk(
        id=chunk_id,
        course_id="c",
        document_id=document,
        index=0,
        text=chunk_id,
        title=document,
        filename=f"{document}.pdf",
        page=page,
        heading=heading,
    )
    return ScoredChunk(chunk=chunk, score=0.0)


def ids(hits: list[ScoredChunk]) -> list[str]:
    return [h.chunk.id for h in hits]


def test_a_page_counts_once_per_ranking_at_its_best_chunk() -> None:
    # Page A's three chunks fill the top of the dense ranking. Fused by chunk, B would sit
    # at dense position 4; fused by page it is at position 2 there and first in BM25.
    a1, a2, a3 = hit("A1", page=1), hit("A2", page=1), hit("A3", page=1)
    b = hit("B1", page=1)
    dense = [a1, a2, a3, b]
    sparse = [b, a1]
    fused = fuse_pages([dense, sparse], {}, k=2, weights=(1.0, 1.0))
    # Both pages: A first in dense, second in BM25; B the reverse. Equal: tie.
    assert fused[0].score == pytest.approx(rrf_term(0, 1, 2) + rrf_term(1, 1, 2))
    assert {fused[0].chunk.id, fused[1].chunk.id} == {"A1", "B1"}
    # The pages' other chunks come after every page's best.
    assert ids(fused[2:]) == ["A2", "A3"]


def test_ties_go_to_the_page_closer_to_the_question() -> None:
    a, b = hit("A1", page=1), hit("B1", page=1)
    dense, sparse = [a, b], [b, a]
    assert ids(fuse_pages([dense, sparse], {"A1": 0.3, "B1": 0.6}, weights=(1.0, 1.0))) == [
        "B1",
        "A1",
    ]
    assert ids(fuse_pages([dense, sparse], {"A1": 0.6, "B1": 0.3}, weights=(1.0, 1.0))) == [
        "A1",
        "B1",
    ]


def test_a_weight_stretches_its_side_s_positions() -> None:
    # As in the engine: the position is divided by the weight, so with weight 3 a side's
    # third place counts as much as the other side's first.
    assert rrf_term(2, 3.0, 2) == pytest.approx(rrf_term(0, 1.0, 2))
    dense = [hit("A1"), hit("B1"), hit("C1"), hit("D1")]
    sparse = [hit("E1"), hit("F1"), hit("G1"), hit("H1")]
    fused = ids(fuse_pages([dense, sparse], {}, weights=(3.0, 1.0)))
    assert fused.index("C1") < fused.index("F1")
    even = ids(fuse_pages([dense, sparse], {}, weights=(1.0, 1.0)))
    assert even.index("C1") > even.index("F1")


def test_a_page_is_a_page_else_a_section_else_the_chunk() -> None:
    assert page_of(hit("A1", page=3)) == page_of(hit("A2", page=3))
    assert page_of(hit("A1", page=3)) != page_of(hit("A1", page=4))
    assert page_of(hit("A1", heading="Paging")) == page_of(hit("A2", heading="Paging"))
    assert page_of(hit("A1")) != page_of(hit("A2"))


def test_a_chunk_only_one_side_found_still_ranks() -> None:
    fused = fuse_pages([[hit("A1")], [hit("B1")]], {}, weights=(2.0, 1.0))
    assert ids(fused) == ["A1", "B1"]


def test_rankings_and_weights_must_pair_up() -> None:
    with pytest.raises(ValueError, match="2 rankings but 1 weights"):
        fuse_pages([[], []], {}, weights=(1.0,))
