"""The audit log's secret: a key held outside the database and the home, and checkpoints.

Whoever can write the database can recompute a plain SHA-256 chain. With a key
(``audit_key_file`` / ``SHIRUBE_AUDIT_KEY_FILE``: 32 random bytes as hex, made by
``shirube audit keygen --out PATH``), every row's hash is an HMAC-SHA256 and
``audit.head`` carries a MAC, so a forged, edited or re-chained row cannot be
made to verify without the key. A *checkpoint* — last id, row count, that row's
chain hash, time and a MAC — is appended to ``audit_checkpoint_file`` (one JSON
line, opened append-only, meant for storage the database administrator cannot
rewrite) after every append, and ``shirube audit checkpoint`` prints one for an
external record. Because each chain hash commits to every row before it, one
checkpoint proves the whole prefix up to its row, keyed or not.

>>> key = load_key("/etc/shirube/audit.key", home="/srv/shirube")   # doctest: +SKIP
>>> seal = Seal(key, Path("/var/log/shirube/audit.checkpoints"))    # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from base.errors import ConfigError

KEY_BYTES = 32
GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditKey:
    """The HMAC key and a short public id of it (recorded in checkpoints)."""

    secret: bytes
    key_id: str

    def mac(self, domain: str, payload: bytes) -> str:
        return hmac.new(self.secret, domain.encode() + b"\0" + payload, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:  # never print the secret
        return f"AuditKey(key_id={self.key_id!r})"


@dataclass(frozen=True)
class Seal:
    """What protects one home's audit log beyond the plain chain (both parts optional)."""

    key: AuditKey | None = None
    checkpoint_file: Path | None = None


def _key_id(secret: bytes) -> str:
    return hashlib.sha256(b"shirube-audit-key-id\0" + secret).hexdigest()[:16]


def keygen(out: str | Path) -> str:
    """Write a new random key to ``out`` (mode 0600, never overwriting); return its id."""
    path = Path(out)
    secret = secrets.token_bytes(KEY_BYTES)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"鍵ファイルが既にあります（上書きしません）: {path}") from None
    except OSError as exc:
        raise ConfigError(f"鍵ファイルを作成できません: {path}（{exc.strerror}）") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secret.hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return _key_id(secret)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except (ValueError, OSError):
        return False


def load_key(path: str | Path, home: str | Path | None = None) -> AuditKey:
    """Read ``audit_key_file``; refused (ConfigError) when missing, malformed, readable by
    others, or inside the home (the key must be outside what an insider can copy)."""
    p = Path(path)
    where = f"audit_key_file の鍵ファイル {p}"
    if home is not None and _inside(p, Path(home)):
        raise ConfigError(f"{where} がデータディレクトリの中にあります。データディレクトリとデータベースの外に置いてください")
    try:
        st = p.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"{where} が通常のファイルではありません")
        if st.st_mode & 0o077:
            raise ConfigError(f"{where} を所有者以外も読めます（chmod 600 {p} を実行してください）")
        raw = p.read_text(encoding="ascii").strip()
        secret = bytes.fromhex(raw)
    except OSError as exc:
        raise ConfigError(f"{where} を読めません（{exc.strerror}）") from None
    except (UnicodeDecodeError, ValueError):
        raise ConfigError(f"{where} の形式が正しくありません（shirube audit keygen で作成してください）") from None
    if len(secret) < 16:
        raise ConfigError(f"{where} の鍵が短すぎます（shirube audit keygen で作成してください）")
    return AuditKey(secret, _key_id(secret))


def seal_from_settings(settings: Any) -> Seal:
    """The seal named by ``settings.audit_key_file`` / ``audit_checkpoint_file`` (either may be empty)."""
    key = load_key(settings.audit_key_file, settings.home) if settings.audit_key_file else None
    cp = Path(settings.audit_checkpoint_file) if settings.audit_checkpoint_file else None
    if cp is not None and _inside(cp, Path(settings.home)):
        raise ConfigError(f"audit_checkpoint_file {cp} がデータディレクトリの中にあります。外部の追記専用の場所を指定してください")
    if cp is not None and not cp.parent.is_dir():
        raise ConfigError(f"audit_checkpoint_file {cp} のフォルダがありません")
    return Seal(key, cp)


