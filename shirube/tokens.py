"""Per-user HTTP API tokens: made by an admin, shown once, stored only as a SHA-256.

    info, token = sh.tokens.create("yamada", expires_days=90, by="kanri")   # token printed once
    user = sh.tokens.authenticate(token)       # the enabled User, or TokenInvalid / AccessDenied
    sh.tokens.revoke(info["id"], by="kanri")

A token is ``shr_<8 hex>_<43 url-safe characters>`` (32 random bytes). The catalog keeps its
prefix (``shr_<8 hex>``, to find the row and to tell tokens apart in lists) and the SHA-256 of
the whole token, compared in constant time; a plain hash suffices because the secret is 256
random bits, not a password. A token carries no rights of its own: each request acts as the
token's user with that user's role, clearance and departments as they are *now*, so a changed
or disabled account takes effect at once. Creating and revoking are audited
(``token_create`` / ``token_revoke``, never the token or its hash).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from typing import Any, Callable

from sqlalchemy import select

from base.errors import AccessDenied, ConfigError
from base.safe_text import printable
from indexer.catalog import Catalog, User
from indexer.tables import ApiToken

from . import users

_TOKEN = re.compile(r"^(shr_[0-9a-f]{8})_[A-Za-z0-9_-]{43}$")
MAX_DAYS = 3650


class TokenInvalid(AccessDenied):
    """No token, or one that is unknown, revoked or expired (HTTP 401)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: they were written in UTC."""
    return t.replace(tzinfo=dt.timezone.utc) if t is not None and t.tzinfo is None else t


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _when(t: dt.datetime | None) -> str:
    return _utc(t).strftime("%Y-%m-%d %H:%M UTC") if t is not None else ""


class TokenStore:
    """The ``api_tokens`` table of one catalog; ``record``: the engine's audit append."""

    def __init__(self, catalog: Catalog, record: Callable[[str | None, str, dict[str, Any]], None]) -> None:
        self.catalog = catalog
        self._record = record

    def create(self, user: str, *, expires_days: float | None = None, note: str = "",
               by: str | None = None) -> tuple[dict[str, Any], str]:
        """A new token for the enabled account ``user``: (its record, the token — shown only now).

        ``by``: the acting admin (None: the built-in operator); nobody makes a token for an
        account whose clearance is above their own."""
        target = users.get_user(self.catalog, user)
        if target is None:
            raise ConfigError(f"ユーザー「{printable((user or '').strip())}」は登録されていません")
        if target.disabled:
            raise ConfigError(f"ユーザー「{printable(target.name)}」は無効化されています")
        actor = users.get_user(self.catalog, by) if by else None
        if actor is not None and int(target.clearance) > int(actor.clearance):
            raise AccessDenied(f"ご自身の閲覧可能な機密性（{actor.clearance}）を超えるユーザーのトークンは発行できません"
                               f"（ユーザー「{printable(target.name)}」は{target.clearance}）")
        if expires_days is not None and not 0 < expires_days <= MAX_DAYS:
            raise ConfigError(f"有効期限は1〜{MAX_DAYS}日で指定してください（指定値: {expires_days}）")
        note = " ".join((note or "").split())[:200]
        prefix = f"shr_{secrets.token_hex(4)}"
        token = f"{prefix}_{secrets.token_urlsafe(32)}"
        now = _now()
        expires = now + dt.timedelta(days=expires_days) if expires_days is not None else None
        with self.catalog.session() as s:
            row = ApiToken(user=target.name, prefix=prefix, token_hash=_digest(token), note=note,
                           created_by=by or "", created_at=now, expires_at=expires)
            s.add(row)
            s.flush()
            info = _info(row)
        self._record(by, "token_create", {"token_id": info["id"], "user": target.name, "prefix": prefix,
                                          "expires_at": info["expires_at"], "note": note})
        return info, token

    def list(self, user: str | None = None) -> list[dict[str, Any]]:
        """Every token (or ``user``'s), newest first, with its state: active | expired | revoked."""
        with self.catalog.session() as s:
            q = select(ApiToken).order_by(ApiToken.id.desc())
            if user is not None:
                u = users.get_user(self.catalog, user)
                q = q.where(ApiToken.user == (u.name if u is not None else user))
            return [_info(r) for r in s.scalars(q)]

    def revoke(self, token_id: int, by: str | None = None) -> dict[str, Any]:
        """Revoke a token for good (a revoked one stays listed; revoking it again changes nothing)."""
        with self.catalog.session() as s:
            row = s.get(ApiToken, int(token_id))
            if row is None:
                raise ConfigError(f"トークンID {token_id} は存在しません")
            already = row.revoked_at is not None
            if not already:
                row.revoked_at, row.revoked_by = _now(), by or ""
            info = _info(row)
        if not already:
            self._record(by, "token_revoke", {"token_id": info["id"], "user": info["user"], "prefix": info["prefix"]})
        return info

    def revoke_user(self, name: str, by: str | None = None) -> int:
        """Revoke every live token of ``name`` (the account was disabled); each one audited. How many."""
        with self.catalog.session() as s:
            live = s.scalars(select(ApiToken.id).where(ApiToken.user == name, ApiToken.revoked_at.is_(None))).all()
        return sum(1 for tid in live if self.revoke(tid, by=by)["revoked_at"])

    def authenticate(self, token: str | None) -> User:
        """The enabled account of a valid token; TokenInvalid (no, unknown, revoked or expired
        token) or AccessDenied (its account is disabled)."""
        m = _TOKEN.match((token or "").strip())
        if m is None:
            raise TokenInvalid("認証が必要です。有効なAPIトークンを Authorization: Bearer で指定してください"
                               if not token else "APIトークンが正しくありません")
        digest = _digest(m.group(0))
        with self.catalog.session() as s:
            rows = s.scalars(select(ApiToken).where(ApiToken.prefix == m.group(1))).all()
            row = next((r for r in rows if hmac.compare_digest(r.token_hash, digest)), None)
            if row is None:
                raise TokenInvalid("APIトークンが正しくありません")
            name, revoked, expires = row.user, row.revoked_at, _utc(row.expires_at)
        if revoked is not None:
            raise TokenInvalid(f"このAPIトークンは取り消されています（{_when(revoked)}）")
        if expires is not None and expires <= _now():
            raise TokenInvalid(f"このAPIトークンは有効期限が切れています（{_when(expires)}）")
        u = users.get_user(self.catalog, name)
        if u is None:
            raise TokenInvalid(f"APIトークンのユーザー「{printable(name)}」は登録されていません")
        if u.disabled:
            raise AccessDenied(f"ユーザー「{printable(u.name)}」は無効化されています")
        return u


def _info(r: ApiToken) -> dict[str, Any]:
    expires, revoked = _utc(r.expires_at), _utc(r.revoked_at)
    state = "revoked" if revoked else "expired" if expires is not None and expires <= _now() else "active"
    return {"id": r.id, "user": r.user, "prefix": r.prefix, "note": r.note, "state": state,
            "created_by": r.created_by, "created_at": _utc(r.created_at).isoformat(),
            "expires_at": expires.isoformat() if expires else None,
            "revoked_at": revoked.isoformat() if revoked else None, "revoked_by": r.revoked_by}


__all__ = ["MAX_DAYS", "TokenInvalid", "TokenStore"]
