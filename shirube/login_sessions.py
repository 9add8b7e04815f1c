"""Logins that survive a page reload: a signed session token the app keeps in a browser cookie.

    token = sh.sessions.issue("tanaka")        # after a password login
    sh.sessions.user_for(token)                # "tanaka"; None when tampered, expired or revoked
    sh.sessions.revoke(token)                  # logout: refused from now on, in every process

The token is ``<id>.<expiry>.<mac>``: a random id (the catalog keeps only its SHA-256, in
``login_sessions``), the expiry as Unix seconds, and an HMAC-SHA256 of both under a secret
kept in the home (``session.key``, 32 random bytes, mode 0600, made on first use). No
password and no user name travels in it. A token is accepted only when its MAC is right,
it has not expired, its row exists unrevoked and its user is still enabled.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from sqlalchemy import select

from base.errors import ConfigError
from indexer.catalog import Catalog
from indexer.tables import LoginSession, utcnow

from . import users

KEY_FILE = "session.key"
DEFAULT_TTL_S = 12 * 3600  # one working day: a browser left open overnight logs in again
COOKIE = "shirube_session"


def load_key(home: Path) -> bytes:
    """The home's session secret, created (0600, exclusive) when missing."""
    path = Path(home) / KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
            fh.flush()
            os.fsync(fh.fileno())
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"ログイン用の鍵ファイルを読めません: {path}（{exc.strerror or exc}）") from None
    if len(key) < 32:
        raise ConfigError(f"ログイン用の鍵ファイルが壊れています: {path}（削除すると作り直され、全員が再ログインになります）")
    return key


def _digest(token_id: str) -> str:
    return hashlib.sha256(token_id.encode("ascii")).hexdigest()


class LoginSessions:
    """Issue, check and revoke the app's login tokens for one catalog and home."""

    def __init__(self, catalog: Catalog, home: Path, ttl_s: int = DEFAULT_TTL_S) -> None:
        self.catalog = catalog
        self.home = Path(home)
        self.ttl_s = ttl_s
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            self._key = load_key(self.home)
        return self._key

    def _mac(self, token_id: str, expires: int) -> str:
        return hmac.new(self.key, f"{token_id}.{expires}".encode("ascii"), hashlib.sha256).hexdigest()

    def issue(self, user: str, ttl_s: int | None = None) -> str:
        """A new token for ``user`` (an enabled account), valid ``ttl_s`` seconds."""
        expires = int(time.time()) + int(ttl_s if ttl_s is not None else self.ttl_s)
        token_id = secrets.token_hex(16)
        with self.catalog.session() as s:
            s.add(LoginSession(token_hash=_digest(token_id), user=user,
                               expires_at=dt.datetime.fromtimestamp(expires, dt.timezone.utc)))
        return f"{token_id}.{expires}.{self._mac(token_id, expires)}"

    def _parse(self, token: str | None) -> tuple[str, int] | None:
        """(id, expiry) of a token whose MAC is right; None for anything else."""
        parts = (token or "").split(".")
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[0]) != 32:
            return None
        token_id, expires, mac = parts[0], int(parts[1]), parts[2]
        try:
            int(token_id, 16)
        except ValueError:
            return None
        if not hmac.compare_digest(mac, self._mac(token_id, expires)):
            return None
        return token_id, expires

    def user_for(self, token: str | None) -> str | None:
        """The user a valid token logs in; None when tampered, expired, revoked or the account is disabled."""
        parsed = self._parse(token)
        if parsed is None or parsed[1] <= time.time():
            return None
        with self.catalog.session() as s:
            row = s.scalars(select(LoginSession).where(LoginSession.token_hash == _digest(parsed[0]))).first()
            if row is None or row.revoked_at is not None:
                return None
            name = row.user
        u = users.get_user(self.catalog, name)
        return None if u is None or u.disabled else u.name

    def revoke(self, token: str | None) -> bool:
        """Refuse ``token`` from now on (logout); True when it named a live session."""
        parsed = self._parse(token)
        if parsed is None:
            return False
        with self.catalog.session() as s:
            row = s.scalars(select(LoginSession).where(LoginSession.token_hash == _digest(parsed[0]))).first()
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
        return True

    def revoke_user(self, name: str) -> int:
        """Revoke every session of ``name`` not yet revoked (e.g. after a password change); how many."""
        with self.catalog.session() as s:
            rows = s.scalars(select(LoginSession).where(LoginSession.user == name,
                                                        LoginSession.revoked_at.is_(None))).all()
            for row in rows:
                row.revoked_at = utcnow()
            return len(rows)