# -- the chain -------------------------------------------------------------------
def utc(at: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes (stored as UTC), PostgreSQL aware ones.
    return at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at.astimezone(dt.timezone.utc)


def ts(at: dt.datetime) -> str:
    return utc(at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(prev_hash: str, at: dt.datetime, user: str, action: str, detail: dict[str, Any],
               key: AuditKey | None = None) -> str:
    """SHA-256 over the canonical JSON of the row and the previous hash; HMAC-SHA256 with ``key``."""
    payload = json.dumps(
        [prev_hash, ts(at), user, action, detail], ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode("utf-8")
    return key.mac("row", payload) if key is not None else hashlib.sha256(payload).hexdigest()


# -- the head anchor (<home>/audit.head): "id hash [mac]" ------------------------
class Anchor(NamedTuple):
    """The newest audit row written: its id and chain hash (the ``audit.head`` file), MAC'd with a key."""

    event_id: int
    digest: str
    mac: str | None = None


def anchor_mac(key: AuditKey, event_id: int, digest: str) -> str:
    return key.mac("head", f"{event_id} {digest}".encode())


def read_anchor(path: str | Path) -> Anchor | None:
    """The anchor kept in ``path``; None when missing or unreadable."""
    try:
        raw = Path(path).read_text(encoding="utf-8").split()
        return Anchor(int(raw[0]), raw[1], raw[2] if len(raw) > 2 else None)
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None


# -- checkpoints ------------------------------------------------------------------
_CP_FIELDS = ("last_id", "count", "head", "at", "key_id")


def _cp_payload(cp: dict[str, Any]) -> bytes:
    return json.dumps([cp.get(k) for k in _CP_FIELDS], ensure_ascii=False, separators=(",", ":")).encode()


def make_checkpoint(key: AuditKey | None, last_id: int, count: int | None, head: str) -> dict[str, Any]:
    """One checkpoint record; ``mac`` is null without a key (still proof of the prefix when kept outside)."""
    at = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    cp: dict[str, Any] = {"last_id": int(last_id), "count": None if count is None else int(count), "head": head, "at": at,
                          "key_id": key.key_id if key else None}
    cp["mac"] = key.mac("checkpoint", _cp_payload(cp)) if key else None
    return cp


def checkpoint_line(cp: dict[str, Any]) -> str:
    return json.dumps(cp, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def mac_ok(key: AuditKey, cp: dict[str, Any]) -> bool:
    return isinstance(cp.get("mac"), str) and hmac.compare_digest(cp["mac"], key.mac("checkpoint", _cp_payload(cp)))


def append_checkpoint(path: Path, cp: dict[str, Any]) -> None:
    """Append one line (O_APPEND: concurrent writers never interleave a line this short)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (checkpoint_line(cp) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_checkpoints(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """(checkpoints, problems): a line that is not a checkpoint is a problem, not skipped."""
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    try:
        lines = path.read_bytes().decode("utf-8", "replace").splitlines()
    except FileNotFoundError:
        return [], []
    except OSError as exc:
        return [], [f"チェックポイントファイル {path} を読めません（{exc.strerror}）"
                    f" / checkpoint file unreadable"]
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cp = json.loads(line)
            if not (isinstance(cp, dict) and isinstance(cp.get("last_id"), int)
                    and isinstance(cp.get("count"), (int, type(None))) and isinstance(cp.get("head"), str)):
                raise ValueError(line)
        except ValueError:
            problems.append(f"チェックポイントファイル {path} の {n} 行目が読めません（書き換え）"
                            f" / checkpoint line {n} is malformed")
            continue
        cp["_line"] = n
        out.append(cp)
    return out, problems


__all__ = [
    "AuditKey", "Seal", "Anchor", "GENESIS", "chain_hash", "read_anchor", "keygen", "load_key", "seal_from_settings", "anchor_mac", "make_checkpoint",
    "checkpoint_line", "mac_ok", "append_checkpoint", "read_checkpoints", "KEY_BYTES",
]
