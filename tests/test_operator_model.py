"""Who the command line acts as (shirube/cli/identity.py, README: the operator model).

On SQLite and PostgreSQL: a home without accounts is a single-user home run by the built-in
operator; once an account exists every command needs an identity (``--as``, ``--by``, the
``operator`` setting), an empty / unknown / disabled one is refused, rights are enforced,
and every listing command (documents, status, audit list/export, eval, search, ask) shows a
user only what their clearance and departments allow — no canary string of a forbidden
document in text or JSON. User-supplied text cannot forge a line of the terminal output.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest

from base.safe_text import printable
from shirube.cli import main as cli_main
from shirube.engine import Shirube

from .conftest import pg_database

PW = "hitsuji-to-yagi"
CODES = ["アカシア", "ブナノキ", "カエデ", "クスノキ", "ケヤキ", "サザンカ", "ツバキ", "ヒノキ", "モミジ"]
DEPTS = [(), ("総務課",), ("人事課",)]
# name: (role, clearance, departments)
USERS = {
    "kanri": ("admin", 3, ["総務課", "人事課"]),
    "admin1": ("admin", 1, ["総務課"]),
    "jinji3": ("clerk", 3, ["人事課"]),
    "somu2": ("viewer", 2, ["総務課"]),
    "ippan": ("viewer", 1, ["総務課"]),
}
NEEDS_ID = "このデータディレクトリにはユーザーが登録されています"


def may_see(user: str, label: int, depts: tuple[str, ...]) -> bool:
    """The rule, written out independently of AccessFilter."""
    _, clearance, mine = USERS[user]
    return label <= clearance and (label == 1 or not depts or bool(set(depts) & set(mine)))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("op")
    url = f"sqlite:///{root / 'catalog.sqlite'}" if request.param == "sqlite" else pg_database(request)
    home = root / "home"
    sh = Shirube.open(home=home, embedder="fake", db_url=url, parse_in_subprocess=False)
    docs = {}
    for i, code in enumerate(CODES):
        label, depts = i // 3 + 1, DEPTS[i % 3]
        f = root / f"doc{i}.txt"
        f.write_text(f"{code}規程\n\n第1条 この規程の合言葉は{code}{code}とする。申請の期限は{code}の日とする。\n",
                     encoding="utf-8")
        rep = sh.ingest([f], label=label, departments=depts)
        docs[rep.ok[0].document_id] = {"code": code, "label": label, "depts": depts}
    for name, (role, clearance, depts) in USERS.items():
        sh.accounts.add(name, PW, role, clearance, depts)
    sh.accounts.add("teishi", PW, "viewer", 3, [])
    sh.accounts.disable("teishi")
    kanri = sh.accounts.access_for("kanri")
    for code in CODES:  # audit rows whose answers quote every canary
        sh.ask(f"{code}の合言葉は何ですか", access=kanri, user="kanri")
    qa = root / "qa.jsonl"
    qa.write_text("\n".join(json.dumps({"question": f"規程{i}の合言葉と申請の期限は", "relevant": [f"doc{i}.txt"]},
                                       ensure_ascii=False) for i in range(len(CODES))) + "\n", encoding="utf-8")
    sh.close()
    yield {"home": home, "url": url, "docs": docs, "qa": qa, "root": root}


@pytest.fixture
def env(world, monkeypatch):
    monkeypatch.setenv("SHIRUBE_DB_URL", world["url"])
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")
    monkeypatch.delenv("SHIRUBE_OPERATOR", raising=False)
    return world


def run(home: Path, capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = cli_main(["--home", str(home), *argv])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def forbidden_codes(world, user: str) -> list[str]:
    return [m["code"] for m in world["docs"].values() if not may_see(user, m["label"], m["depts"])]


# -- a single-user home ------------------------------------------------------------------------
@pytest.fixture
def fresh(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    monkeypatch.setenv("SHIRUBE_PARSE_IN_SUBPROCESS", "false")
    monkeypatch.delenv("SHIRUBE_OPERATOR", raising=False)
    monkeypatch.setattr(getpass, "getuser", lambda: "os-operator")
    f = tmp_path / "tesuryo.txt"
    f.write_text("手数料規程\n\n住民票の写しの交付手数料は、1通につき300円とする。", encoding="utf-8")
    return tmp_path / "home", f


def test_a_home_without_accounts_is_run_by_the_builtin_operator(fresh, capsys):
    home, f = fresh
    assert run(home, capsys, "ingest", str(f))[0] == 0
    rc, out, _ = run(home, capsys, "search", "住民票の手数料", "--json")
    assert rc == 0 and json.loads(out)[0]["title"] == "手数料規程"
    rc, out, _ = run(home, capsys, "audit", "list", "--json")
    assert rc == 0 and {r["user"] for r in json.loads(out)} == {"os-operator"}  # audited as the OS user
    # the first account must be an admin (else nobody could manage the home any more)
    rc, _, err = run(home, capsys, "user", "add", "sato", "--role", "viewer", "--password", PW)
    assert rc == 1 and "最初のユーザーは管理者" in err
    assert run(home, capsys, "user", "add", "boss", "--role", "admin", "--clearance", "3", "--password", PW)[0] == 0
    # from now on every command needs an identity
    for argv in (["search", "住民票"], ["ask", "手数料は"], ["documents"], ["status"], ["audit", "list"],
                 ["audit", "export"], ["audit", "verify"], ["ingest", str(f)], ["reindex"], ["delete", "1"],
                 ["relabel", "1", "--label", "2"], ["user", "list"], ["eval", "--qa", "samples/qa.jsonl"]):
        rc, out, err = run(home, capsys, *argv)
        assert rc == 1 and NEEDS_ID in err and err.count("\n") == 1, (argv, err)
        assert out == ""
    rc, out, _ = run(home, capsys, "documents", "--as", "boss", "--json")
    assert rc == 0 and [d["title"] for d in json.loads(out)] == ["手数料規程"]
    rc, out, _ = run(home, capsys, "search", "住民票の手数料", "--as", "BOSS", "--json")  # case-insensitive
    assert rc == 0 and out.strip() != "[]"
    rc, out, _ = run(home, capsys, "audit", "list", "--as", "boss", "--json", "--limit", "1")
    assert json.loads(out)[0]["user"] == "boss"  # the stored name, not the spelling typed


# -- empty, unknown and disabled identities -----------------------------------------------------
COMMANDS = [
    ["search", "合言葉"], ["ask", "合言葉は何ですか"], ["documents"], ["status"], ["audit", "list"],
    ["audit", "export"], ["audit", "verify"], ["reindex"], ["delete", "1"], ["relabel", "1", "--label", "1"],
    ["user", "list"], ["user", "disable", "ippan"], ["user", "add", "neu", "--role", "viewer", "--password", PW],
    ["eval", "--qa", "QA", "--no-answer"], ["ingest", "DOC"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_empty_unknown_and_disabled_identities_are_refused(env, capsys, argv, monkeypatch):
    argv = [str(env["qa"]) if a == "QA" else str(env["root"] / "doc0.txt") if a == "DOC" else a for a in argv]
    for name, expected in (("", "--as に空のユーザー名は指定できません"), ("   ", "--as に空のユーザー名は指定できません"),
                           ("nobody", "ユーザー「nobody」は登録されていません"),
                           ("teishi", "ユーザー「teishi」は無効化されています")):
        for flag in ("--as", "--by"):
            rc, out, err = run(env["home"], capsys, *argv, flag, name)
            assert rc == 1 and err.startswith("エラー: ") and expected in err and err.count("\n") == 1, (argv, name, err)
            assert not any(c in out + err for c in CODES)
    # absent: refused, never the OS user with every right
    rc, _, err = run(env["home"], capsys, *argv)
    assert rc == 1 and NEEDS_ID in err
    # the operator setting: empty (whitespace) or unknown is refused the same way
    monkeypatch.setenv("SHIRUBE_OPERATOR", "  ")
    rc, _, err = run(env["home"], capsys, *argv)
    assert rc == 1 and "operator に空のユーザー名は指定できません" in err


def test_empty_identity_is_refused_in_a_single_user_home_too(fresh, capsys):
    home, f = fresh
    rc, _, err = run(home, capsys, "ingest", str(f), "--as", "")
    assert rc == 1 and "--as に空のユーザー名は指定できません" in err and not home.joinpath("manifests").exists()
    assert run(home, capsys, "ingest", str(f))[0] == 0
    for argv in (["search", "住民票"], ["relabel", "1", "--label", "2"], ["documents"]):
        rc, out, err = run(home, capsys, *argv, "--as", "")
        assert rc == 1 and "空のユーザー名" in err and "手数料" not in out


def test_the_operator_setting_names_the_default_identity(env, capsys, monkeypatch):
    home = env["home"]
    (home / "config.toml").write_text('operator = "somu2"\n', encoding="utf-8")
    try:
        rc, out, _ = run(home, capsys, "documents", "--json")
        seen = {d["id"] for d in json.loads(out)}
        assert rc == 0 and seen == {i for i, m in env["docs"].items() if may_see("somu2", m["label"], m["depts"])}
        monkeypatch.setenv("SHIRUBE_OPERATOR", "ippan")  # the environment wins over config.toml
        rc, out, _ = run(home, capsys, "documents", "--json")
        assert {d["id"] for d in json.loads(out)} == {i for i, m in env["docs"].items() if m["label"] == 1}
        rc, out, _ = run(home, capsys, "documents", "--json", "--as", "kanri")  # --as wins over both
        assert len(json.loads(out)) == 9
        rc, _, err = run(home, capsys, "relabel", "1", "--label", "1")  # ippan is a viewer
        assert rc == 1 and "管理者以上の権限が必要です" in err
    finally:
        (home / "config.toml").unlink()


# -- rights -------------------------------------------------------------------------------------
def test_rights_are_enforced(env, capsys, tmp_path):
    home, docs = env["home"], env["docs"]
    secret = next(i for i, m in docs.items() if m["label"] == 3 and m["depts"] == ("人事課",))
    new = tmp_path / "shinki.txt"
    new.write_text("新規規程\n\n第1条 新しい規程である。", encoding="utf-8")
    for who in ("ippan", "somu2"):
        for argv in (["ingest", str(new)], ["reindex"], ["delete", str(secret)], ["user", "list"],
                     ["relabel", str(secret), "--label", "1", "--reason", "x"], ["user", "disable", "kanri"],
                     ["user", "add", "x", "--role", "admin", "--password", PW],
                     ["user", "passwd", "kanri", "--password", "atarashii-kotoba"]):
            for flag in ("--as", "--by"):  # --by is --as: it can no longer name someone else
                rc, out, err = run(home, capsys, *argv, flag, who)
                assert rc == 1 and ("権限が必要です" in err or "管理者のみ" in err), (who, argv, err)
    sh = Shirube.open(home=home, create=False)
    try:
        assert sh.document(secret)["label"] == 3 and not sh.accounts.get("kanri").disabled
        assert [e["action"] for e in sh.audit_trail.events(limit=3)][0] != "relabel"
    finally:
        sh.close()
    assert run(home, capsys, "user", "passwd", "ippan", "--password", "jibun-no-kotoba", "--as", "ippan")[0] == 0
    rc, out, _ = run(home, capsys, "ingest", str(new), "--as", "jinji3", "--json")  # a clerk may ingest
    assert rc == 0 and json.loads(out)["files"][0]["result"] == "ok"
    assert run(home, capsys, "reindex", "--as", "jinji3")[0] == 1  # but not re-index
    rc, _, err = run(home, capsys, "ingest", str(new), "--label", "2", "--as", "admin1")  # nor above their clearance
    assert rc == 1 and "ご自身の閲覧可能な機密性（1）より上のラベルでは登録できません" in err
    # an admin may not delete a document they cannot see: it is "not found"
    rc, _, err = run(home, capsys, "delete", str(secret), "--as", "admin1")
    assert rc == 1 and f"文書ID {secret} は存在しません" in err


def test_an_admin_cannot_grant_or_take_over_more_than_their_own_clearance(env, capsys):
    """Else an admin of clearance 1 could raise their own clearance, make a clearance-3 admin,
    or reset a clearance-3 user's password, and read what relabel keeps from them."""
    home = env["home"]
    for argv in (["user", "update", "admin1", "--clearance", "3"],
                 ["user", "add", "kage", "--role", "admin", "--clearance", "3", "--password", PW],
                 ["user", "update", "ippan", "--clearance", "2"],
                 ["user", "passwd", "kanri", "--password", "nottori-no-kotoba"],
                 ["user", "disable", "kanri"], ["user", "update", "somu2", "--role", "admin"]):
        rc, _, err = run(home, capsys, *argv, "--as", "admin1")
        assert rc == 1 and "ご自身の閲覧可能な機密性（1）を超えるユーザー" in err, (argv, err)
    sh = Shirube.open(home=home, create=False)
    try:
        assert sh.accounts.get("admin1").clearance == 1 and sh.accounts.get("kage") is None
        assert not sh.accounts.get("kanri").disabled and sh.accounts.get("somu2").role == "viewer"
        assert sh.accounts.authenticate("kanri", PW) is not None
    finally:
        sh.close()
    # within their own clearance they manage accounts as before
    assert run(home, capsys, "user", "add", "shinjin", "--role", "viewer", "--password", PW, "--as", "admin1")[0] == 0
    assert run(home, capsys, "user", "disable", "shinjin", "--as", "admin1")[0] == 0


