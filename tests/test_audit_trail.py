"""A complete audit trail: account events, originals served and evaluation runs, from the CLI and the app.

Logins, failed logins (the name tried, never the password), logouts, user and role changes,
password changes and originals served are audited; an evaluation run's searches and questions are
recorded as ``eval:<who>/<run>`` and kept out of the default views. No password or hash ever
reaches the audit table, and the hash chain still verifies.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from indexer.catalog import User
from tests.conftest import audit_rows
from shirube import audit
from shirube.cli import main as cli_main
from shirube.engine import Shirube

PW = "hitsuji-to-yagi-2026"
PW2 = "atarashii-aikotoba-77"


def _assert_no_secret(sh, *passwords: str) -> None:
    """No password, no stored hash and no argon2 string anywhere in the audit table."""
    with sh.catalog.session() as s:
        hashes = [h for h in s.scalars(select(User.password_hash)).all() if h]
    dump = json.dumps([[e.user, e.action, e.detail] for e in audit_rows(sh)], ensure_ascii=False)
    for secret in (*passwords, *hashes, "$argon2", "password_hash"):
        assert secret not in dump, secret
    assert audit.verify(sh.catalog, anchor=sh.audit_anchor) == []


@pytest.fixture
def engine(db_url, tmp_path):
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", db_url=db_url, parse_in_subprocess=False)
    yield sh
    sh.close()


def test_account_events_are_audited_without_secrets(engine):
    sh, acc = engine, engine.accounts
    acc.add("tanaka", PW, "clerk", 2, ["総務課"], by="kanri")
    assert acc.authenticate("tanaka", PW).name == "tanaka"
    assert acc.authenticate("tanaka", "machigai-" + PW) is None
    assert acc.authenticate("daremo-inai", PW) is None
    acc.update("tanaka", role="admin", clearance=3, departments=["人事課"], by="kanri")
    acc.update("tanaka", role="admin", by="kanri")  # no change: no row
    acc.set_password("tanaka", PW2, by="kanri")
    acc.disable("tanaka", by="kanri")
    assert acc.authenticate("tanaka", PW2) is None
    acc.disable("tanaka", by="kanri")  # already disabled: no row
    acc.disable("tanaka", False, by="kanri")
    acc.record_login("tanaka", "oidc")
    acc.logout("tanaka", "oidc")
    got = [(e.user, e.action, e.detail) for e in audit_rows(sh)]
    assert got == [
        ("kanri", "user_add", {"name": "tanaka", "role": "clerk", "clearance": 2, "departments": ["総務課"]}),
        ("tanaka", "login", {"method": "password"}),
        ("tanaka", "login_failed", {"name": "tanaka", "method": "password", "reason": "wrong_password"}),
        ("daremo-inai", "login_failed", {"name": "daremo-inai", "method": "password", "reason": "unknown_user"}),
        ("kanri", "user_update", {"name": "tanaka",
                                  "old": {"role": "clerk", "clearance": 2, "departments": ["総務課"]},
                                  "new": {"role": "admin", "clearance": 3, "departments": ["人事課"]}}),
        ("kanri", "password_change", {"name": "tanaka"}),
        ("kanri", "user_disable", {"name": "tanaka"}),
        ("tanaka", "login_failed", {"name": "tanaka", "method": "password", "reason": "disabled"}),
        ("kanri", "user_enable", {"name": "tanaka"}),
        ("tanaka", "login", {"method": "oidc"}),
        ("tanaka", "logout", {"method": "oidc"}),
    ]
    labels = {r["action"]: r["action_label"] for r in sh.audit_trail.events(limit=None)}
    assert labels["login_failed"] == "ログイン失敗" and labels["user_update"] == "ユーザー変更"
    _assert_no_secret(sh, PW, PW2, "machigai-" + PW)


def test_original_download_is_audited(engine, tmp_path):
    sh = engine
    f = tmp_path / "jorei.txt"
    f.write_text("第一条　この条例は、手数料に関し必要な事項を定める。", encoding="utf-8")
    doc_id = sh.ingest([f], label=1, by="toroku").ok[0].document_id
    n = len(audit_rows(sh))
    assert sh.original(doc_id).data == f.read_bytes()  # internal use (no user): not a download
    assert len(audit_rows(sh)) == n
    assert sh.original(doc_id, user="etsuran").name == "jorei.txt"
    ev = audit_rows(sh)[-1]
    assert (ev.user, ev.action) == ("etsuran", "original_download")
    assert ev.detail["document_id"] == doc_id and ev.detail["bytes"] == len(f.read_bytes())
    assert audit.verify(sh.catalog, anchor=sh.audit_anchor) == []


# -- CLI -------------------------------------------------------------------------------
@pytest.fixture
def cli_home(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIRUBE_DB_URL", db_url)
    monkeypatch.setenv("SHIRUBE_EMBEDDER", "fake")
    home = tmp_path / "home"
    return home


def _cli(home: Path, *argv: str) -> int:
    return cli_main(["--home", str(home), *argv])


def test_cli_user_commands_are_audited(cli_home, capsys, monkeypatch):
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: "os-admin")
    h = cli_home
    monkeypatch.delenv("SHIRUBE_OPERATOR", raising=False)
    # the first account of a home is made by the built-in operator (the OS user); then --by / --as name an admin
    assert _cli(h, "user", "add", "kanri", "--role", "admin", "--clearance", "3", "--password", PW) == 0
    assert _cli(h, "user", "add", "sato", "--role", "viewer", "--password", PW, "--by", "kanri") == 0
    assert _cli(h, "user", "update", "sato", "--role", "clerk", "--clearance", "2", "--department", "市民課") == 1
    assert _cli(h, "user", "update", "sato", "--role", "clerk", "--clearance", "2", "--department", "市民課",
                "--as", "kanri") == 0
    assert _cli(h, "user", "passwd", "sato", "--password", PW2, "--by", "kanri") == 0
    assert _cli(h, "user", "disable", "sato", "--by", "kanri") == 0
    assert _cli(h, "user", "enable", "sato", "--as", "Kanri") == 0
    capsys.readouterr()
    assert _cli(h, "audit", "list", "--json", "--as", "kanri") == 0
    rows = list(reversed(json.loads(capsys.readouterr().out)))
    assert [(r["user"], r["action"]) for r in rows] == [
        ("os-admin", "user_add"), ("kanri", "user_add"), ("kanri", "user_update"), ("kanri", "password_change"),
        ("kanri", "user_disable"), ("kanri", "user_enable"),
    ]
    assert rows[2]["detail"]["old"]["role"] == "viewer" and rows[2]["detail"]["new"] == {
        "role": "clerk", "clearance": 2, "departments": ["市民課"]}
    assert _cli(h, "audit", "list", "--as", "kanri") == 0
    assert "ユーザー作成" in capsys.readouterr().out
    sh = Shirube.open(home=h)
    try:
        _assert_no_secret(sh, PW, PW2)
    finally:
        sh.close()
    assert _cli(h, "audit", "verify", "--as", "kanri") == 0


def test_cli_eval_rows_are_marked_and_kept_out_of_the_list(cli_home, tmp_path, capsys):
    h = cli_home
    sh = Shirube.open(home=h, parse_in_subprocess=False)
    f = tmp_path / "tesuryo.txt"
    f.write_text("住民票の写しの交付手数料は、1通につき300円とする。", encoding="utf-8")
    sh.ingest([f], label=1)
    sh.accounts.add("yamada", PW, "viewer", 1)
    sh.ask("住民票の手数料は", user="yamada")  # a staff question
    sh.close()
    qa = tmp_path / "qa.jsonl"
    qa.write_text("\n".join(json.dumps({"question": q, "relevant": ["tesuryo.txt"]}, ensure_ascii=False)
                            for q in ("住民票の写しの手数料はいくらですか", "交付手数料は")) + "\n", encoding="utf-8")
    assert _cli(h, "eval", "--qa", str(qa), "--as", "yamada", "--json") == 0
    capsys.readouterr()
    # a viewer's audit list: their own rows, their evaluation runs' included
    assert _cli(h, "audit", "list", "--json", "--include-eval", "--limit", "100", "--as", "yamada") == 0
    every = json.loads(capsys.readouterr().out)
    run = next(r for r in every if r["action"] == "evaluation")
    assert run["user"] == "yamada" and run["detail"]["questions"] == 2
    marked = [r for r in every if r["user"].startswith("eval:")]
    assert len(marked) == 4 and {r["action"] for r in marked} == {"search", "ask"}
    assert {r["user"] for r in marked} == {f"eval:yamada/{run['detail']['run_id']}"}
    assert {r["evaluation"] for r in marked} == {run["detail"]["run_id"]}
    assert _cli(h, "audit", "list", "--json", "--limit", "100", "--as", "yamada") == 0
    default = json.loads(capsys.readouterr().out)
    assert not any(r["user"].startswith("eval:") for r in default)
    assert [r["user"] for r in default if r["action"] == "ask"] == ["yamada"]  # the staff question stays
    assert any(r["action"] == "evaluation" for r in default)  # that a run happened stays visible
    assert _cli(h, "audit", "verify", "--as", "yamada") == 0


# -- app --------------------------------------------------------------------------------
st = pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.app_fixtures import PASSWORD, SAMPLES, open_app, serve_home  # noqa: E402


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    yield from serve_home(tmp_path_factory.mktemp("trail") / "home")


def _app(user: str | None = None) -> AppTest:
    return open_app(user)


def _login(name: str, password: str) -> AppTest:
    at = _app()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


def _since(sh, n: int) -> list[tuple[str, str, dict]]:
    return [(e.user, e.action, e.detail) for e in audit_rows(sh)[n:]]


def test_app_login_failed_login_and_logout_are_audited(corpus):
    n = len(audit_rows(corpus))
    assert "user" not in _login("kanri", "machigai-password").session_state
    _login("daremo-inai", PASSWORD)
    at = _login("etsuran", PASSWORD)
    assert at.session_state["user"] == "etsuran"
    at.sidebar.button(key="logout").click().run()
    assert "user" not in at.session_state
    assert _since(corpus, n) == [
        ("kanri", "login_failed", {"name": "kanri", "method": "password", "reason": "wrong_password"}),
        ("daremo-inai", "login_failed", {"name": "daremo-inai", "method": "password", "reason": "unknown_user"}),
        ("etsuran", "login", {"method": "password"}),
        ("etsuran", "logout", {"method": "password"}),
    ]
    _assert_no_secret(corpus, PASSWORD, "machigai-password")


def test_app_user_changes_are_audited_as_the_admin(corpus):
    at = _app("kanri")
    at.switch_page("views/admin.py").run()
    n = len(audit_rows(corpus))
    at.text_input(key="new_user_name").input("kansa")
    at.text_input(key="new_user_password").input("kansa-no-pass-1")
    at.selectbox(key="new_user_role").select("viewer")
    next(b for b in at.button if b.label == "作成").click().run()
    at.run()  # the list was read before the new user was added
    at.selectbox(key="disable_pick").select("kansa").run()
    at.button(key="user_disable").click().run()
    at.button(key="user_enable").click().run()
    at.selectbox(key="update_pick").select("kansa").run()
    at.selectbox(key="update_role_kansa").select("clerk")
    at.selectbox(key="update_clearance_kansa").select(2)
    at.text_input(key="update_departments_kansa").input("企画課")  # one of kanri's own (tests/test_account_changes.py)
    next(b for b in at.button if b.label == "変更").click().run()
    assert not at.exception
    assert "「kansa」を変更しました" in [s.value for s in at.success]
    assert _since(corpus, n) == [
        ("kanri", "user_add", {"name": "kansa", "role": "viewer", "clearance": 1, "departments": []}),
        ("kanri", "user_disable", {"name": "kansa"}),
        ("kanri", "user_enable", {"name": "kansa"}),
        ("kanri", "user_update", {"name": "kansa", "old": {"role": "viewer", "clearance": 1, "departments": []},
                                  "new": {"role": "clerk", "clearance": 2, "departments": ["企画課"]}}),
    ]
    _assert_no_secret(corpus, PASSWORD, "kansa-no-pass-1")


def test_app_source_file_download_is_audited(corpus):
    from app import source_file

    access = corpus.accounts.access_for("etsuran")
    doc = next(d for d in corpus.documents(access) if d["kind"] == "pdf")
    n = len(audit_rows(corpus))
    assert source_file.find(corpus, access, doc["id"], user="etsuran")
    (user, action, detail), = _since(corpus, n)
    assert (user, action, detail["document_id"]) == ("etsuran", "original_download", doc["id"])


def test_app_eval_rows_are_marked_and_hidden_in_the_audit_tab(corpus):
    at = _app("kanri")
    at.switch_page("views/admin.py").run()
    n = len(audit_rows(corpus))
    qa = Path(corpus.settings.home).parent / "qa3.jsonl"
    qa.write_text("\n".join((SAMPLES / "qa.jsonl").read_text(encoding="utf-8").splitlines()[:3]) + "\n",
                  encoding="utf-8")
    at.text_input(key="eval_path").input(str(qa))
    at.button(key="eval_run").click().run()
    assert not at.exception
    rows = _since(corpus, n)
    assert rows[0][:2] == ("kanri", "evaluation") and rows[0][2]["questions"] == 3
    actor = f"eval:kanri/{rows[0][2]['run_id']}"
    assert [r[:2] for r in rows[1:]] == [(actor, a) for _ in range(3) for a in ("search", "ask")]
    at.run()
    table = at.dataframe[-1].value
    assert not table["利用者"].astype(str).str.startswith("eval:").any()
    assert "評価の実行" in set(table["操作"])
    at.checkbox(key="audit_include_eval").check().run()
    table = at.dataframe[-1].value
    marked = table[table["利用者"].astype(str).str.startswith("eval:")]
    assert len(marked) >= 6 and set(marked["操作"]) == {"検索（評価）", "質問（評価）"}
    assert audit.verify(corpus.catalog, anchor=corpus.audit_anchor) == []
