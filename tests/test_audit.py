"""Audit log: hash chain, tamper detection, CSV export, engine hooks — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
import time

import pytest
from sqlalchemy import select, text

from indexer.catalog import AuditEvent, Catalog
from retrieval.access import AccessFilter
from shirube import audit
from shirube.cli import main as cli_main
from shirube.engine import Shirube
from base.errors import AccessDenied


def _as_dba(conn) -> None:
    """Tamper like a database administrator: the append-only triggers go first."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    else:
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_update")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_delete")


def test_database_refuses_update_and_delete_of_audit_rows(db_url):
    from sqlalchemy.exc import DBAPIError

    cat = Catalog(db_url)
    evs = _fill(cat, 2)
    t = AuditEvent.__table__
    for stmt in (t.update().where(t.c.id == evs[0].id).values(user="someone"), t.delete().where(t.c.id == evs[1].id)):
        with pytest.raises(DBAPIError, match="append-only"):
            with cat.engine.begin() as conn:
                conn.execute(stmt)
    assert audit.verify(cat) == []
    cat.close()


def _fill(cat, n=5, anchor=None):
    return [audit.record(cat, f"user{i % 2}", "ask", {"question": f"質問{i}", "answer": f"回答{i}", "latency_s": 0.1 * i},
                         anchor=anchor) for i in range(n)]


def test_chain_intact_and_edit_detected(db_url, tmp_path):
    cat = Catalog(db_url)
    evs = _fill(cat, 5)
    assert audit.verify(cat) == []
    assert evs[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in evs[1:]] == [e.hash for e in evs[:-1]]
    with cat.engine.begin() as conn:  # someone edits the answer of row 3 directly in the database
        _as_dba(conn)  # drops the append-only triggers first, as a DBA could
        row = conn.execute(select(AuditEvent.detail).where(AuditEvent.id == evs[2].id)).scalar_one()
        row["answer"] = "改ざんされた回答"
        conn.execute(AuditEvent.__table__.update().where(AuditEvent.id == evs[2].id).values(detail=row))
    problems = audit.verify(cat)
    assert len(problems) == 1 and f"row {evs[2].id}:" in problems[0] and "edited" in problems[0]
    cat.close()


def test_deleted_and_reordered_rows_detected(db_url, tmp_path):
    anchor = tmp_path / "audit.head"
    cat = Catalog(db_url)
    evs = _fill(cat, 6, anchor=anchor)
    assert audit.verify(cat, anchor=anchor) == []
    with cat.engine.begin() as conn:
        _as_dba(conn)  # drops the append-only triggers first, as a DBA could
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.id == evs[2].id))
    problems = audit.verify(cat, anchor=anchor)
    assert any(f"row {evs[3].id}:" in p and "deleted" in p for p in problems), problems

    # cutting rows off the end keeps the chain consistent: only the anchor notices
    cat2 = Catalog(db_url.replace("catalog.sqlite", "c2.sqlite")) if db_url.startswith("sqlite") else None
    if cat2 is not None:
        a2 = tmp_path / "a2.head"
        evs2 = _fill(cat2, 4, anchor=a2)
        with cat2.engine.begin() as conn:
            _as_dba(conn)  # drops the append-only triggers first, as a DBA could
            conn.execute(AuditEvent.__table__.delete().where(AuditEvent.id == evs2[-1].id))
        assert audit.verify(cat2) == []  # the chain alone cannot see it …
        assert any("missing" in p for p in audit.verify(cat2, anchor=a2))  # … the anchor does
        cat2.close()


