"""The conversation store and the app's login sessions, on SQLite and PostgreSQL (``db_url``)."""

from __future__ import annotations

import json
import os
import stat
import time
from dataclasses import replace

import pytest

from base.errors import RetrievalError
from base.settings import Settings
from model.embedders import FakeEmbedder
from retrieval.access import AccessFilter
from shirube.engine import Shirube
from shirube.evaluate import load_qa
from tests.app_fixtures import SAMPLES

VIEWER = AccessFilter(clearance=1, departments=frozenset({"総務課"}))


@pytest.fixture
def sh(db_url, tmp_path):
    engine = Shirube(Settings.load(home=tmp_path / "home", embedder="fake", db_url=db_url), embedder=FakeEmbedder())
    engine.ingest([SAMPLES / "gomi_bunbetsu_sjis.txt", SAMPLES / "ikuji_kyugyo_kitei.pdf"], label=1,
                  departments=["総務課"])
    engine.accounts.add("tanaka", "pass-word-2026", "viewer", 1, ["総務課"])
    engine.accounts.add("suzuki", "pass-word-2026", "admin", 3, ["総務課"])
    yield engine
    engine.close()


def test_turns_are_kept_per_user_and_reopened_with_their_answers(sh):
    a1 = sh.ask("職員が部分休業を取る場合、1日に最大で何時間まで認められますか", access=VIEWER, user="tanaka")
    history = [a1.searched or a1.question]
    a2 = sh.ask("その場合、給与はどうなりますか", history=history, access=VIEWER, user="tanaka")
    cid, t1 = sh.conversations.add_turn("tanaka", None, answer=a1)
    cid2, t2 = sh.conversations.add_turn("tanaka", cid, answer=a2)
    assert cid2 == cid and t2 != t1
    other, _ = sh.conversations.add_turn("tanaka", None, question="火星の首都は", error="検索できませんでした")
    listed = sh.conversations.list("tanaka")
    assert [c["id"] for c in listed] == [other, cid] and listed[1]["turns"] == 2
    assert listed[1]["title"].startswith("職員が部分休業を取る場合") and len(listed[1]["title"]) <= 40
    conv = sh.conversations.get(cid, "tanaka", VIEWER)
    got = [t["answer"] for t in conv["turns"]]
    # the Answer, citations and all, as it was shown (to_dict rounds the two numbers)
    assert [replace(g, grounding=0, latency_s=0) for g in got] == [replace(a, grounding=0, latency_s=0) for a in (a1, a2)]
    assert abs(got[0].grounding - a1.grounding) < 1e-3
    assert conv["turns"][1]["searched"] == a2.searched and a2.searched
    assert sh.conversations.get(other, "tanaka")["turns"][0]["error"] == "検索できませんでした"


def test_nobody_else_sees_rates_or_deletes_a_conversation(sh):
    cid, tid = sh.conversations.add_turn("tanaka", None, answer=sh.ask("粗大ごみとして申し込む必要があるのは、一辺がどのくらいの長さを超えるものですか", access=VIEWER))
    assert sh.conversations.list("suzuki") == []
    for attempt in (lambda: sh.conversations.get(cid, "suzuki"), lambda: sh.conversations.delete(cid, "suzuki"),
                    lambda: sh.conversations.rate(tid, "suzuki", 1),
                    lambda: sh.conversations.add_turn("suzuki", cid, question="続き")):
        with pytest.raises(RetrievalError, match="存在しません"):
            attempt()
    sh.conversations.delete(cid, "tanaka")
    assert sh.conversations.list("tanaka") == []
    with pytest.raises(RetrievalError):
        sh.conversations.get(cid, "tanaka")
    events = [e for e in sh.audit_trail.events(limit=5) if e["action"] == "conversation_delete"]
    assert events and events[0]["user"] == "tanaka" and events[0]["detail"]["turns"] == 1


def test_an_answer_citing_a_document_now_out_of_reach_is_withheld(sh):
    ans = sh.ask("粗大ごみとして申し込む必要があるのは、一辺がどのくらいの長さを超えるものですか", access=VIEWER)
    cid, _ = sh.conversations.add_turn("tanaka", None, answer=ans)
    sh.relabel_document(ans.citations[0].document_id, label=3)
    turn = sh.conversations.get(cid, "tanaka", VIEWER)["turns"][0]
    assert turn["answer"] is None and "閲覧権限" in turn["error"]


