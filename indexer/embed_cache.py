"""Passage vectors kept in the catalog, keyed by (embedder model id, sha256 of the text).

A full re-index re-chunks every document; most chunks come back with exactly the
text they had, so their vectors are looked up here instead of being embedded
again (embedding is what a CPU re-index spends its time on). The key is the
*exact* text the embedder saw (title, heading > article, body: ``jtext.terms.index_text``)
and the model id, so a changed chunk or a changed model never reuses a vector.
Stored in the catalog (``embedding_cache``, revision 0009) rather than beside the
index files: it survives generations, is shared by every process of a home, and is
where the vectors of a database-backed dense index would live.

>>> cache = EmbeddingCache(catalog)                               # doctest: +SKIP
>>> found = cache.get("fake-bigram-hash-64", 64, ["第1条 …"])     # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select

from .tables import EmbeddingCacheRow

_IN_CHUNK = 500  # keys per IN (…): well under SQLite's parameter limit


def text_key(text: str) -> str:
    """sha256 (hex) of the exact text embedded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Lookups and inserts over the catalog's ``embedding_cache`` table.

    ``catalog`` is an :class:`indexer.catalog.Catalog` (anything with ``session()``).
    """

    def __init__(self, catalog: Any) -> None:
        self._catalog = catalog

    def get(self, model_id: str, dim: int, texts: Sequence[str]) -> dict[int, np.ndarray]:
        """Cached vectors of ``texts`` for ``model_id``: {position in ``texts``: float32 row}."""
        keys = [text_key(t) for t in texts]
        found: dict[str, np.ndarray] = {}
        unique = sorted(set(keys))
        with self._catalog.session() as s:
            for lo in range(0, len(unique), _IN_CHUNK):
                part = unique[lo:lo + _IN_CHUNK]
                for key, d, blob in s.execute(
                    select(EmbeddingCacheRow.text_sha256, EmbeddingCacheRow.dim, EmbeddingCacheRow.vector)
                    .where(EmbeddingCacheRow.model_id == model_id, EmbeddingCacheRow.text_sha256.in_(part))
                ):
                    if d == dim and len(blob) == 4 * dim:  # a row of another shape is never used
                        found[key] = np.frombuffer(blob, dtype=np.float32)
        return {i: found[k] for i, k in enumerate(keys) if k in found}

    def put(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> int:
        """Remember ``vectors`` (one row per text) for ``model_id``; returns rows added.
        Texts already cached (or repeated) are written once."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        rows: dict[str, bytes] = {}
        for t, v in zip(texts, vectors):
            rows.setdefault(text_key(t), v.tobytes())
        if not rows:
            return 0
        dim = int(vectors.shape[1])
        added = 0
        with self._catalog.session() as s:
            keys = sorted(rows)
            for lo in range(0, len(keys), _IN_CHUNK):
                part = keys[lo:lo + _IN_CHUNK]
                have = set(s.scalars(
                    select(EmbeddingCacheRow.text_sha256)
                    .where(EmbeddingCacheRow.model_id == model_id, EmbeddingCacheRow.text_sha256.in_(part))
                ))
                new = [EmbeddingCacheRow(model_id=model_id, text_sha256=k, dim=dim, vector=rows[k])
                       for k in part if k not in have]
                s.add_all(new)
                s.flush()
                added += len(new)
        return added

    def keep_only(self, model_id: str, texts: Iterable[str]) -> int:
        """Drop ``model_id``'s vectors of texts no longer indexed (after a full re-index), so
        the cache stays the size of the corpus; other models' rows stay (switching back reuses
        them). Returns rows removed."""
        keep = {text_key(t) for t in texts}
        with self._catalog.session() as s:
            stale = [k for k in s.scalars(select(EmbeddingCacheRow.text_sha256)
                                          .where(EmbeddingCacheRow.model_id == model_id)) if k not in keep]
            for lo in range(0, len(stale), _IN_CHUNK):
                s.execute(delete(EmbeddingCacheRow).where(
                    EmbeddingCacheRow.model_id == model_id, EmbeddingCacheRow.text_sha256.in_(stale[lo:lo + _IN_CHUNK])))
        return len(stale)

    def count(self, model_id: str | None = None) -> int:
        """Vectors cached (for ``model_id``, or for every model)."""
        q = select(func.count()).select_from(EmbeddingCacheRow)
        if model_id is not None:
            q = q.where(EmbeddingCacheRow.model_id == model_id)
        with self._catalog.session() as s:
            return int(s.scalar(q) or 0)