def test_tail_deletion_and_reorder(db_url, tmp_path):
    anchor = tmp_path / "audit.head"
    cat = Catalog(db_url)
    evs = _fill(cat, 4, anchor=anchor)
    with cat.engine.begin() as conn:
        _as_dba(conn)  # drops the append-only triggers first, as a DBA could
        conn.execute(AuditEvent.__table__.delete().where(AuditEvent.id == evs[-1].id))
    assert any("missing" in p for p in audit.verify(cat, anchor=anchor))
    # reorder: swap the contents of rows 1 and 2 (ids stay, order of events changes)
    t = AuditEvent.__table__
    with cat.engine.begin() as conn:
        _as_dba(conn)  # drops the append-only triggers first, as a DBA could
        a = conn.execute(select(t).where(t.c.id == evs[0].id)).mappings().one()
        b = conn.execute(select(t).where(t.c.id == evs[1].id)).mappings().one()
        # unique prev_hash: move one out of the way first
        conn.execute(t.update().where(t.c.id == evs[0].id).values(prev_hash="x" * 64))
        conn.execute(t.update().where(t.c.id == evs[1].id).values(
            {k: a[k] for k in ("at", "user", "action", "detail", "prev_hash", "hash")}))
        conn.execute(t.update().where(t.c.id == evs[0].id).values(
            {k: b[k] for k in ("at", "user", "action", "detail", "prev_hash", "hash")}))
    problems = audit.verify(cat)
    assert any("reordered" in p for p in problems), problems
    cat.close()


def test_concurrent_appends_keep_one_chain(db_url):
    cat = Catalog(db_url)
    errors = []

    def worker(i):
        try:
            for j in range(15):
                audit.record(cat, f"w{i}", "search", {"query": f"{i}-{j}"})
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with cat.session() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert len(rows) == 60
    assert len({r.prev_hash for r in rows}) == 60  # no fork: every row has its own predecessor
    assert audit.verify(cat) == []
    cat.close()


def test_export_since_and_events(db_url, tmp_path):
    cat = Catalog(db_url)
    _fill(cat, 2)
    time.sleep(0.05)
    boundary = dt.datetime.now(dt.timezone.utc)
    time.sleep(0.05)
    audit.record(cat, "suzuki", "ask", {"question": "住民票は？", "answer": "市民課で交付します。",
                                         "citations": [{"document_id": 3, "title": "案内", "page": 2, "article": None,
                                                        "generation": "gen-000001"}],
                                         "answerer": "extractive", "model_id": "extractive/1", "latency_s": 0.02})
    buf = io.StringIO()
    assert audit.export_csv(cat, buf, since=boundary.isoformat()) == 1
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert len(rows) == 1 and rows[0]["user"] == "suzuki" and rows[0]["question"] == "住民票は？"
    assert rows[0]["answerer"] == "extractive" and "gen-000001" in rows[0]["citations"]
    out = tmp_path / "all.csv"
    assert audit.export_csv(cat, out) == 3
    assert out.read_text(encoding="utf-8-sig").count("\n") >= 4
    ev = audit.events(cat, limit=2)
    assert [e["user"] for e in ev] == ["suzuki", "user1"]  # newest first
    with pytest.raises(AccessDenied):
        audit.events(cat, access=AccessFilter(clearance=3))
    cat.close()


@pytest.fixture
def engine(db_url, tmp_path):
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", db_url=db_url, parse_in_subprocess=False)
    yield sh
    sh.close()


