"""What hybrid ranking needs of an index, and the record every search returns.

:class:`LexicalIndex` is met by :class:`retrieval.bm25.BM25Index` (lemmas and
character bigrams alike), :class:`VectorIndex` by
:class:`retrieval.dense.DenseIndex` (FAISS) and by
:class:`retrieval.pgvector.PgVectorIndex` (PostgreSQL + pgvector): a dense backend
only has to provide these three methods to be ranked and fused the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple, Protocol

import numpy as np


class Scored(NamedTuple):
    """Top candidates of one search: chunk ids and their scores, best first.

    Unpacks like the ``(ids, scores)`` pair it replaces.
    """

    ids: np.ndarray  # int64 chunk ids
    scores: np.ndarray  # float32, same order


class LexicalIndex(Protocol):
    """A term index scoring every row at once (BM25)."""

    @property
    def ids(self) -> np.ndarray:
        """int64 chunk ids, in row order."""
        ...

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """Score of every row for the query terms, aligned with :attr:`ids`."""
        ...

    def rows(self, chunk_ids: Iterable[int]) -> np.ndarray:
        """Row numbers of the given chunk ids (ids the index lacks are skipped)."""
        ...


class VectorIndex(Protocol):
    """A dense index over L2-normalised vectors (inner product = cosine)."""

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> Scored:
        """Top-``k``; ``allowed_ids`` restricts the search before ranking, never after."""
        ...

    def vectors_for(self, ids: list[int]) -> np.ndarray:
        """One row per id, in order; an unknown id gets a zero vector."""
        ...


class RankIndexes(Protocol):
    """The three indexes of one generation that :func:`retrieval.hybrid.rank` reads
    (a :class:`retrieval.store.Snapshot` is one)."""

    @property
    def bm25(self) -> LexicalIndex: ...

    @property
    def ngram(self) -> LexicalIndex: ...

    @property
    def dense(self) -> VectorIndex: ...
