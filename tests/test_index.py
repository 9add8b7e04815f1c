import json

import numpy as np
import pytest

from types import SimpleNamespace

from jtext.morph import content_terms
from jtext.terms import gram_terms, lemma_terms
from model.embedders import FakeEmbedder
from retrieval.bm25 import BM25Index
from retrieval.contracts import Scored
from retrieval.dense import DenseIndex
from retrieval.hybrid import rank
from retrieval.store import IndexStore
from base.settings import Settings
from base.errors import ConfigError

DOCS = [
    "固定資産税の納税義務者は、毎年1月1日現在の土地・家屋の所有者です。",
    "育児休業は、子が1歳に達するまで取得でき、保育所に入れない場合は2歳まで延長できます。",
    "住民票の写しは、市民課の窓口またはコンビニエンスストアで交付を受けられます。",
    "避難所の運営は、避難所運営委員会が自主的に行います。",
    "補助金の交付申請は、事業開始の30日前までに提出してください。",
]


def test_bm25_matches_reference_bm25s():
    bm25s = pytest.importorskip("bm25s")
    corpus = [content_terms(d) for d in DOCS]
    ours = BM25Index.build(range(len(DOCS)), corpus, k1=1.5, b=0.75)
    ref = bm25s.BM25(method="lucene", k1=1.5, b=0.75)
    ref.index(_tokenized(corpus))
    for q in ["納税義務者", "育児休業の延長", "住民票の交付", "補助金の申請期限"]:
        terms = content_terms(q)
        mine = ours.scores(terms)
        theirs = ref.get_scores(terms)
        # bm25s's lucene variant omits the constant (k1+1) factor.
        np.testing.assert_allclose(mine / (1.5 + 1), theirs, rtol=1e-5, atol=1e-6)


def _tokenized(corpus):
    return corpus


def test_bm25_search_filter_and_roundtrip(tmp_path):
    idx = BM25Index.build([10, 20, 30], [content_terms(d) for d in DOCS[:3]])
    ids, scores = idx.search(content_terms("固定資産税の納税義務者"), k=3)
    assert ids.tolist()[0] == 10 and scores[0] > 0
    # filtered before ranking: the best match is not allowed, so it is absent
    ids, _ = idx.search(content_terms("固定資産税"), k=3, allowed=np.array([False, True, True]))
    assert 10 not in ids.tolist()
    idx.save(tmp_path, "bm25")
    again = BM25Index.load(tmp_path, "bm25")
    np.testing.assert_array_equal(again.scores(["育児"]), idx.scores(["育児"]))
    assert again.idf("育児") == pytest.approx(idx.idf("育児"))
    assert idx.idf("未知語") > idx.idf("育児")


