from pathlib import Path

import pytest

from byosc.domain import Chunk, ScoredChunk
from byosc.rag.rerank import CrossEncoderReranker, cosine_to, mmr


def scored(n: int, vector: list[float], text: str = "") -> ScoredChunk:
    chunk = Chunk(
        id=f"c{n}",
        course_id="cs",
        document_id="d",
        index=n,
        text=text or f"chunk {n}",
        title="T",
        filename="t.md",
    )
    return ScoredChunk(chunk=chunk, score=1.0 - n / 10, vector=vector)


def test_mmr_skips_near_copies_of_a_chunk_already_picked() -> None:
    candidates = [
        scored(0, [1.0, 0.0, 0.0]),
        scored(1, [0.99, 0.01, 0.0]),  # almost the same slide again
        scored(2, [0.98, 0.02, 0.0]),
        scored(3, [0.0, 1.0, 0.0]),
    ]
    picked = mmr(candidates, 2, lambda_=0.5)
    assert [c.chunk.index for c in picked] == [0, 3]


def test_mmr_with_lambda_one_keeps_the_incoming_order() -> None:
    candidates = [scored(i, [1.0, 0.01 * i, 0.0]) for i in range(5)]
    assert [c.chunk.index for c in mmr(candidates, 3, lambda_=1.0)] == [0, 1, 2]


def test_mmr_needs_the_candidates_vectors() -> None:
    bare = [scored(0, [1.0]).model_copy(update={"vector": None}), scored(1, [1.0])]
    with pytest.raises(ValueError, match="with_vectors"):
        mmr(bare, 2, lambda_=0.5)


def test_cosine_to_scores_each_candidate_against_the_query() -> None:
    candidates = [scored(0, [2.0, 0.0]), scored(1, [0.0, 3.0]), scored(2, [1.0, 1.0])]
    assert cosine_to([1.0, 0.0], candidates).tolist() == pytest.approx([1.0, 0.0, 0.7071], abs=1e-4)


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory, byosc_home: Path) -> Path:
    """A small BERT cross-encoder with random weights and MiniLM's tokenizer: no cross-encoder
    ships offline, and the point here is the plumbing, not the model's judgement."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        num_labels=1,
        vocab_size=30522,
    )
    path = tmp_path_factory.mktemp("cross-encoder")
    BertForSequenceClassification(config).save_pretrained(path)
    tokenizer_dir = byosc_home / "models" / "all-minilm-l6-v2"
    AutoTokenizer.from_pretrained(tokenizer_dir, local_files_only=True).save_pretrained(path)
    return path


def test_the_cross_encoder_orders_candidates_by_its_own_scores(tiny_cross_encoder: Path) -> None:
    from sentence_transformers import CrossEncoder

    texts = ["paging splits memory into frames", "a semaphore counts", "round robin", "disk"]
    candidates = [scored(i, [1.0], text) for i, text in enumerate(texts)]
    reranked = CrossEncoderReranker(tiny_cross_encoder).rerank("what is paging?", candidates)
    expected = CrossEncoder(str(tiny_cross_encoder)).predict(
        [("what is paging?", t) for t in texts]
    )
    assert [c.chunk.text for c in reranked] == [
        texts[i] for i in sorted(range(4), key=lambda i: -expected[i])
    ]
    assert [c.score for c in reranked] == sorted((float(s) for s in expected), reverse=True)


def test_a_missing_cross_encoder_directory_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no cross-encoder"):
        CrossEncoderReranker(tmp_path / "nope")
