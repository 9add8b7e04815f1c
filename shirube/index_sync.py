"""The catalog database as the index's system of record: any server rebuilds the live generation.

Every generation a writer publishes is recorded in the catalog with its chunk ids and manifest
(``generations.chunk_ids`` / ``manifest``, revision 0010). Chunk text and stored terms are
catalog rows, passage vectors sit in the embedding cache under the model id, labels and
departments are document rows. So a server whose home lacks the live generation — a new server
started with only the database URL, or one that another server's ingest left behind — rebuilds
it here: BM25 and n-gram from the stored terms, FAISS from the cached vectors (embedding only
what the cache lacks), written under the generation's own name and switched to atomically.

Generation numbers come from the catalog under the database write lock
(:func:`indexer.db_locks.database_write_lock`), so they grow across servers, and a server only
ever moves forward: a home whose ``CURRENT`` is as new as the catalog's live generation (the
writer's own home, between its switch and the catalog update) is left alone. The searcher
checks at most every ``index_sync_s`` seconds (one small query), at once while its home has
no generation, and at once when a hit's rows are gone (another server purged them after its
switch); a query is answered from one generation, the one it started on or the rebuilt one.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import re
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Row

from base.errors import SearchIndexError
from base.settings import Settings
from indexer.catalog import ChunkRow, Document, Generation, SectionRow
from indexer.embed_cache import EmbeddingCache
from jtext.terms import gram_terms, index_text
from model.embedders import Embedder
from retrieval.bm25 import BM25Index
from retrieval.dense import DenseIndex

from .home import Home

Progress = Callable[[str, int, int], None]  # (stage, done, total)
_NUM = re.compile(r"^gen-(\d+)$")
_SLICE_PER_CORE = 4  # texts embedded between two pauses for questions, per CPU core
_IN_BATCH = 5000  # ids per IN (...) list
SYNC_LOCK = ".sync.lock"


# -- what a generation is made of ------------------------------------------------------
def gen_number(name: str | None) -> int:
    m = _NUM.match(name or "")
    return int(m.group(1)) if m else 0


def pack_ids(ids: np.ndarray) -> bytes:
    """Sorted chunk ids → delta-coded int64, zlib (1 M ids ≈ a few hundred KB)."""
    arr = np.asarray(ids, np.int64)
    return zlib.compress(np.diff(arr, prepend=np.int64(0)).astype("<i8").tobytes(), 6)


def unpack_ids(blob: bytes) -> np.ndarray:
    return np.cumsum(np.frombuffer(zlib.decompress(blob), "<i8")).astype(np.int64)


def chunk_query() -> Any:
    """(id, terms, text, title, heading, article, document_id) of chunks, in id order."""
    return (select(ChunkRow.id, ChunkRow.terms, ChunkRow.text, Document.title, SectionRow.heading, SectionRow.article,
                   ChunkRow.document_id)
            .join(Document, Document.id == ChunkRow.document_id)
            .join(SectionRow, SectionRow.id == ChunkRow.section_id)
            .order_by(ChunkRow.id))


def chunk_text(r: Row[Any]) -> str:
    """What a chunk is indexed as: title, heading > article, text."""
    return index_text(r.title, " > ".join(p for p in (r.heading, r.article) if p) or None, r.text)


def lexical(rows: Sequence[Row[Any]], ids: np.ndarray, settings: Settings,
            progress: Progress) -> tuple[BM25Index, BM25Index]:
    """The word BM25 (stored morphological terms) and the character n-gram BM25."""
    progress("bm25", 0, 1)
    k1, b = settings.bm25_k1, settings.bm25_b
    bm25 = BM25Index.build(ids.tolist(), (r.terms.split() for r in rows), k1=k1, b=b)
    ngram = BM25Index.build(ids.tolist(), (gram_terms(chunk_text(r)) for r in rows), k1=k1, b=b)
    progress("bm25", 1, 1)
    return bm25, ngram


def embed_slices(
    emb: Embedder, texts: list[str], progress: Progress, pause: Callable[[], object] = lambda: None,
) -> np.ndarray:
    """Vectors of ``texts``, embedded in small length-sorted slices with ``pause``
    before each: a writer yields to questions in flight between slices (a question's
    query embedding waits for one slice at most, not for a whole batch)."""
    out = np.zeros((len(texts), emb.dim), np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    step = max(1, min(int(getattr(emb, "batch_size", 32) or 32), _SLICE_PER_CORE * (os.cpu_count() or 1)))
    progress("embed", 0, len(texts))
    for lo in range(0, len(order), step):
        pause()
        idx = order[lo:lo + step]
        out[idx] = emb.embed_passages([texts[i] for i in idx])
        progress("embed", lo + len(idx), len(texts))
    return out


def cached_vectors(cache: EmbeddingCache, emb: Embedder, texts: list[str]) -> tuple[np.ndarray, list[int]]:
    """The vectors of ``texts`` the catalog's cache holds for ``emb`` (zero rows for the rest)
    and the indices of the texts it lacks: a text is never embedded twice by one model."""
    out = np.zeros((len(texts), emb.dim), np.float32)
    hits = cache.get(emb.model_id, emb.dim, texts)
    for i, v in hits.items():
        out[i] = v
    return out, [i for i in range(len(texts)) if i not in hits]


@dataclass(frozen=True)
class LiveRow:
    name: str
    chunk_ids: bytes | None
    manifest: dict[str, Any] | None
    embedder: str
    dim: int


# -- catching up -------------------------------------------------------------------------
class IndexSync:
    def __init__(self, home: Home) -> None:
        self._home = home
        self._lock = threading.Lock()
        self._checked = float("-inf")

    def live(self) -> LiveRow | None:
        """The catalog's live generation."""
        with self._home.question_session() as s:
            g = s.scalars(select(Generation).where(Generation.status == "live").order_by(Generation.id.desc())).first()
            return LiveRow(g.name, g.chunk_ids, g.manifest, g.embedder, g.dim) if g is not None else None

    def next_name(self) -> str:
        """The next generation's name: past every one here and in the catalog (under the write lock)."""
        with self._home.catalog.session() as s:
            names = s.scalars(select(Generation.name)).all()
        n = max([gen_number(x) for x in [*names, *self._home.store.generations()]] or [0])
        return f"gen-{n + 1:06d}"

    def maybe_converge(self) -> None:
        """Before a question: catch up if ``index_sync_s`` has passed (or the home has no index)."""
        now = time.monotonic()
        if now - self._checked < self._home.settings.index_sync_s and self._home.store.current_name() is not None:
            return
        self._checked = now
        self.converge()

    def converge(self, progress: Progress = lambda *_: None) -> str | None:
        """Make this home's ``CURRENT`` the catalog's live generation when it is behind; the name live here."""
        store = self._home.store
        for _ in range(3):
            live = self.live()
            local = store.current_name()
            if live is None or live.chunk_ids is None or gen_number(local) >= gen_number(live.name):
                return local  # nothing published, published before revision 0010, or up to date
            with self._lock, open(store.root / SYNC_LOCK, "a+") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)  # one rebuild per home, across its processes
                if gen_number(store.current_name()) >= gen_number(live.name):
                    return store.current_name()
                if (store.root / live.name).is_dir() and not store.verify(live.name):
                    store.switch(live.name)
                    return live.name
                if self._build(live, progress):
                    return live.name
            # its rows are gone: a newer generation went live meanwhile; catch up to that one
        return store.current_name()

    def _build(self, live: LiveRow, progress: Progress) -> bool:
        home, st = self._home, self._home.settings
        ids = unpack_ids(live.chunk_ids or b"")
        rows: list[Row[Any]] = []
        with home.question_session() as s:
            for lo in range(0, len(ids), _IN_BATCH):
                rows += s.execute(chunk_query().where(ChunkRow.id.in_(ids[lo:lo + _IN_BATCH].tolist()))).all()
        if len(rows) != len(ids):
            return False
        emb = home.embedder
        if live.embedder and live.embedder != emb.model_id:
            raise SearchIndexError(
                f"索引世代 {live.name} は埋め込みモデル {live.embedder} で作成されていますが、このサーバーの設定は"
                f" {emb.model_id} です。すべてのサーバーで同じ embedder を設定してください。")
        texts = [chunk_text(r) for r in rows]
        cache = EmbeddingCache(home.catalog)
        vecs, miss = cached_vectors(cache, emb, texts)
        if miss:  # vectors embedded before the cache existed (revision 0009), or evicted
            # no pause for questions: this rebuild runs for a question (which holds its own
            # in-flight marker) and every question of this server waits for it anyway
            vecs[miss] = embed_slices(emb, [texts[i] for i in miss], progress)
            cache.put(emb.model_id, [texts[i] for i in miss], vecs[miss])
        dense = DenseIndex.create(emb.dim, st.index_type, n_hint=len(rows))
        dense.add(ids, vecs)
        bm25, ngram = lexical(rows, ids, st, progress)
        manifest = {**(live.manifest or {}), "rebuilt_from_catalog": dt.datetime.now(dt.timezone.utc).isoformat(),
                    "embedded_here": len(miss)}
        home.store.write(dense, bm25, ngram, manifest, name=live.name, adopt=True)
        home.store.cleanup(st.keep_generations)
        return True
