"""One contract for every SearchIndex that runs here: Qdrant Edge, Edge over HTTP (HttpIndex)
and qdrant-client local mode."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from qdrant_client import QdrantClient

from byosc.domain import Chunk, chunk_id
from byosc.index import open_index
from byosc.index.edge import EdgeIndex
from byosc.index.qdrant import QdrantIndex
from byosc.settings import IndexSettings, Settings
from tests.support.http_index import ServedHttpIndex

if TYPE_CHECKING:
    from byosc.embed.sentence_transformers import SentenceTransformerEmbedder

DIM = 8
AnyIndex = EdgeIndex | QdrantIndex | ServedHttpIndex
Opener = Callable[[Path, int], AnyIndex]


def unit(values: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


def random_vector(rng: random.Random) -> list[float]:
    return unit([rng.uniform(-1, 1) for _ in range(DIM)])


def make_chunk(course_id: str, document_id: str, index: int, text: str = "", **where: Any) -> Chunk:
    return Chunk(
        id=chunk_id(course_id, document_id, index),
        course_id=course_id,
        document_id=document_id,
        index=index,
        text=text or f"{course_id} {document_id} chunk {index}",
        title=f"Title of {document_id}",
        filename=f"{document_id}.pdf",
        **where,
    )


def open_edge(tmp_path: Path, dimension: int) -> EdgeIndex:
    return EdgeIndex(tmp_path / "shard", dimension)


def open_qdrant_local(tmp_path: Path, dimension: int) -> QdrantIndex:
    return QdrantIndex(QdrantClient(":memory:"), "chunks", dimension)


def open_http(tmp_path: Path, dimension: int) -> ServedHttpIndex:
    return ServedHttpIndex(tmp_path / "shard", dimension)


OPENERS: dict[str, Opener] = {
    "edge": open_edge,
    "http": open_http,
    "qdrant-local": open_qdrant_local,
}


@pytest.fixture(params=sorted(OPENERS))
def opener(request: pytest.FixtureRequest) -> Opener:
    return OPENERS[request.param]


@pytest.fixture
def index(opener: Opener, tmp_path: Path) -> Iterator[AnyIndex]:
    opened = opener(tmp_path, DIM)
    yield opened
    opened.close()


@pytest.fixture
def filled(index: AnyIndex) -> dict[str, list[float]]:
    """Two courses, two documents each, three chunks per document; vectors by chunk ID."""
    rng = random.Random(7)
    chunks = [
        make_chunk(course, f"{course}-doc{d}", i)
        for course in ("cs1", "cs2")
        for d in (1, 2)
        for i in range(3)
    ]
    vectors = [random_vector(rng) for _ in chunks]
    index.upsert(chunks, vectors)
    return {c.id: v for c, v in zip(chunks, vectors, strict=True)}


def test_the_chunk_nearest_to_the_query_comes_first(
    index: AnyIndex, filled: dict[str, list[float]]
) -> None:
    target = chunk_id("cs1", "cs1-doc2", 1)
    hits = index.search("cs1", filled[target], "", 3)
    assert hits[0].chunk.id == target
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_never_returns_another_courses_chunks(
    index: AnyIndex, filled: dict[str, list[float]]
) -> None:
    other_course_vector = filled[chunk_id("cs2", "cs2-doc1", 0)]
    hits = index.search("cs1", other_course_vector, "", 50)
    assert len(hits) == 6
    assert {h.chunk.course_id for h in hits} == {"cs1"}


def test_an_unknown_course_finds_nothing(index: AnyIndex, filled: dict[str, list[float]]) -> None:
    assert index.search("nobody", next(iter(filled.values())), "chunk", 5) == []
    assert index.count("nobody") == 0


def test_a_chunk_comes_back_with_all_its_fields(index: AnyIndex) -> None:
    chunk = make_chunk(
        "cs1", "lec", 0, "Round robin.", page=4, heading="Sched > RR", start_s=1.5, end_s=9.0
    )
    index.upsert([chunk], [unit([1.0] * DIM)])
    [hit] = index.search("cs1", unit([1.0] * DIM), "", 5)
    assert hit.chunk == chunk


def test_upserting_the_same_chunks_again_does_not_change_the_count(
    index: AnyIndex, filled: dict[str, list[float]]
) -> None:
    chunks = [make_chunk("cs1", "cs1-doc1", i, text="rewritten") for i in range(3)]
    index.upsert(chunks, [filled[c.id] for c in chunks])
    assert index.count("cs1") == 6
    hit = index.search("cs1", filled[chunks[0].id], "", 1)[0]
    assert hit.chunk.text == "rewritten"


def test_a_documents_chunks_come_back_in_order_and_only_its_own(index: AnyIndex) -> None:
    rng = random.Random(5)
    # More than one scroll page, written out of order.
    mine = [make_chunk("cs1", "big", i, f"part {i}") for i in reversed(range(300))]
    others = [make_chunk("cs1", "other", 0), make_chunk("cs2", "big", 0)]
    index.upsert(mine + others, [random_vector(rng) for _ in mine + others])
    chunks = index.chunks("cs1", "big")
    assert [c.index for c in chunks] == list(range(300))
    assert chunks[7].text == "part 7"
    assert index.chunks("cs2", "missing") == []


def test_deleting_a_document_removes_exactly_its_chunks(
    index: AnyIndex, filled: dict[str, list[float]]
) -> None:
    index.delete_document("cs1", "cs1-doc1")
    assert index.count("cs1") == 3
    assert index.count("cs2") == 6
    hits = index.search("cs1", filled[chunk_id("cs1", "cs1-doc1", 0)], "", 10)
    assert {h.chunk.document_id for h in hits} == {"cs1-doc2"}


def test_deleting_a_document_through_another_course_removes_nothing(
    index: AnyIndex, filled: dict[str, list[float]]
) -> None:
    index.delete_document("cs2", "cs1-doc1")
    assert (index.count("cs1"), index.count("cs2")) == (6, 6)


def test_deleting_a_course_removes_exactly_its_chunks(
    index: AnyIndex, filled: dict[str, list[float]]
) -> None:
    index.delete_course("cs1")
    assert (index.count("cs1"), index.count("cs2")) == (0, 6)


def test_vectors_of_another_dimension_are_refused(index: AnyIndex) -> None:
    with pytest.raises(ValueError, match="dimension"):
        index.upsert([make_chunk("cs1", "d", 0)], [[1.0, 0.0]])


def test_keyword_search_finds_the_chunk_containing_the_words(index: AnyIndex) -> None:
    texts = [
        "Round robin scheduling gives every process an equal time slice.",
        "A page table maps virtual pages to physical frames.",
        "Deadlock needs mutual exclusion, hold and wait, no preemption, circular wait.",
    ]
    rng = random.Random(3)
    chunks = [make_chunk("cs1", "os", i, text) for i, text in enumerate(texts)]
    index.upsert(chunks, [random_vector(rng) for _ in chunks])
    index.upsert([make_chunk("cs2", "x", 0, "page table page table frames")], [unit([1.0] * DIM)])
    sparse = index.search("cs1", [], "what maps a page to a frame?", 3, mode="sparse")
    assert sparse[0].chunk.index == 1
    assert {h.chunk.course_id for h in sparse} == {"cs1"}
    for mode in ("hybrid", "hybrid-dbsf"):
        hybrid = index.search("cs1", random_vector(rng), "circular wait deadlock", 3, mode=mode)
        assert hybrid[0].chunk.index == 2, mode


@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid", "hybrid-dbsf"])
def test_a_search_returns_the_dense_vectors_only_when_asked(index: AnyIndex, mode: str) -> None:
    chunk = make_chunk("cs1", "os", 0, "A semaphore counts permits.")
    vector = unit([float(i + 1) for i in range(DIM)])
    index.upsert([chunk], [vector])
    with_vectors = index.search("cs1", vector, "semaphore", 1, mode=mode, with_vectors=True)  # type: ignore[arg-type]
    assert with_vectors[0].vector == pytest.approx(vector, abs=1e-6)
    plain = index.search("cs1", vector, "semaphore", 1, mode=mode)  # type: ignore[arg-type]
    assert plain[0].vector is None
    assert "vector" not in plain[0].model_dump()


def test_an_edge_index_reopened_from_disk_still_has_its_points(tmp_path: Path) -> None:
    chunk = make_chunk("cs1", "persist", 0, "Kept across restarts.")
    first = EdgeIndex(tmp_path / "shard", DIM)
    first.upsert([chunk], [unit([1.0] * DIM)])
    first.close()
    reopened = EdgeIndex(tmp_path / "shard", DIM)
    try:
        assert reopened.count("cs1") == 1
        assert reopened.search("cs1", unit([1.0] * DIM), "", 1)[0].chunk == chunk
    finally:
        reopened.close()


def test_an_edge_index_refuses_to_reopen_with_another_dimension(tmp_path: Path) -> None:
    EdgeIndex(tmp_path / "shard", DIM).close()
    with pytest.raises(RuntimeError, match="vector size"):
        EdgeIndex(tmp_path / "shard", DIM * 2)


def test_open_index_builds_the_configured_kind(tmp_path: Path) -> None:
    edge = open_index(Settings(data_dir=tmp_path), DIM)
    try:
        assert isinstance(edge, EdgeIndex)
        assert edge.path == tmp_path / "index"
    finally:
        edge.close()
    with pytest.raises(ValueError, match="http"):
        open_index(Settings(data_dir=tmp_path, index=IndexSettings(kind="http")), DIM)


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    from byosc.embed.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.mark.slow
def test_with_the_real_embedder_a_paraphrased_question_finds_its_passage(
    opener: Opener, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    passages = [
        "Round robin scheduling gives each process a fixed time quantum in turn.",
        "A TLB caches recent virtual-to-physical address translations.",
        "The banker's algorithm avoids deadlock by checking for safe states.",
        "RAID 1 mirrors every block onto two disks.",
    ]
    chunks = [make_chunk("cs1", "os", i, text) for i, text in enumerate(passages)]
    index = opener(tmp_path, embedder.dimension)
    try:
        index.upsert(chunks, embedder.embed_documents(passages))
        question = (
            "How does the OS stop processes from getting stuck waiting on each other forever?"
        )
        hits = index.search("cs1", embedder.embed_query(question), question, 2)
        assert hits[0].chunk.text == passages[2]
    finally:
        index.close()