# -- listing commands apply visibility ---------------------------------------------------------
def test_listing_commands_never_show_a_forbidden_canary(env, capsys):
    home, docs = env["home"], env["docs"]
    for user in USERS:
        bad = forbidden_codes(env, user)
        allowed = {i for i, m in docs.items() if may_see(user, m["label"], m["depts"])}
        outputs = []
        for argv in (["documents"], ["documents", "--json"], ["status"], ["status", "--json"],
                     ["audit", "list", "--limit", "1000"], ["audit", "list", "--json", "--include-eval", "--limit", "1000"],
                     ["audit", "export"], ["search", "合言葉", "-k", "20"], ["search", "合言葉", "--json", "-k", "20"],
                     ["ask", "合言葉は何ですか", "--json"],
                     ["eval", "--qa", str(env["qa"]), "--json", "--items"]):
            rc, out, err = run(home, capsys, *argv, "--as", user)
            assert rc == 0, (user, argv, err)
            outputs.append(out)
            if argv == ["documents", "--json"]:
                listed = json.loads(out)
                assert {d["id"] for d in listed} & set(docs) == allowed, user  # (other tests add documents)
            if argv == ["status", "--json"]:
                st = json.loads(out)
                assert st["documents"].get("active", 0) == len(listed), user
            if argv[:3] == ["audit", "list", "--json"]:
                rows = json.loads(out)
                if USERS[user][0] != "admin":  # anyone else sees only their own rows
                    assert all(r["user"] == user or r["user"].startswith(f"eval:{user}/") for r in rows)
                else:
                    assert any(r["user"] == "kanri" and r["action"] == "ask" for r in rows)
        for out in outputs:
            leaked = [c for c in bad if c in out]
            assert not leaked, (user, leaked, out[:500])
    # the admin with every department and clearance 3 does see every canary (the rule is not "hide all")
    rc, out, _ = run(home, capsys, "audit", "list", "--as", "kanri", "--limit", "1000")
    assert all(c in out for c in CODES)


