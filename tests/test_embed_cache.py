"""The embedding cache (indexer/embed_cache.py): a full re-index embeds only texts this
model never embedded; a changed text or model re-embeds exactly those; results do not move."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import update

from base.settings import Settings
from indexer.catalog import Document
from indexer.embed_cache import EmbeddingCache
from model.embedders import FakeEmbedder
from shirube.engine import Shirube

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
FILES = ["inkan_toroku_annai.txt", "kotei_shisanzei_guide.txt", "hinanjo_unei_manual.md"]
QUESTIONS = ["印鑑登録に必要なものは何ですか", "固定資産税の納税義務者", "避難所の運営は誰が行いますか"]


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, remembering every passage it was asked to embed."""

    def __init__(self, model_id: str | None = None) -> None:
        super().__init__()
        if model_id:
            self.model_id = model_id
        self.seen: list[str] = []

    def embed_passages(self, texts, progress=None):
        self.seen.extend(texts)
        return super().embed_passages(texts, progress)


def _open(home: Path, emb: CountingEmbedder, **kw) -> Shirube:
    kw.setdefault("weight_dense", 1.5)  # the cached vectors must rank exactly as fresh ones
    return Shirube(Settings.load(home=home, env={}, embedder="fake", **kw), embedder=emb)


def _indexed_texts(sh: Shirube) -> list[str]:
    from shirube.index_sync import chunk_text as _chunk_text

    return [_chunk_text(r) for r in sh._indexer._indexable_rows()]


def _top(sh: Shirube) -> list[list[tuple]]:
    return [[(h.document_id, h.text, round(h.score, 6)) for h in sh.search(q, k=5)] for q in QUESTIONS]


def test_full_reindex_embeds_nothing_unchanged_and_results_do_not_move(tmp_path, db_url):
    emb = CountingEmbedder()
    sh = _open(tmp_path, emb, db_url=db_url)  # the cache in SQLite and in PostgreSQL
    sh.ingest_bytes([(f, (SAMPLES / f).read_bytes()) for f in FILES])
    texts = _indexed_texts(sh)
    assert sorted(emb.seen) == sorted(texts) and len(texts) > 10
    before = _top(sh)
    emb.seen.clear()
    sh.reindex(full=True)
    assert emb.seen == []  # every vector came from the cache
    assert _top(sh) == before
    assert EmbeddingCache(sh._home.catalog).count(emb.model_id) == len(set(texts))


def test_a_changed_text_or_model_re_embeds_exactly_those(tmp_path):
    emb = CountingEmbedder()
    sh = _open(tmp_path, emb)
    sh.ingest_bytes([(f, (SAMPLES / f).read_bytes()) for f in FILES])
    old = set(_indexed_texts(sh))
    # A new title changes the indexed text (title, heading > article, body) of that document's chunks only.
    with sh._home.catalog.session() as s:
        doc_id = s.scalars(Document.__table__.select().with_only_columns(Document.id)
                           .where(Document.source.like("%inkan%"))).one()
        s.execute(update(Document).where(Document.id == doc_id).values(title="印鑑登録のご案内（改訂）"))
    emb.seen.clear()
    sh.reindex(full=True)
    new = _indexed_texts(sh)
    changed = [t for t in new if t not in old]
    assert changed and sorted(emb.seen) == sorted(changed)
    assert all(t.startswith("印鑑登録のご案内（改訂）") for t in emb.seen)

    # Re-chunking with other settings: only texts never embedded are.
    emb.seen.clear()
    small = Shirube(sh.settings.replace(chunk_tokens=64, chunk_overlap=8), embedder=emb)
    have = set(new)
    small.reindex(full=True)
    rechunked = _indexed_texts(small)
    assert sorted(emb.seen) == sorted({t for t in rechunked if t not in have})

    # Another model never reuses these vectors: everything is embedded again.
    other = CountingEmbedder("fake-bigram-hash-64-v2")
    sh2 = Shirube(sh.settings.replace(chunk_tokens=64, chunk_overlap=8), embedder=other)
    sh2.reindex(full=True)
    assert sorted(other.seen) == sorted(rechunked)
    cache = EmbeddingCache(sh._home.catalog)
    assert cache.count(other.model_id) == len(set(rechunked))
    assert cache.count(emb.model_id) == len(set(rechunked))  # pruned to what is indexed, model by model


def test_incremental_ingest_uses_the_cache(tmp_path):
    emb = CountingEmbedder()
    sh = _open(tmp_path, emb)
    body = (SAMPLES / FILES[0]).read_bytes()
    sh.ingest_bytes([("a.txt", body)])
    first = list(emb.seen)
    emb.seen.clear()
    # The same text under another name is a different file (no duplicate), but the
    # same title and sections: every chunk's indexed text is already cached.
    report = sh.ingest_bytes([("b.txt", body + b"\n")])
    assert [f.result for f in report.files] == ["ok"]
    assert first and emb.seen == []
    assert len(_indexed_texts(sh)) == 2 * len(first)


def test_cache_roundtrip_is_exact(tmp_path):
    sh = _open(tmp_path, CountingEmbedder())
    cache = EmbeddingCache(sh._home.catalog)
    vecs = np.random.default_rng(0).standard_normal((3, 64)).astype(np.float32)
    assert cache.put("m", ["a", "b", "a"], vecs) == 2  # a repeated text is stored once
    got = cache.get("m", 64, ["b", "c", "a"])
    assert sorted(got) == [0, 2]
    assert np.array_equal(got[0], vecs[1]) and np.array_equal(got[2], vecs[0])
    assert cache.get("m", 32, ["a"]) == {}  # another dimension is never reused
    assert cache.get("other", 64, ["a"]) == {}
