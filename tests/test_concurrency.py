"""Concurrency on SQLite and PostgreSQL: queries during a full re-index, two uploads at once."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from indexer.catalog import Document
from shirube import audit
from shirube.engine import Shirube

CODES = ["アカシア", "ブナノキ", "カエデ", "クスノキ", "ケヤキ", "サザンカ", "ツバキ", "ヒノキ"]


def _doc(code: str) -> bytes:
    return "\n\n".join(
        [f"{code}要綱"] + [f"第{i}条 {code}事業の申請は第{i}号様式により市長に届け出る。期限は{code}計画による。" for i in range(1, 15)]
    ).encode()


def _open(home, db_url) -> Shirube:
    # The fake embedder's hashed bigrams are ranking noise: the dense ranker
    # runs (plumbing) but carries no weight, so a wrong answer means a real fault.
    return Shirube.open(home=home, embedder="fake", db_url=db_url, parse_in_subprocess=False, weight_dense=0.0)


def test_queries_keep_working_during_full_reindex(db_url, tmp_path):
    sh = _open(tmp_path / "home", db_url)
    sh.ingest_bytes([(f"{c}.txt", _doc(c)) for c in CODES[:4]], label=1)
    stop = threading.Event()
    stats = {"n": 0, "errors": [], "wrong": []}

    def asker():
        reader = _open(tmp_path / "home", db_url)
        try:
            while not stop.is_set():
                code = CODES[stats["n"] % 4]
                try:
                    if stats["n"] % 3 == 0:
                        ans = reader.ask(f"{code}事業の申請はどのように届け出ますか", user="reader")
                        ok = ans.answered and ans.citations[0].title == f"{code}要綱"
                    else:
                        hits = reader.search(f"{code}事業 {code}計画", k=3, user="reader")
                        ok = bool(hits) and hits[0].title == f"{code}要綱"
                    if not ok:
                        stats["wrong"].append(code)
                except Exception as exc:  # noqa: BLE001 - counted, asserted zero
                    stats["errors"].append(repr(exc))
                stats["n"] += 1
        finally:
            reader.close()

    t = threading.Thread(target=asker)
    t.start()
    try:
        for _ in range(3):
            sh.reindex(full=True)
        rep = sh.ingest_bytes([(f"{CODES[4]}.txt", _doc(CODES[4]))], label=1)
        sh.delete_document(rep.ok[0].document_id)  # not one the asker asks about
    finally:
        stop.set()
        t.join()
    assert stats["errors"] == [] and stats["wrong"] == [], (stats["errors"][:3], stats["wrong"][:3])
    assert stats["n"] >= 5
    assert audit.verify(sh.catalog, anchor=sh.audit_anchor) == []
    sh.close()


def test_two_uploads_at_once(db_url, tmp_path):
    home = tmp_path / "home"
    first = _open(home, db_url)
    first.close()  # schema in place
    reports = {}
    errors = []
    barrier = threading.Barrier(2)

    def upload(name, codes):
        sh = _open(home, db_url)
        try:
            barrier.wait()
            # both also send the same shared file: exactly one may ingest it
            reports[name] = sh.ingest_bytes([(f"{c}.txt", _doc(c)) for c in codes] + [("共通.txt", _doc("共通"))],
                                            label=1, by=name)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            sh.close()

    threads = [threading.Thread(target=upload, args=("a", CODES[:4])), threading.Thread(target=upload, args=("b", CODES[4:]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    shared = [f.result for r in reports.values() for f in r.files if f.source == "共通.txt"]
    assert sorted(shared) == ["duplicate", "ok"]
    sh = _open(home, db_url)
    with sh.catalog.session() as s:
        assert s.scalar(select(func.count()).select_from(Document).where(Document.status == "active")) == 9
        assert s.scalar(select(func.count(func.distinct(Document.sha256)))) == 9
    snap = sh.store.load()
    assert len(set(snap.bm25.ids.tolist())) == len(snap.bm25.ids) == len(snap.dense)
    for c in CODES + ["共通"]:
        assert sh.search(f"{c}事業 {c}計画", k=1, mode="bm25")[0].title == f"{c}要綱"
    assert audit.verify(sh.catalog, anchor=sh.audit_anchor) == []
    sh.close()