def test_a_viewers_own_audit_rows_still_hide_documents_beyond_their_access(env, capsys):
    """Own rows are shown, but a question whose cited document is now beyond the viewer's
    access (e.g. relabelled) keeps its text hidden."""
    home = env["home"]
    rc, out, _ = run(home, capsys, "audit", "export", "--as", "ippan")
    assert rc == 0
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(out.lstrip("\ufeff"))))
    assert rows and all(r["user"] == "ippan" or r["user"].startswith("eval:ippan/") for r in rows)


# -- output that cannot be forged ----------------------------------------------------------------
FORGED = "どこ？\n   999  2026-01-01T00:00:00  kanri        relabel  機密性ラベル変更  document_id=7\x1b[2J\u2028"


def test_a_question_cannot_forge_an_audit_list_line_or_clear_the_screen(env, capsys):
    home = env["home"]
    assert run(home, capsys, "search", FORGED, "--as", "ippan")[0] == 0
    rc, out, _ = run(home, capsys, "audit", "list", "--as", "ippan", "--limit", "1")
    assert rc == 0 and out.count("\n") == 1  # one event, one line
    assert "\x1b" not in out and "\u2028" not in out and "\\x1b[2J" in out and "\\n   999" in out
    assert not any(line.lstrip().startswith("999") for line in out.splitlines())
    rc, out, _ = run(home, capsys, "audit", "list", "--as", "ippan", "--limit", "1", "--json")
    assert json.loads(out)[0]["question"] == FORGED  # JSON keeps the text exactly (json.dumps escapes it)
    rc, out, _ = run(home, capsys, "ask", FORGED, "--as", "ippan")
    assert rc == 0 and "\x1b" not in out and out.splitlines()[0] == f"質問: {printable(FORGED)}"


