"""Per-course spellers for search queries: the words of the course's indexed chunks, kept
in memory per course and built again when the course's documents change."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from byosc.ports import Catalog, SearchIndex

if TYPE_CHECKING:  # the speller needs numpy, which the gateway image (this module's CLI) lacks
    from byosc.rag.spelling import Speller

# Courses whose spellers stay in memory (about 14 MB for one of 30,000 distinct words).
CACHED_COURSES = 16


class CourseSpellers:
    """Corrects a query to the words of the course it searches."""

    def __init__(self, catalog: Catalog, index: SearchIndex) -> None:
        self.catalog = catalog
        self.index = index
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[frozenset[str], Speller]] = OrderedDict()

    def correct(self, course_id: str, query: str) -> str:
        return self.speller(course_id).correct(query)

    def speller(self, course_id: str) -> Speller:
        # A document's ID is derived from its content, so the set of IDs changes whenever
        # a document is added, replaced or deleted: that is when the words change.
        documents = frozenset(d.id for d in self.catalog.list_documents(course_id))
        with self._lock:
            cached = self._cache.get(course_id)
            if cached is not None and cached[0] == documents:
                self._cache.move_to_end(course_id)
                return cached[1]
        speller = self._build(course_id, documents)
        with self._lock:
            self._cache[course_id] = (documents, speller)
            self._cache.move_to_end(course_id)
            while len(self._cache) > CACHED_COURSES:
                self._cache.popitem(last=False)
        return speller

    def _build(self, course_id: str, documents: frozenset[str]) -> Speller:
        # Both load libraries the gateway image (this module's CLI) lacks: qdrant_edge, numpy.
        from byosc.index.points import sparse_query, sparse_text
        from byosc.rag.spelling import Speller, english_words, word_frequencies

        texts = [
            sparse_text(chunk)
            for document_id in sorted(documents)
            for chunk in self.index.chunks(course_id, document_id)
        ]
        frequencies = word_frequencies(texts)
        # What BM25 matches are its terms (stemmed, stop words dropped): a query word is
        # known when its terms are among those of the course's words.
        terms = {term for word in frequencies for term in sparse_query(word)[0]}
        english = english_words()

        def known(word: str) -> bool:
            return word in frequencies or word in english or set(sparse_query(word)[0]) <= terms

        return Speller(frequencies, known)
