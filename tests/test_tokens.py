"""The API token store (shirube/tokens.py) on SQLite and PostgreSQL: made by an admin, kept only
as a SHA-256, revocable, expiring, audited, and never more than its user's rights."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, update

from base.errors import AccessDenied, ConfigError
from indexer.tables import ApiToken, User
from shirube.engine import Shirube
from shirube.tokens import TokenInvalid

PW = "長い合言葉ですよね"


@pytest.fixture
def sh(tmp_path, db_url):
    sh = Shirube.open(home=tmp_path / "home", embedder="fake", db_url=db_url, parse_in_subprocess=False)
    sh.accounts.add("kanri", PW, "admin", 2, [])
    sh.accounts.add("yamada", PW, "viewer", 1, ["総務課"])
    sh.accounts.add("himitsu", PW, "viewer", 3, [])
    yield sh
    sh.close()


def test_create_authenticate_revoke(sh):
    info, token = sh.tokens.create("Yamada", expires_days=30, note="庁内ポータル", by="kanri")
    assert info["user"] == "yamada" and info["state"] == "active" and token.startswith(info["prefix"] + "_")
    assert sh.tokens.authenticate(token).name == "yamada"
    with sh.catalog.session() as s:  # only the hash is stored
        row = s.scalars(select(ApiToken)).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in repr(vars(row))
    for bad in (None, "", "x", token[:-1] + ("A" if token[-1] != "A" else "B"), token + "A"):
        with pytest.raises(TokenInvalid):
            sh.tokens.authenticate(bad)
    assert sh.tokens.revoke(info["id"], by="kanri")["state"] == "revoked"
    with pytest.raises(TokenInvalid, match="取り消されています"):
        sh.tokens.authenticate(token)
    sh.tokens.revoke(info["id"], by="kanri")  # again: nothing changes, nothing audited
    ev = sh.audit_trail.events(limit=20)
    assert [e["action"] for e in ev if e["action"].startswith("token_")] == ["token_revoke", "token_create"]
    assert all(token not in str(e) for e in ev)
    assert {e["action_label"] for e in ev if e["action"].startswith("token_")} == {"APIトークン発行", "APIトークン取り消し"}
    assert [t["id"] for t in sh.tokens.list(user="YAMADA")] == [info["id"]]


def test_expired_and_disabled(sh):
    info, token = sh.tokens.create("yamada", expires_days=1, by="kanri")
    with sh.catalog.session() as s:
        s.execute(update(ApiToken).values(expires_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)))
    with pytest.raises(TokenInvalid, match="有効期限が切れています"):
        sh.tokens.authenticate(token)
    assert sh.tokens.list()[0]["state"] == "expired"
    _, token2 = sh.tokens.create("yamada", by="kanri")  # no expiry
    with sh.catalog.session() as s:  # disabled by a direct update (no revocation): refused as disabled
        s.execute(update(User).where(User.name == "yamada").values(disabled=1))
    with pytest.raises(AccessDenied, match="無効化されています") as exc:
        sh.tokens.authenticate(token2)
    assert not isinstance(exc.value, TokenInvalid)  # a known token of a disabled account: 403, not 401
    with sh.catalog.session() as s:
        s.execute(update(User).where(User.name == "yamada").values(disabled=0))
    assert sh.tokens.authenticate(token2).name == "yamada"
    sh.accounts.disable("yamada", by="kanri")  # through the accounts service: its tokens are revoked
    with pytest.raises(TokenInvalid, match="取り消されています"):
        sh.tokens.authenticate(token2)
    sh.accounts.disable("yamada", False, by="kanri")
    with pytest.raises(TokenInvalid, match="取り消されています"):  # re-enabling brings no token back
        sh.tokens.authenticate(token2)
    revokes = [e for e in sh.audit_trail.events(limit=50) if e["action"] == "token_revoke"]
    assert len(revokes) == 2 and {e["user"] for e in revokes} == {"kanri"}  # token2 and the expired one, by the admin


def test_who_gets_a_token(sh):
    with pytest.raises(ConfigError, match="登録されていません"):
        sh.tokens.create("nobody", by="kanri")
    with pytest.raises(AccessDenied, match="超えるユーザーのトークンは発行できません"):
        sh.tokens.create("himitsu", by="kanri")  # clearance 3 > the admin's 2
    sh.tokens.create("himitsu", by=None)  # the built-in operator may
    for days in (0, -1, 10_000):
        with pytest.raises(ConfigError, match="有効期限"):
            sh.tokens.create("yamada", expires_days=days, by="kanri")