def test_file_and_user_names_are_escaped_in_cli_output(env, capsys, tmp_path):
    home = env["home"]
    d = tmp_path / "in"
    d.mkdir()
    evil = d / "a\x1b[2Jb\x07.txt"
    evil.write_text("悪意のある名前\n\n本文である。", encoding="utf-8")
    rc, out, err = run(home, capsys, "ingest", str(evil), "--as", "jinji3")
    assert rc == 0 and "\x1b" not in out + err and "\x07" not in out + err
    rc, out, err = run(home, capsys, "user", "add", "evil\x1b[2J", "--role", "viewer", "--password", PW, "--as", "kanri")
    assert rc == 1 and "ユーザー名が不正です" in err and "\x1b" not in err  # control characters: not a name
    sh = Shirube.open(home=home, create=False)
    try:  # a failed login records the name as typed (the app's login page)
        sh.accounts.record_login_failed("evil\x1b[2J\n   999  forged", "password", "unknown_user")
    finally:
        sh.close()
    rc, out, _ = run(home, capsys, "audit", "list", "--as", "kanri", "--limit", "1")
    assert rc == 0 and out.count("\n") == 1 and "\x1b" not in out and "evil\\x1b[2J\\n   999" in out
    rc, _, err = run(home, capsys, "documents", "--as", "x\x1b[2J")
    assert rc == 1 and "\x1b" not in err


@pytest.mark.parametrize("raw, shown", [
    ("普通の質問です", "普通の質問です"),
    ("改行\nあり", "改行\\nあり"),
    ("CR\rLF", "CR\\rLF"),
    ("\x1b[2J画面消去", "\\x1b[2J画面消去"),
    ("DEL\x7f", "DEL\\x7f"),
    ("C1\x9b31m", "C1\\x9b31m"),
    ("行\u2028区切り\u2029段落", "行\\u2028区切り\\u2029段落"),
    ("右から\u202e左", "右から\\u202e左"),
    ("タブ\t", "タブ\\t"),
    ("バック\\n スラッシュ", "バック\\\\n スラッシュ"),  # a literal backslash-n cannot pass for an escape
    ("全角　空白", "全角　空白"),
    (None, ""),
])
def test_printable(raw, shown):
    assert printable(raw) == shown
