"""Local users: roles, clearance, departments and argon2id password hashes.

Stored in the catalog's ``users`` table (:class:`indexer.catalog.User`), so the
CLI (``shirube user …``, ``--as NAME``) and the app share one user list.

>>> add_user(sh, "tanaka", "長い合言葉です", "clerk", 2, ["総務課"])   # doctest: +SKIP
>>> access_for(sh, "tanaka")                                          # doctest: +SKIP
AccessFilter(clearance=2, departments=frozenset({'総務課'}), ..., admin=False)
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

from sqlalchemy import select

from indexer.catalog import Catalog, Document, User
from retrieval.access import AccessFilter, clean_departments

from base.errors import AccessDenied, ConfigError

ROLES = ("viewer", "clerk", "admin")
ROLE_LABELS = {"viewer": "閲覧者", "clerk": "登録担当", "admin": "管理者"}
# What each role may do in the app; a higher role includes the lower ones.
ROLE_RANK = {"viewer": 0, "clerk": 1, "admin": 2}
MIN_PASSWORD = 8
_NAME = re.compile(r"^[^\s/\\]{1,100}$")

_hasher: Any = None


def _ph():
    """argon2id with argon2-cffi's RFC 9106 defaults (built once: it is cheap but stateless)."""
    global _hasher
    if _hasher is None:
        try:
            from argon2 import PasswordHasher
        except ImportError as exc:  # pragma: no cover - the app extra installs it
            from base.errors import MissingExtra

            raise MissingExtra("argon2-cffi", "app") from exc
        _hasher = PasswordHasher()
    return _hasher


