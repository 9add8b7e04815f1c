"""Issue 12 leftovers, on SQLite and PostgreSQL: an admin grants only departments they belong to
(unless they hold every department of the home), and a password, rights or disabled change
ends the user's open app sessions (and, when disabled, their API tokens) at once."""

from __future__ import annotations

import pytest

from base.errors import AccessDenied
from shirube.engine import Shirube
from shirube.tokens import TokenInvalid

PW = "長い合言葉ですよね"


@pytest.fixture
def sh(tmp_path, db_url):
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", db_url=db_url, parse_in_subprocess=False)
    yield sh
    sh.close()


def test_a_new_homes_admin_without_departments_grants_any_until_one_exists(sh):
    sh.accounts.add("kanri", PW, "admin", 3, [])  # the built-in operator makes the first admin
    sh.accounts.add("somu", PW, "viewer", 1, ["総務課"], by="kanri")  # no department named yet: allowed
    # now 総務課 exists and kanri does not belong to it: kanri no longer holds every department
    with pytest.raises(AccessDenied, match="所属していない部署は付与できません（人事課）"):
        sh.accounts.add("jinji", PW, "viewer", 1, ["人事課"], by="kanri")
    with pytest.raises(AccessDenied, match="所属していない部署"):
        sh.accounts.add("somu2", PW, "viewer", 1, ["総務課"], by="kanri")
    assert sh.accounts.get("jinji") is None and sh.accounts.get("somu2") is None
    sh.accounts.add("ippan", PW, "viewer", 1, [], by="kanri")  # no department: always fine
    sh.accounts.update("kanri", departments=["総務課"])  # the built-in operator is not restricted
    sh.accounts.add("somu2", PW, "viewer", 1, ["総務課"], by="kanri")  # holds every department again
    sh.accounts.update("kanri", departments=["総務課", "財務課"], by="kanri")  # so may add a new one to itself


def test_an_admin_grants_only_their_own_departments_unless_they_hold_all(sh):
    sh.accounts.add("somu_kanri", PW, "admin", 3, ["総務課"])
    sh.accounts.add("zen_kanri", PW, "admin", 3, ["総務課", "人事課"])
    sh.accounts.add("yamada", PW, "viewer", 1, ["人事課"])
    # a document naming a department no account has still counts as one of the home's departments
    rep = sh.ingest_bytes([("kitei.txt", "経理規程。第一条 この規程は経理について定める。".encode())],
                          label=2, departments=["経理課"])
    assert rep.ok
    for call in (lambda: sh.accounts.add("x", PW, "viewer", 1, ["人事課"], by="somu_kanri"),
                 lambda: sh.accounts.add("x", PW, "viewer", 1, ["総務課", "人事課"], by="somu_kanri"),
                 lambda: sh.accounts.update("yamada", departments=["人事課", "経理課"], by="zen_kanri"),
                 lambda: sh.accounts.update("somu_kanri", departments=["総務課", "人事課"], by="somu_kanri")):
        with pytest.raises(AccessDenied, match="所属していない部署は付与できません"):
            call()
    assert sh.accounts.get("x") is None and sh.accounts.get("yamada").departments == ["人事課"]
    assert sh.accounts.get("somu_kanri").departments == ["総務課"]
    sh.accounts.add("x", PW, "viewer", 1, ["総務課"], by="somu_kanri")
    # keeping or removing a department the admin does not hold grants nothing
    sh.accounts.update("yamada", departments=["人事課", "総務課"], by="somu_kanri")
    sh.accounts.update("yamada", departments=["総務課"], by="somu_kanri")
    sh.accounts.update("zen_kanri", departments=["総務課", "人事課", "経理課"])  # by the built-in operator
    sh.accounts.update("yamada", departments=["人事課", "経理課", "監査室"], by="zen_kanri")  # holds all: any
    assert sh.accounts.get("yamada").departments == ["人事課", "監査室", "経理課"]


def test_password_rights_and_disable_revoke_sessions_and_tokens(sh):
    sh.accounts.add("kanri", PW, "admin", 3, [])
    for name in ("a", "b", "c", "d"):
        sh.accounts.add(name, PW, "viewer", 1, [])
    s = {n: sh.sessions.issue(n) for n in ("a", "b", "c", "d")}
    _, tok_c = sh.tokens.create("c", by="kanri")
    _, tok_d = sh.tokens.create("d", by="kanri")
    sh.accounts.update("d", role="viewer", clearance=1, by="kanri")  # nothing changes: nothing revoked
    sh.accounts.set_password("a", "新しい合言葉ですよね", by="kanri")
    sh.accounts.update("b", clearance=2, by="kanri")
    sh.accounts.disable("c", by="kanri")
    assert [sh.sessions.user_for(s[n]) for n in ("a", "b", "c", "d")] == [None, None, None, "d"]
    sh.accounts.disable("c", False, by="kanri")
    assert sh.sessions.user_for(s["c"]) is None  # re-enabled: still logged out
    with pytest.raises(TokenInvalid, match="取り消されています"):
        sh.tokens.authenticate(tok_c)
    assert sh.tokens.authenticate(tok_d).name == "d"  # a password or rights change keeps API tokens
    sh.accounts.update("d", role="clerk", by="kanri")
    assert sh.sessions.user_for(s["d"]) is None and sh.tokens.authenticate(tok_d).name == "d"
    # the new sessions work
    assert sh.sessions.user_for(sh.sessions.issue("a")) == "a"
    ev = sh.audit_trail.events(limit=50)
    assert [e["detail"]["user"] for e in ev if e["action"] == "token_revoke"] == ["c"]