def _vectors(n, dim=16, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_dense_add_remove_filter_persist(tmp_path, kind):
    v = _vectors(200)
    ids = np.arange(1000, 1200, dtype=np.int64)
    d = DenseIndex.create(16, kind, n_hint=200)
    d.add(ids, v)
    got, _ = d.search(v[7], 1)
    assert got.tolist() == [1007]
    # filtered search finds the allowed ids even though they are not the nearest
    allowed = np.array([1100, 1150], dtype=np.int64)
    got, _ = d.search(v[7], 5, allowed)
    assert sorted(got.tolist()) == [1100, 1150]
    assert d.remove(np.array([1007])) == 1
    assert 1007 not in d.search(v[7], 5)[0].tolist()
    d.save(tmp_path / "x.faiss")
    again = DenseIndex.load(tmp_path / "x.faiss", 16, kind)
    assert len(again) == 199
    np.testing.assert_allclose(again.vectors_for([1008])[0], v[8], atol=1e-5)


def test_searches_return_scored_records():
    idx = BM25Index.build([10, 20, 30], [content_terms(d) for d in DOCS[:3]])
    hit = idx.search(content_terms("固定資産税"), k=2)
    assert isinstance(hit, Scored) and hit.ids.tolist()[0] == 10 and hit.scores[0] > 0
    v = _vectors(5)
    d = DenseIndex.create(16)
    d.add(np.arange(5), v)
    near = d.search(v[3], 1)
    assert isinstance(near, Scored) and near.ids.tolist() == [3]
    assert isinstance(d.search(v[3], 0), Scored)


class _ListVectors:
    """A dense backend with only what ranking needs (len, search, vectors_for): pgvector's way in."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self.ids, self.vectors = ids, vectors

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query, k, allowed_ids=None) -> Scored:
        s = self.vectors @ query
        keep = np.ones(len(self.ids), bool) if allowed_ids is None else np.isin(self.ids, allowed_ids)
        order = np.asarray([i for i in np.argsort(-s, kind="stable") if keep[i]][:k], np.int64)
        return Scored(self.ids[order], s[order])

    def vectors_for(self, ids):
        row = {int(c): i for i, c in enumerate(self.ids)}
        return np.stack([self.vectors[row[c]] for c in ids])


def test_rank_reads_indexes_only_through_the_contracts():
    emb = FakeEmbedder()
    ids = np.arange(100, 100 + len(DOCS), dtype=np.int64)
    vecs = emb.embed_passages(DOCS)
    faiss_dense = DenseIndex.create(emb.dim)
    faiss_dense.add(ids, vecs)
    lexical = {
        "bm25": BM25Index.build(ids.tolist(), [lemma_terms(d) for d in DOCS]),
        "ngram": BM25Index.build(ids.tolist(), [gram_terms(d) for d in DOCS]),
    }
    for question, allowed in (("育児休業の延長", None), ("避難所の運営", np.array([100, 103, 104]))):
        got = [
            rank(SimpleNamespace(dense=dense, **lexical), emb, question, 3, allowed_ids=allowed)
            for dense in (faiss_dense, _ListVectors(ids, vecs))
        ]
        assert [r.chunk_id for r in got[0]] == [r.chunk_id for r in got[1]] != []
        assert [r.score for r in got[0]] == pytest.approx([r.score for r in got[1]], abs=1e-5)


def _write_gen(store, n):
    v = _vectors(n)
    d = DenseIndex.create(16)
    d.add(np.arange(n), v)
    b = BM25Index.build(range(n), [["税"]] * n)
    return store.write(d, b, b, {"embedder": "test"})


def test_store_switches_atomically_and_cleans_up(tmp_path):
    store = IndexStore(tmp_path)
    assert store.load() is None
    g1 = _write_gen(store, 3)
    assert store.current_name() == g1 and store.load().n_chunks == 3
    (tmp_path / "gen-000099.tmp-1").mkdir()  # a crashed writer's leftovers
    g2 = _write_gen(store, 5)
    assert store.load().n_chunks == 5 and g2 > g1
    assert store.verify() == []
    g3 = _write_gen(store, 4)
    store.cleanup(keep=2)
    assert store.generations() == [g2, g3]
    assert not (tmp_path / "gen-000099.tmp-1").exists()
    # a corrupted file is detected by its checksum
    (tmp_path / g3 / "dense.faiss").write_bytes(b"broken")
    assert any("dense.faiss" in p for p in store.verify())
    manifest = json.loads((tmp_path / g3 / "manifest.json").read_text())
    assert manifest["count"] == 4 and manifest["dim"] == 16


def test_settings_from_toml_env_and_errors(tmp_path):
    (tmp_path / "config.toml").write_text("chunk_tokens = 200\ntop_k = 7\n")
    s = Settings.load(home=tmp_path, env={"SHIRUBE_TOP_K": "9"})
    assert (s.chunk_tokens, s.top_k) == (200, 9)
    assert s.database_url.endswith("catalog.sqlite")
    (tmp_path / "config.toml").write_text("chunk_tokenz = 200\n")
    with pytest.raises(ConfigError, match="unknown setting 'chunk_tokenz'"):
        Settings.load(home=tmp_path, env={})
    (tmp_path / "config.toml").write_text("")
    with pytest.raises(ConfigError, match="chunk_tokens must be between 32 and 2048 \\(got 5\\)"):
        Settings.load(home=tmp_path, env={"SHIRUBE_CHUNK_TOKENS": "5"})
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        Settings.load(home=tmp_path, env={"SHIRUBE_COLOUR": "red"})


def test_torch_exact_search_matches_faiss_flat(tmp_path):
    """The GPU path without faiss-gpu (a torch matrix product) ranks exactly as
    FAISS's flat index; run here on torch's CPU, on CUDA when one is present."""
    pytest.importorskip("torch")
    vecs = _vectors(300, dim=32, seed=3)
    ids = np.arange(1000, 1300, dtype=np.int64)
    cpu = DenseIndex.create(32, "flat", device="cpu")
    cpu.add(ids, vecs)
    cpu.save(tmp_path / "d.faiss")
    tor = DenseIndex.load(tmp_path / "d.faiss", 32, "flat", device="torch")
    rng = np.random.default_rng(9)
    allowed = np.sort(rng.choice(ids, 40, replace=False))
    for q in _vectors(5, dim=32, seed=11):
        for allow in (None, allowed, allowed[:3]):
            a_ids, a_sc = cpu.search(q, 10, allow)
            b_ids, b_sc = tor.search(q, 10, allow)
            assert a_ids.tolist() == b_ids.tolist()
            np.testing.assert_allclose(a_sc, b_sc, rtol=1e-5, atol=1e-5)
    assert tor._torch is not None  # the torch path really ran
    assert len(tor.search(vecs[0], 5, np.array([], np.int64))[0]) == 0
    # removals invalidate the device copy
    tor.remove(ids[:1])
    assert ids[0] not in tor.search(vecs[0], 5)[0].tolist()
    with pytest.raises(ConfigError):
        DenseIndex.create(32, "flat", device="gpu0")


def test_torch_exact_builds_each_allowed_mask_once(monkeypatch):
    """A user's filtered queries reuse one device mask per allowed-id array
    (the engine passes the same cached array); another array gets its own."""
    torch = pytest.importorskip("torch")
    vecs = _vectors(200, dim=16, seed=4)
    ids = np.arange(500, 700, dtype=np.int64)
    cpu = DenseIndex.create(16, "flat", device="cpu")
    cpu.add(ids, vecs)
    tor = DenseIndex(cpu.index, 16, "flat", device="torch")
    allowed = ids[::2].copy()
    tor.search(vecs[0], 5, allowed)
    built = []
    real_isin = torch.isin
    monkeypatch.setattr(torch, "isin", lambda *a: built.append(1) or real_isin(*a))
    for q in vecs[:5]:
        got = tor.search(q, 5, allowed)[0]
        assert set(got.tolist()) <= set(allowed.tolist())
    assert built == []  # reused the mask built by the first query
    other = ids[1::2].copy()
    got = tor.search(vecs[1], 5, other)[0]
    assert built == [1] and set(got.tolist()) <= set(other.tolist())
    assert cpu.search(vecs[1], 5, other)[0].tolist() == got.tolist()


@pytest.mark.gpu
def test_auto_device_searches_on_cuda_without_faiss_gpu():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    vecs = _vectors(2000, dim=64, seed=5)
    ids = np.arange(2000, dtype=np.int64)
    cpu = DenseIndex.create(64, "flat", device="cpu")
    cpu.add(ids, vecs)
    auto = DenseIndex(cpu.index, 64, "flat", device="auto")
    a = cpu.search(vecs[7], 10, ids[::3])
    b = auto.search(vecs[7], 10, ids[::3])
    assert auto._torch is not None and auto._torch.device == "cuda"
    assert a[0].tolist() == b[0].tolist()


def test_filtered_search_with_a_writable_allowed_array_stays_inside_it():
    """A writable allowed array is never cached: its FAISS bitmap must live through the
    search (it was freed at once, and later searches read freed memory as the filter)."""
    rng = np.random.default_rng(3)
    n, dim = 20000, 32
    vecs = rng.normal(size=(n, dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ids = np.arange(1, n + 1, dtype=np.int64)
    index = DenseIndex.create(dim, "flat", device="cpu")
    index.add(ids, vecs)
    allowed = np.sort(ids[rng.random(n) < 0.01])
    for q in vecs[:20]:
        got = index.search(q, 10, allowed)
        assert len(got.ids) == 10 and np.isin(got.ids, allowed).all()