def test_feedback_is_stored_audited_and_exported_as_a_qa_file(sh, tmp_path):
    good = sh.ask("職員が部分休業を取る場合、1日に最大で何時間まで認められますか", access=VIEWER)
    bad = sh.ask("粗大ごみとして申し込む必要があるのは、一辺がどのくらいの長さを超えるものですか", access=VIEWER)
    cid, t_good = sh.conversations.add_turn("tanaka", None, answer=good)
    _, t_bad = sh.conversations.add_turn("tanaka", cid, answer=bad)
    sh.conversations.add_turn("tanaka", cid, question="未評価の質問", error="x")  # unrated: not exported
    sh.conversations.rate(t_good, "tanaka", 1)
    sh.conversations.rate(t_bad, "tanaka", -1, "  引用が違う  ")
    turns = sh.conversations.get(cid, "tanaka")["turns"]
    assert [(t["rating"], t["comment"]) for t in turns] == [(1, ""), (-1, "引用が違う"), (None, "")]
    fb = [e for e in sh.audit_trail.events(limit=10) if e["action"] == "feedback"]
    assert [e["detail"]["rating"] for e in fb] == ["bad", "good"] and fb[0]["detail"]["comment"] == "引用が違う"
    assert fb[0]["action_label"] == "回答の評価"
    out = tmp_path / "fb.jsonl"
    assert sh.conversations.write_qa(out) == 2
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows[0]["id"] == f"fb{t_good}" and rows[0]["relevant"] == ["ikuji_kyugyo_kitei.pdf"]
    assert rows[0]["page"] == good.citations[0].page and rows[0]["answerable"] is True
    assert rows[1]["relevant"] == [] and rows[1]["review"] is True and rows[1]["comment"] == "引用が違う"
    items = load_qa(out)  # shirube eval reads it
    assert [i.question for i in items] == [good.question, bad.question]
    assert sh.conversations.export_qa(ratings=(1,)) == rows[:1]
    # an admin below the cited documents' label exports nothing of them
    sh.relabel_document(good.citations[0].document_id, label=3)
    assert [r["id"] for r in sh.conversations.export_qa(access=AccessFilter(clearance=2, admin=True))] == [f"fb{t_bad}"]
    sh.conversations.rate(t_good, "tanaka", None)  # withdrawn
    assert sh.conversations.get(cid, "tanaka")["turns"][0]["rating"] is None


def test_session_tokens_refuse_tampered_expired_and_revoked(sh):
    token = sh.sessions.issue("tanaka")
    assert sh.sessions.user_for(token) == "tanaka"
    key = sh.settings.home / "session.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600 and len(key.read_bytes()) == 32
    tid, exp, mac = token.split(".")
    assert "tanaka" not in token
    forged = [f"{tid}.{int(exp) + 3600}.{mac}", f"{tid[:-1]}{'0' if tid[-1] != '0' else '1'}.{exp}.{mac}",
              f"{tid}.{exp}.{mac[:-1]}0" if mac[-1] != "0" else f"{tid}.{exp}.{mac[:-1]}1", "", "x.y.z", None]
    for bad in forged:
        assert sh.sessions.user_for(bad) is None
    expired = sh.sessions.issue("tanaka", ttl_s=-1)
    assert sh.sessions.user_for(expired) is None
    # the same token signed with another home's key is refused
    other = Shirube(Settings.load(home=sh.settings.home.parent / "other", embedder="fake",
                                  db_url=sh.settings.database_url), embedder=FakeEmbedder())
    assert other.sessions.user_for(token) is None
    other.close()
    assert sh.sessions.revoke(token) is True
    assert sh.sessions.user_for(token) is None and sh.sessions.revoke(token) is False
    # revoke_user ends every session of a user; disabling an account revokes its sessions for good
    t2, t3 = sh.sessions.issue("tanaka"), sh.sessions.issue("tanaka")
    assert sh.sessions.revoke_user("tanaka") == 3  # t2, t3 and the expired one
    assert sh.sessions.user_for(t3) is None
    t4 = sh.sessions.issue("tanaka")
    sh.accounts.disable("tanaka")
    assert sh.sessions.user_for(t4) is None
    sh.accounts.disable("tanaka", False)
    assert sh.sessions.user_for(t4) is None  # re-enabling brings no session back


def test_session_ttl_runs_out(sh, monkeypatch):
    token = sh.sessions.issue("tanaka", ttl_s=60)
    assert sh.sessions.user_for(token) == "tanaka"
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)
    assert sh.sessions.user_for(token) is None


def test_feedback_export_command_needs_an_admin(sh, tmp_path, capsys):
    from shirube.cli import main

    ans = sh.ask("職員が部分休業を取る場合、1日に最大で何時間まで認められますか", access=VIEWER)
    _, tid = sh.conversations.add_turn("tanaka", None, answer=ans)
    sh.conversations.rate(tid, "tanaka", 1)
    home = str(sh.settings.home)
    (sh.settings.home / "config.toml").write_text(f'db_url = "{sh.settings.database_url}"\nembedder = "fake"\n',
                                                  encoding="utf-8")
    out = tmp_path / "qa.jsonl"
    assert main(["--home", home, "feedback", "export", "--out", str(out), "--as", "tanaka"]) == 1
    assert "管理者以上の権限が必要です" in capsys.readouterr().err and not out.exists()
    assert main(["--home", home, "feedback", "export", "--out", str(out), "--as", "suzuki", "--rating", "good"]) == 0
    assert "1 件の評価済みの質問" in capsys.readouterr().out
    assert [i.relevant for i in load_qa(out)] == [("ikuji_kyugyo_kitei.pdf",)]
    assert main(["--home", home, "feedback", "export", "--rating", "bad", "--as", "suzuki"]) == 0
    assert capsys.readouterr().out == ""