def fold_name(name: str) -> str:
    """The key a user name is unique and looked up by: NFKC + casefold, so ``yamada``,
    ``Yamada`` and ``Ｙａｍａｄａ`` are one user (migration 0005 keeps a frozen copy)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name or "").strip().casefold())


def _find(s: Any, name: str) -> User | None:
    """The user whose folded name is ``fold_name(name)`` (at most one: a unique index)."""
    key = fold_name(name)
    return s.scalars(select(User).where(User.name_key == key)).first() if key else None


def _catalog(sh_or_catalog: Any) -> Catalog:
    return sh_or_catalog if isinstance(sh_or_catalog, Catalog) else sh_or_catalog.catalog


def has_role(role: str, needed: str) -> bool:
    """True when ``role`` includes the rights of ``needed`` (admin ⊇ clerk ⊇ viewer)."""
    return ROLE_RANK.get(role, -1) >= ROLE_RANK[needed]


def _check(name: str, role: str, clearance: int, password: str | None) -> None:
    if not _NAME.match(name or "") or not name.isprintable():  # no control characters either
        raise ConfigError(f"ユーザー名が不正です（空白・スラッシュを含まない1〜100文字）: {name!r}")
    if role not in ROLES:
        raise ConfigError(f"役割は viewer / clerk / admin のいずれかです（指定値: {role!r}）")
    if clearance not in (1, 2, 3):
        raise ConfigError(f"閲覧可能な機密性は1〜3で指定してください（指定値: {clearance!r}）")
    if password is not None and len(password) < MIN_PASSWORD:
        raise ConfigError(f"パスワードは{MIN_PASSWORD}文字以上にしてください")


def add_user(
    sh_or_catalog: Any, name: str, password: str, role: str = "viewer", clearance: int = 1,
    departments: Iterable[str] = (),
) -> User:
    """Create a user; the password is stored only as an argon2id hash."""
    name = (name or "").strip()
    _check(name, role, int(clearance), password)
    if len(fold_name(name)) > 300 or "#" in name:  # "#": migration 0005's suffix for clashing legacy names
        raise ConfigError(f"ユーザー名が不正です（「#」を含まず、正規化して300文字以内）: {name!r}")
    cat = _catalog(sh_or_catalog)
    with cat.session() as s:
        clash = _find(s, name)
        if clash is not None:
            same = "" if clash.name == name else f"（「{clash.name}」と大文字・小文字・全角半角の違いのみ）"
            raise ConfigError(f"ユーザー「{name}」は既に存在します{same}")
        u = User(name=name, name_key=fold_name(name), password_hash=_ph().hash(password), role=role,
                 clearance=int(clearance), departments=clean_departments(departments), disabled=0)
        s.add(u)
        s.flush()
        return u


def get_user(sh_or_catalog: Any, name: str) -> User | None:
    """The user named ``name`` up to case and width (:func:`fold_name`), or None."""
    with _catalog(sh_or_catalog).session() as s:
        return _find(s, name)


def list_users(sh_or_catalog: Any) -> list[User]:
    with _catalog(sh_or_catalog).session() as s:
        return list(s.scalars(select(User).order_by(User.name)).all())


def authenticate(sh_or_catalog: Any, name: str, password: str) -> User | None:
    """The user when ``password`` is right and the account is enabled, else None.

    An unknown name costs one hash verification too, so timing does not reveal
    which names exist. Hashes made with older parameters are upgraded on login.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    ph = _ph()
    cat = _catalog(sh_or_catalog)
    with cat.session() as s:
        u = _find(s, name)
        if u is None:
            try:
                ph.verify(_dummy_hash(), password or "")
            except (VerificationError, InvalidHashError):
                pass
            return None
        try:
            ph.verify(u.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return None
        if u.disabled:
            return None
        if ph.check_needs_rehash(u.password_hash):
            u.password_hash = ph.hash(password)
        return u


_DUMMY: str | None = None


def _dummy_hash() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _ph().hash("dummy-password-for-timing")
    return _DUMMY


def set_password(sh_or_catalog: Any, name: str, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ConfigError(f"パスワードは{MIN_PASSWORD}文字以上にしてください")
    with _catalog(sh_or_catalog).session() as s:
        u = _find(s, name)
        if u is None:
            raise AccessDenied(f"ユーザー「{name}」は登録されていません")
        u.password_hash = _ph().hash(password)


def update_user(
    sh_or_catalog: Any, name: str, *, role: str | None = None, clearance: int | None = None,
    departments: Iterable[str] | None = None,
) -> User:
    with _catalog(sh_or_catalog).session() as s:
        u = _find(s, name)
        if u is None:
            raise AccessDenied(f"ユーザー「{name}」は登録されていません")
        _check(u.name, role or u.role, int(clearance if clearance is not None else u.clearance), None)
        if role is not None:
            u.role = role
        if clearance is not None:
            u.clearance = int(clearance)
        if departments is not None:
            u.departments = clean_departments(departments)
        return u


def disable(sh_or_catalog: Any, name: str, disabled: bool = True) -> None:
    """Disable (or re-enable) an account; disabled users cannot log in or act via ``--as``."""
    with _catalog(sh_or_catalog).session() as s:
        u = _find(s, name)
        if u is None:
            raise AccessDenied(f"ユーザー「{name}」は登録されていません")
        u.disabled = int(bool(disabled))


def known_departments(catalog: Any) -> set[str]:
    """Every department a document (not deleted) or an account of this catalog names."""
    with catalog.session() as s:
        lists = [*s.scalars(select(Document.departments).where(Document.status != "deleted")),
                 *s.scalars(select(User.departments))]
    return {d for ds in lists for d in (ds or [])}


def access_of(user: User) -> AccessFilter:
    """The retrieval filter of a user: clearance and departments; admins keep their clearance."""
    return AccessFilter(
        clearance=int(user.clearance),
        departments=frozenset(user.departments or []),
        admin=user.role == "admin",
    )


def access_for(sh_or_catalog: Any, name: str) -> AccessFilter:
    """The access filter of the named user (``--as NAME``, the logged-in app user)."""
    u = get_user(sh_or_catalog, name)
    if u is None:
        raise AccessDenied(f"ユーザー「{name}」は登録されていません")
    if u.disabled:
        raise AccessDenied(f"ユーザー「{name}」は無効化されています")
    return access_of(u)


def user_dict(u: User) -> dict[str, Any]:
    """A user without its hash, for listings."""
    return {
        "name": u.name, "role": u.role, "role_label": ROLE_LABELS.get(u.role, u.role),
        "clearance": u.clearance, "departments": list(u.departments or []),
        "disabled": bool(u.disabled), "created_at": u.created_at.isoformat() if u.created_at else None,
    }


__all__ = [
    "ROLES", "ROLE_LABELS", "add_user", "fold_name", "authenticate", "list_users", "get_user", "set_password",
    "update_user", "disable", "access_for", "access_of", "has_role", "user_dict",
]