def test_engine_actions_are_logged(engine, tmp_path):
    sh = engine
    a = tmp_path / "a.txt"
    a.write_text("住民票の写しは市民課の窓口で交付します。手数料は1通300円です。", encoding="utf-8")
    b = tmp_path / "b.txt"
    b.write_text("人事評価の結果は本人に開示します。評価者は課長とします。", encoding="utf-8")
    rep = sh.ingest([a], label=1, by="clerk")
    rep2 = sh.ingest([b], label=3, departments=["人事課"], by="clerk")
    ans = sh.ask("住民票の写しの手数料はいくらですか", user="yamada")
    assert ans.answered and ans.citations
    sh.search("人事評価", user="yamada", access=AccessFilter(clearance=1))
    sh.relabel_document(rep.ok[0].document_id, label=2, departments=["市民課"], by="admin")
    sh.reindex(full=True, by="admin")
    sh.delete_document(rep2.ok[0].document_id, by="admin")
    evs = list(reversed(audit.events(sh.catalog, limit=None)))
    assert [e["action"] for e in evs] == ["ingest", "ingest", "ask", "search", "relabel", "reindex", "delete"]
    ing = evs[0]["detail"]
    assert ing["batch_id"] == rep.batch_id and ing["counts"]["ok"] == 1 and ing["manifest"] == rep.manifest_path
    ask = evs[2]
    assert ask["user"] == "yamada" and ask["question"].startswith("住民票") and ask["answer"] == ans.text
    assert ask["answerer"] == "extractive" and ask["model_id"] == ans.model_id and ask["latency_s"] >= 0
    c = ask["citations"][0]
    assert c["document_id"] == rep.ok[0].document_id and c["generation"] == ask["generation"] is not None
    assert "page" in c and "article" in c
    # clearance 1 does not find the 人事課 document
    assert rep2.ok[0].document_id not in {h["document_id"] for h in evs[3]["detail"]["hits"]}
    assert evs[4]["detail"]["old"]["label"] == 1 and evs[4]["detail"]["new"] == {"label": 2, "departments": ["市民課"]}
    assert evs[6]["detail"]["document_id"] == rep2.ok[0].document_id
    assert audit.verify(sh.catalog, anchor=sh.audit_anchor) == []
    # an admin with clearance 1 sees that an ask happened, but not text from a label-2 document
    admin1 = AccessFilter(clearance=1, departments=frozenset(), admin=True)
    view = {e["id"]: e for e in audit.events(sh.catalog, access=admin1, limit=None)}
    assert view[ask["id"]]["answer"] == audit.HIDDEN and view[ask["id"]]["citations"] == []
    assert all("住民票の写しは" not in str(e) for e in view.values() if e["action"] == "ask")


def test_cli_verify_and_export(db_url, tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    sh = Shirube.open(home=home)
    for i in range(3):
        sh.audit("cli", "login", {"n": i})
    sh.close()
    assert cli_main(["--home", str(home), "audit", "verify"]) == 0
    out = tmp_path / "audit.csv"
    assert cli_main(["--home", str(home), "audit", "export", "--since", "2000-01-01", "--out", str(out)]) == 0
    assert len(list(csv.DictReader(out.open(encoding="utf-8-sig")))) == 3
    assert cli_main(["--home", str(home), "audit", "export", "--since", "2999-01-01", "--out", str(out)]) == 0
    assert list(csv.DictReader(out.open(encoding="utf-8-sig"))) == []
    cat = Catalog(db_url)
    with cat.engine.begin() as conn:
        _as_dba(conn)  # drops the append-only triggers first, as a DBA could
        conn.execute(text("UPDATE audit_events SET \"user\" = 'someone' WHERE id = (SELECT MIN(id) FROM audit_events)"))
    cat.close()
    capsys.readouterr()
    assert cli_main(["--home", str(home), "audit", "verify"]) == 2
    assert "改ざん" in capsys.readouterr().out


def test_audit_trail_binds_the_log_to_one_catalog_and_anchor(db_url, tmp_path):
    from shirube.accounts import AuditTrail

    cat = Catalog(db_url)
    trail = AuditTrail(cat, tmp_path / "audit.head")
    for i in range(3):
        trail.record("yamada", "ask", {"question": f"質問{i}", "citations": [{"document_id": 7}]})
    assert trail.verify() == [] and audit.read_anchor(tmp_path / "audit.head")[0] == 3
    rows = trail.events(limit=None)
    assert [r["question"] for r in rows] == ["質問2", "質問1", "質問0"]
    assert trail.cited_documents(rows[0]["detail"]) == {7}
    with pytest.raises(AccessDenied):
        trail.events(access=AccessFilter(clearance=3))
    assert [r["question"] for r in trail.events(access=AccessFilter(clearance=1, admin=True))] == [trail.HIDDEN] * 3
    buf = io.StringIO()
    assert trail.export_csv(buf) == 3 and buf.getvalue().splitlines()[0] == ",".join(trail.CSV_FIELDS)
    cat.close()
