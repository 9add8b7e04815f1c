"""Allowed-set caches (retrieval/masks.py): a filtered query reuses the row masks and FAISS
selectors built for its allowed-id array; results are the same as without the cache, and
a relabel (a new access-list version, so a new allowed array) gets fresh ones."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from base.settings import Settings
from jtext.terms import gram_terms, lemma_terms
from model.embedders import FakeEmbedder
from retrieval.access import AccessFilter
from retrieval.bm25 import BM25Index
from retrieval.dense import DenseIndex
from retrieval.hybrid import rank
from retrieval.masks import PerAllowed, freeze, row_mask, row_mask_builds
from shirube.engine import Shirube

DOCS = [
    "育児休業は子が一歳に達するまで取得できる。保育所に入れない場合は延長できる。",
    "避難所の運営は自主防災組織と市職員が協力して行う。",
    "固定資産税の納税義務者は一月一日現在の所有者である。",
    "犬の登録手数料は三千円とする。狂犬病予防注射は毎年受けること。",
    "避難所では食料と飲料水を三日分備蓄する。",
    "印鑑登録には本人確認書類が必要である。",
]


def _snap(ids):
    emb = FakeEmbedder()
    vecs = emb.embed_passages(DOCS)
    dense = DenseIndex.create(emb.dim, device="cpu")
    dense.add(ids, vecs)
    return emb, SimpleNamespace(
        dense=dense,
        bm25=BM25Index.build(ids.tolist(), [lemma_terms(d) for d in DOCS]),
        ngram=BM25Index.build(ids.tolist(), [gram_terms(d) for d in DOCS]),
    )


def _ranked(r):
    return [(x.chunk_id, round(x.score, 6)) for x in r]


@pytest.mark.parametrize("base", [100, (1 << 40)])  # bitmap selector / hash-set selector
def test_cached_masks_give_the_same_results_and_are_built_once(base):
    ids = np.arange(base, base + len(DOCS), dtype=np.int64)
    emb, snap = _snap(ids)
    allowed = freeze(np.array([base + 1, base + 3, base + 4], np.int64))
    questions = ["避難所の運営", "犬の登録", "育児休業の延長", "食料の備蓄"]
    fresh = [_ranked(rank(snap, emb, q, 3, allowed_ids=allowed.copy())) for q in questions]  # writable: never cached
    first = _ranked(rank(snap, emb, questions[0], 3, allowed_ids=allowed))
    masks, selectors = row_mask_builds(), snap.dense._selectors.builds
    cached = [first] + [_ranked(rank(snap, emb, q, 3, allowed_ids=allowed)) for q in questions[1:]]
    assert cached == fresh
    assert row_mask_builds() == masks and snap.dense._selectors.builds == selectors  # nothing rebuilt
    assert {c for r in cached for c, _ in r} <= set(allowed.tolist())


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_filtered_dense_search_matches_brute_force(kind):
    rng = np.random.default_rng(3)
    n, dim = 400, 16
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = np.arange(7, 7 + n, dtype=np.int64) * 3  # sparse ids
    dense = DenseIndex.create(dim, kind, n_hint=n, device="cpu")
    dense.add(ids, vecs)
    allowed = freeze(np.sort(rng.choice(ids, n // 3, replace=False)))
    keep = np.isin(ids, allowed)
    for q in vecs[:10]:
        want = ids[keep][np.argsort(-(vecs[keep] @ q), kind="stable")[:10]]
        got = dense.search(q, 10, allowed).ids
        assert set(got.tolist()) <= set(allowed.tolist())
        if kind == "flat":
            assert got.tolist() == want.tolist()
        else:  # approximate, but searched inside the allowed set
            assert len(set(got.tolist()) & set(want.tolist())) >= 8


def test_a_new_array_never_gets_a_stale_mask():
    ids = np.arange(10, dtype=np.int64)
    seen = []
    for k in range(20):  # arrays freed and allocated again may reuse an id(): never a stale mask
        allowed = freeze(np.array([k % 10], np.int64))
        seen.append(np.flatnonzero(row_mask(ids, allowed)).tolist())
        del allowed
    assert seen == [[k % 10] for k in range(20)]
    cache: PerAllowed[int] = PerAllowed(lambda owner, a: int(a.sum()), size=2)
    arrays = [freeze(np.array([i], np.int64)) for i in range(3)]
    assert [cache.get(ids, a) for a in arrays] == [0, 1, 2] and cache.builds == 3
    assert cache.get(ids, arrays[2]) == 2 and cache.builds == 3
    assert cache.get(ids, arrays[0]) == 0 and cache.builds == 4  # evicted (oldest first), rebuilt
    del arrays[0]
    assert len(cache._entries) == 1  # an entry goes with its array


def test_relabel_invalidates_the_cached_masks(tmp_path):
    sh = Shirube(Settings.load(home=tmp_path, env={}, embedder="fake"))
    sh.ingest_bytes([("public.txt", "第1条 夏季休暇は七月から九月までの間に五日取得できる。".encode())], label=1)
    sh.ingest_bytes([("other.txt", "第1条 年次休暇は一の年において二十日とする。夏季休暇とは別である。".encode())], label=1)
    public = AccessFilter(clearance=1)
    sources = lambda: [h.source for h in sh.search("夏季休暇", k=5, access=public)]  # noqa: E731
    assert set(sources()) == {"public.txt", "other.txt"}
    builds = row_mask_builds()
    assert set(sources()) == {"public.txt", "other.txt"}
    assert row_mask_builds() == builds  # the second query reused the first one's masks
    doc = next(d for d in sh.documents() if d["source"] == "public.txt")
    sh.relabel_document(doc["id"], label=3)
    assert sources() == ["other.txt"]  # a new access-list version: new allowed ids, new masks
    assert row_mask_builds() > builds
