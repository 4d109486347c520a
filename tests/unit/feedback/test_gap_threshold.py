"""The grouping threshold, chosen on handwritten pairs with real MiniLM embeddings: every
pair on different topics stays under it, every paraphrase but one reaches it."""

from __future__ import annotations

import numpy as np

from byosc.feedback.gaps import THRESHOLD
from byosc.ports import Embedder

PARAPHRASES = [
    ("How do I bake sourdough bread?", "What is the recipe for sourdough?"),
    ("What is a B-tree and how is it used in file systems?", "How do B-trees index files on disk?"),
    ("How does RAID 5 protect data?", "What does RAID level 5 do when a disk fails?"),
    ("How does the Linux CFS scheduler work?", "What is the completely fair scheduler in Linux?"),
    ("What is a spinlock?", "How do spin locks work?"),
    ("Will the exam be open book?", "Can we bring notes to the final exam?"),
    ("How does garbage collection work in Java?", "What does the JVM garbage collector do?"),
    ("What is copy-on-write in fork?", "How does fork use copy on write pages?"),
    (
        "How do containers differ from virtual machines?",
        "What is the difference between Docker containers and VMs?",
    ),
]
# Same topic in other words only: MiniLM scores it 0.47, under the threshold (see gaps.py).
SYNONYMS_ONLY = ("What is a hypervisor?", "How do virtual machine monitors work?")
DIFFERENT_TOPICS = [
    ("How does RAID 5 protect data?", "What is a hypervisor?"),
    ("What is a spinlock?", "What is a B-tree and how is it used in file systems?"),
    ("How does the Linux CFS scheduler work?", "How does garbage collection work in Java?"),
    ("Will the exam be open book?", "How does RAID 5 protect data?"),
    ("What is copy-on-write in fork?", "How do containers differ from virtual machines?"),
    ("What is a spinlock?", "What is a hypervisor?"),
    ("How does the Linux CFS scheduler work?", "What is a spinlock?"),
    ("How do B-trees index files on disk?", "How does RAID 5 protect data?"),
    ("What is copy-on-write in fork?", "What is a spinlock?"),
    ("How do virtual machine monitors work?", "How do containers differ from virtual machines?"),
    ("What is the completely fair scheduler in Linux?", "What is a spinlock?"),
]


def _cosines(embedder: Embedder, pairs: list[tuple[str, str]]) -> list[float]:
    firsts = np.asarray(embedder.embed_documents([a for a, _ in pairs]))
    seconds = np.asarray(embedder.embed_documents([b for _, b in pairs]))
    return [float(c) for c in np.sum(firsts * seconds, axis=1)]


def test_every_paraphrase_pair_reaches_the_threshold(embedder: Embedder) -> None:
    assert min(_cosines(embedder, PARAPHRASES)) >= THRESHOLD


def test_every_pair_on_different_topics_stays_under_the_threshold(embedder: Embedder) -> None:
    assert max(_cosines(embedder, DIFFERENT_TOPICS)) < THRESHOLD


def test_a_paraphrase_by_synonyms_alone_is_the_known_miss(embedder: Embedder) -> None:
    assert _cosines(embedder, [SYNONYMS_ONLY])[0] < THRESHOLD
