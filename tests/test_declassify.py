"""Declassification is bounded by the acting admin's clearance and departments (shirube/library.py).

On SQLite and PostgreSQL, through the engine (what the app calls) and the CLI: an admin may
relabel only a document they may see, never to a label above their own clearance; a change
that widens who may see a document (a lower label, departments added or removed) needs a
reason and is audited as ``declassify``; a viewer cannot relabel, with ``--as`` or ``--by``.
"""

from __future__ import annotations

import json

import pytest

from base.errors import AccessDenied, ShirubeError
from shirube.cli import main as cli_main
from shirube.engine import Shirube
from shirube.library import widens

PW = "hitsuji-to-yagi"


@pytest.fixture
def lib(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")
    monkeypatch.delenv("SHIRUBE_OPERATOR", raising=False)
    sh = Shirube.open(home=tmp_path / "home")
    ids = {}
    for name, label, depts, text in (
        ("jinji3", 3, ["人事課"], "人事評価規程\n\n第1条 人事評価の合言葉はモミジモミジとする。"),
        ("somu2", 2, ["総務課"], "文書管理規程\n\n第1条 文書管理の合言葉はカエデカエデとする。"),
        ("public", 1, [], "公開規程\n\n第1条 公開の合言葉はアカシアアカシアとする。"),
    ):
        f = tmp_path / f"{name}.txt"
        f.write_text(text, encoding="utf-8")
        ids[name] = sh.ingest([f], label=label, departments=depts).ok[0].document_id
    sh.accounts.add("kanri", PW, "admin", 3, ["総務課", "人事課"])
    sh.accounts.add("admin1", PW, "admin", 1, ["総務課"])
    sh.accounts.add("admin2", PW, "admin", 2, ["総務課"])
    sh.accounts.add("ippan", PW, "viewer", 1, ["総務課"])
    yield sh, ids, tmp_path / "home"
    sh.close()


def _doc(sh, i):
    d = sh.document(i)
    return d["label"], d["departments"]


def _last(sh):
    return sh.audit_trail.events(limit=1)[0]


def test_an_admin_cannot_relabel_a_document_they_cannot_see(lib):
    sh, ids, _ = lib
    admin1 = sh.accounts.access_for("admin1")
    before = _last(sh)["id"]
    with pytest.raises(ShirubeError, match=f"文書ID {ids['jinji3']} は存在しません"):  # as if it did not exist
        sh.relabel_document(ids["jinji3"], label=1, departments=[], by="admin1", access=admin1, reason="公開のため")
    assert _doc(sh, ids["jinji3"]) == (3, ["人事課"]) and _last(sh)["id"] == before
    # and a clearance-1 viewer still cannot find it
    assert ids["jinji3"] not in {h.document_id for h in sh.search("モミジモミジ", k=5, access=sh.accounts.access_for("ippan"))}


def test_never_above_the_admins_own_clearance(lib):
    sh, ids, _ = lib
    with pytest.raises(AccessDenied, match="閲覧可能な機密性（1）より上"):
        sh.relabel_document(ids["public"], label=2, by="admin1", access=sh.accounts.access_for("admin1"))
    with pytest.raises(AccessDenied, match="閲覧可能な機密性（2）より上"):
        sh.relabel_document(ids["somu2"], label=3, by="admin2", access=sh.accounts.access_for("admin2"))
    assert _doc(sh, ids["public"]) == (1, []) and _doc(sh, ids["somu2"]) == (2, ["総務課"])
    info = sh.relabel_document(ids["public"], label=2, departments=["総務課"], by="admin2",
                               access=sh.accounts.access_for("admin2"))  # up to their own clearance: fine
    assert info["action"] == "relabel" and _doc(sh, ids["public"]) == (2, ["総務課"])
    ev = _last(sh)
    assert (ev["user"], ev["action"]) == ("admin2", "relabel") and "reason" not in ev["detail"]


def test_lowering_needs_a_reason_and_is_audited_as_declassify(lib):
    sh, ids, _ = lib
    kanri = sh.accounts.access_for("kanri")
    before = _last(sh)["id"]
    for kwargs in ({"label": 1}, {"label": 2}, {"departments": []}, {"departments": ["人事課", "総務課"]},
                   {"label": 3, "departments": ["総務課"]}):  # each widens who may see it
        with pytest.raises(AccessDenied, match="理由の指定が必要です"):
            sh.relabel_document(ids["jinji3"], by="kanri", access=kanri, **kwargs)
        with pytest.raises(AccessDenied, match="理由の指定が必要です"):  # whitespace is no reason
            sh.relabel_document(ids["jinji3"], by="kanri", access=kanri, reason="  \n ", **kwargs)
    with pytest.raises(AccessDenied, match="理由の指定が必要です"):  # a trusted caller (no access) too
        sh.relabel_document(ids["jinji3"], label=1)
    assert _doc(sh, ids["jinji3"]) == (3, ["人事課"]) and _last(sh)["id"] == before
    info = sh.relabel_document(ids["jinji3"], label=2, by="kanri", access=kanri, reason="公開請求への対応（第12号）")
    assert info["action"] == "declassify"
    ev = _last(sh)
    assert (ev["user"], ev["action"], ev["action_label"] != "") == ("kanri", "declassify", True)
    assert ev["detail"]["reason"] == "公開請求への対応（第12号）"
    assert ev["detail"]["old"] == {"label": 3, "departments": ["人事課"]}
    assert ev["detail"]["new"] == {"label": 2, "departments": ["人事課"]}
    # narrowing needs no reason and stays a relabel
    assert sh.relabel_document(ids["jinji3"], label=3, by="kanri", access=kanri)["action"] == "relabel"
    assert sh.audit_trail.verify() == []


@pytest.mark.parametrize("old, new, wider", [
    ((3, ["人事課"]), (1, ["人事課"]), True),
    ((3, ["人事課"]), (3, []), True),
    ((3, ["人事課"]), (3, ["人事課", "総務課"]), True),
    ((3, ["人事課"]), (3, ["総務課"]), True),
    ((2, []), (2, ["総務課"]), False),
    ((1, []), (3, ["人事課"]), False),
    ((1, []), (1, ["総務課"]), False),
    ((2, ["総務課", "人事課"]), (2, ["総務課"]), False),
    ((2, ["総務課"]), (3, ["総務課"]), False),
])
def test_what_counts_as_widening(old, new, wider):
    assert widens({"label": old[0], "departments": old[1]}, {"label": new[0], "departments": new[1]}) is wider


def _cli(home, capsys, *argv):
    capsys.readouterr()
    rc = cli_main(["--home", str(home), *argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_cli_relabel_rules(lib, capsys):
    sh, ids, home = lib
    j = str(ids["jinji3"])
    # a viewer cannot relabel, named by --as or --by
    for flag in ("--as", "--by"):
        rc, _, err = _cli(home, capsys, "relabel", j, "--label", "1", "--reason", "x", flag, "ippan")
        assert rc == 1 and "管理者以上の権限が必要です" in err
    # no identity at all in a home with accounts: refused
    rc, _, err = _cli(home, capsys, "relabel", j, "--label", "1", "--reason", "x")
    assert rc == 1 and "ユーザーが登録されています" in err
    # an admin who cannot see it
    rc, _, err = _cli(home, capsys, "relabel", j, "--label", "1", "--reason", "x", "--as", "admin1")
    assert rc == 1 and f"文書ID {j} は存在しません" in err
    # lowering without a reason
    rc, _, err = _cli(home, capsys, "relabel", j, "--label", "1", "--as", "kanri")
    assert rc == 1 and "--reason" in err and err.count("\n") == 1
    assert _doc(sh, ids["jinji3"]) == (3, ["人事課"])
    rc, out, _ = _cli(home, capsys, "relabel", j, "--label", "1", "--as", "kanri", "--reason", "公開決定", "--json")
    assert rc == 0 and json.loads(out)["action"] == "declassify"
    rc, out, _ = _cli(home, capsys, "audit", "list", "--as", "kanri", "--limit", "1")
    assert "kanri" in out and "declassify" in out and "reason=公開決定" in out
    assert _doc(sh, ids["jinji3"]) == (1, ["人事課"])
    # now a clearance-1 viewer finds it
    assert ids["jinji3"] in {h.document_id for h in sh.search("モミジモミジ", k=5, access=sh.accounts.access_for("ippan"))}
    # raising above one's own clearance via the CLI
    rc, _, err = _cli(home, capsys, "relabel", str(ids["public"]), "--label", "3", "--as", "admin2")
    assert rc == 1 and "より上のラベルには変更できません" in err
