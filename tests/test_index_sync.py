"""The catalog database as the index's system of record (shirube/index_sync.py, issue 15 item 1):
servers with homes of their own on one catalog — no shared folder — answer alike. A server
started with only the database URL rebuilds the live generation from the catalog (stored terms,
cached vectors: it embeds nothing) and gives the same answers with the same citations; an
ingest, a delete or a relabel on one server reaches the other at its next question; writers on
two servers take turns and lose nothing. SQLite (a database file outside both homes) and
PostgreSQL.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from sqlalchemy import select

from indexer.catalog import Generation
from model.embedders import FakeEmbedder
from retrieval.access import AccessFilter
from shirube.engine import Shirube
from shirube.index_sync import pack_ids, unpack_ids

DOCS = [
    ("kyuka.md", "標市職員休暇規程\n\n第1条 職員は、年次休暇を一年につき二十日取得できる。\n第2条 病気休暇は九十日を上限とする。\n"),
    ("gomi.md", "標市ごみ出し規程\n\n第1条 粗大ごみは、一辺が50センチメートルを超えるものをいう。\n第2条 収集は毎月第二水曜日とする。\n"),
    ("suido.md", "標市水道条例\n\n第1条 水道料金は、毎月末日までに納付しなければならない。\n第2条 メーターの検針は二か月ごとに行う。\n"),
]
QUESTIONS = ["年次休暇は一年に何日取得できますか", "粗大ごみとは一辺が何センチメートルを超えるものですか",
             "水道料金はいつまでに納付しなければなりませんか", "メーターの検針はどのくらいの間隔で行いますか"]
VIEWER = AccessFilter(clearance=1)


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.passages = 0

    def embed_passages(self, texts, progress=None):
        self.passages += len(texts)
        return super().embed_passages(texts, progress)


def server(tmp_path, name: str, db_url: str) -> Shirube:
    """A server: its own home (nothing but what it builds itself), the shared catalog database."""
    from base.settings import Settings

    # answer_min_confidence 0: the servers are compared on the same answers, whatever the learned
    # answerability model (fitted on JSQuAD) makes of a three-document toy corpus
    st = Settings.load(home=tmp_path / name, embedder="fake", db_url=db_url, parse_in_subprocess=False,
                       index_sync_s=0, answer_min_confidence=0.0)
    return Shirube(st, embedder=CountingEmbedder())


@pytest.fixture
def pair(tmp_path, db_url):
    a = server(tmp_path, "server-a", db_url)
    assert len(a.ingest_bytes([(n, t.encode()) for n, t in DOCS], label=1, by="kanri").ok) == 3
    b = server(tmp_path, "server-b", db_url)
    yield a, b
    a.close()
    b.close()


def _cites(ans) -> list[tuple[str, str, str]]:
    return [(c.title, c.locator, c.quote) for c in ans.citations]


def test_a_server_with_only_the_database_url_answers_like_the_one_that_ingested(pair):
    a, b = pair
    assert b.store.current_name() is None  # an empty home: nothing but the database URL
    for q in QUESTIONS:
        ours, theirs = a.ask(q), b.ask(q)
        assert theirs.answered and theirs.text == ours.text, q
        assert _cites(theirs) == _cites(ours) and _cites(theirs)
    assert b.store.current_name() == a.store.current_name()
    assert b.embedder.passages == 0, "every vector came from the catalog's embedding cache"
    sa, sb = a.store.load(), b.store.load()
    assert list(sb.bm25.ids) == list(sa.bm25.ids)
    assert sb.manifest["embedder"] == sa.manifest["embedder"] and sb.manifest["rebuilt_from_catalog"]


def test_ingest_delete_and_relabel_on_one_server_reach_the_other(pair):
    a, b = pair
    b.ask(QUESTIONS[0])
    rep = a.ingest_bytes([("toshokan.md", "標市図書館規則\n\n第1条 図書の貸出期間は二週間とする。\n".encode())], label=1)
    doc = rep.ok[0].document_id
    ans = b.ask("図書の貸出期間はどのくらいですか")
    assert ans.answered and ans.citations[0].title == "標市図書館規則"
    assert b.store.current_name() == a.store.current_name()

    a.relabel_document(doc, label=3, by="kanri")  # on A; B's viewer must lose it at once
    assert all(h.document_id != doc for h in b.search("図書の貸出期間", k=5, access=VIEWER))
    a.relabel_document(doc, label=1, by="kanri", reason="公開文書に戻す")
    assert any(h.document_id == doc for h in b.search("図書の貸出期間", k=5, access=VIEWER))

    a.delete_document(doc, by="kanri")
    assert all(h.document_id != doc for h in b.search("図書の貸出期間", k=5))
    assert b.store.current_name() == a.store.current_name()


def test_writers_on_two_servers_take_turns_and_lose_nothing(pair):
    a, b = pair
    b.ask(QUESTIONS[0])
    titles: list[str] = []
    errors: list[BaseException] = []

    def write(sh: Shirube, tag: str) -> None:
        try:
            for i in range(3):
                title = f"並行規程{tag}{i}号"
                body = f"{title}\n\n第1条 並行規程{tag}{i}号の受付番号は{tag}{i}番とする。\n"
                assert sh.ingest_bytes([(f"{tag}{i}.md", body.encode())], label=1).ok
                titles.append(title)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(sh, tag)) for sh, tag in ((a, "甲"), (b, "乙"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for sh in (a, b):  # both end on the catalog's live generation, holding every document
        for title in titles:
            hits = sh.search(title.replace("規程", "規程の受付番号"), k=3)
            assert hits and hits[0].title == title, (title, [h.title for h in hits])
    assert a.store.current_name() == b.store.current_name()
    with a.catalog.session() as s:
        gens = s.scalars(select(Generation).where(Generation.status.in_(("live", "retired")))
                         .order_by(Generation.id)).all()
        names = [g.name for g in gens]
        live = [g for g in gens if g.status == "live"]
    assert len(names) == len(set(names)) and names == sorted(names), "generation numbers grow across servers"
    assert len(live) == 1 and live[0].name == a.store.current_name()
    assert list(unpack_ids(live[0].chunk_ids)) == list(a.store.load().bm25.ids)


def test_a_home_behind_the_catalog_never_sets_it_back(pair, tmp_path):
    a, b = pair
    b.ask(QUESTIONS[0])
    before = b.store.current_name()
    a.ingest_bytes([("koen.md", "標市公園条例\n\n第1条 公園の開園時間は午前六時から午後九時までとする。\n".encode())], label=1)
    # B has not asked since: its home is behind. Its own re-index builds on the catalog's generation.
    assert b.store.current_name() == before
    name = b.reindex(by="kanri")
    assert name is not None and name >= a.store.current_name()
    hits = a.search("公園の開園時間", k=1)
    assert hits and hits[0].title == "標市公園条例"
    assert a.store.current_name() == b.store.current_name()


def test_packed_chunk_ids_round_trip():
    ids = np.unique(np.random.default_rng(0).integers(1, 5_000_000, 200_000)).astype(np.int64)
    blob = pack_ids(ids)
    assert len(blob) < ids.nbytes / 2
    assert np.array_equal(unpack_ids(blob), ids)
    assert unpack_ids(pack_ids(np.zeros(0, np.int64))).size == 0


def test_a_job_accepted_by_one_server_is_never_run_by_another(pair):
    """Its files are in the accepting server's home: another server's resume leaves it alone."""
    a, b = pair
    job_id = a.jobs.submit([("kaigi.md", "標市会議規程\n\n第1条 定例会議は毎月第一月曜日に開く。\n".encode())],
                           label=1, by="toroku", start=False)
    assert b.jobs.resume() == [] and b.jobs.run(job_id) is None
    assert b.jobs.job(job_id)["state"] == "queued"
    assert a.jobs.run(job_id)["state"] == "done"
    ans = b.ask("定例会議はいつ開きますか")
    assert ans.answered and ans.citations[0].title == "標市会議規程"


def test_a_new_server_with_embedder_auto_takes_the_catalogs_model(pair, tmp_path, db_url):
    """``embedder = "auto"`` on an empty home follows the catalog's live generation (built here with
    the fake embedder), not the new-home default, so the rebuilt index matches the writer's."""
    from base.settings import Settings

    a, _ = pair
    c = Shirube(Settings.load(home=tmp_path / "server-c", embedder="auto", db_url=db_url,
                              parse_in_subprocess=False, index_sync_s=0))
    try:
        assert c.embedder.model_id == a.embedder.model_id
        assert _cites(c.ask(QUESTIONS[1])) == _cites(a.ask(QUESTIONS[1]))
    finally:
        c.close()
