"""Who the command line acts as — the operator model (README: Security and reliability).

    ident = resolve(args, sh, needs="admin")   # Identity(name, role, access) or AccessDenied

1. The name comes from ``--as USER`` (``--by`` is the same option), else from the home's
   ``operator`` setting (``SHIRUBE_OPERATOR``, or ``operator = "tanaka"`` in config.toml).
2. A name is looked up case- and width-insensitively (``Tanaka`` is ``tanaka``); an empty,
   unknown or disabled one is refused — never treated as "no identity".
3. No name at all: a home without any user account is a single-user home, and the CLI acts
   as the built-in operator (audited as the OS user; every document; admin rights). Once
   one account exists, every command that reads or changes documents, the audit log or the
   users needs an identity — except ``user add`` on a home without accounts (the first admin).
4. Rights (shirube/users.py): viewer < clerk < admin. Reading needs any role and sees only
   what the user's clearance and departments allow; ``ingest`` needs clerk; ``delete``,
   ``reindex``, ``relabel``, ``sft-data`` and user management need admin (``user passwd``:
   also the user themself).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from base.errors import AccessDenied
from base.safe_text import printable

from ..api import ROLE_LABELS, AccessFilter, has_role

# The built-in operator of a single-user home: every document, admin rights.
BUILTIN = AccessFilter(admin=True)


@dataclass(frozen=True)
class Identity:
    """Who acts: ``name`` None is the built-in operator (the audit log records the OS user)."""

    name: str | None
    role: str
    access: AccessFilter

    @property
    def builtin(self) -> bool:
        return self.name is None


def given_name(args: argparse.Namespace, sh: Any) -> tuple[str | None, str]:
    """The name asked for and where it came from (``--as`` or ``operator``); None when neither."""
    as_user = getattr(args, "as_user", None)
    if as_user is not None:
        return as_user, "--as"
    configured = sh.settings.operator
    return (configured, "operator") if configured else (None, "")


def resolve(args: argparse.Namespace, sh: Any, needs: str = "viewer") -> Identity:
    """The identity of this command, with at least the role ``needs`` (AccessDenied otherwise)."""
    name, source = given_name(args, sh)
    if name is not None:
        if not name.strip():
            raise AccessDenied(f"{source} に空のユーザー名は指定できません")
        u = sh.accounts.get(name.strip())
        if u is None:
            raise AccessDenied(f"ユーザー「{printable(name.strip())}」は登録されていません（{source}）")
        if u.disabled:
            raise AccessDenied(f"ユーザー「{printable(u.name)}」は無効化されています")
        ident = Identity(u.name, u.role, sh.accounts.access_of(u))
    elif sh.accounts.list():
        raise AccessDenied("このデータディレクトリにはユーザーが登録されています。--as ユーザー名 で操作するユーザーを"
                           "指定してください（既定は config.toml の operator、または環境変数 SHIRUBE_OPERATOR）")
    else:
        ident = Identity(None, "admin", BUILTIN)
    if not has_role(ident.role, needs):
        raise AccessDenied(f"この操作には{ROLE_LABELS[needs]}以上の権限が必要です"
                           f"（ユーザー「{printable(ident.name)}」は{ROLE_LABELS.get(ident.role, ident.role)}）")
    return ident


def access(args: argparse.Namespace, ident: Identity) -> AccessFilter:
    """The identity's access, narrowed by ``--max-label`` when given."""
    from dataclasses import replace

    limit = getattr(args, "max_label", None)
    return replace(ident.access, clearance=min(ident.access.clearance, limit)) if limit else ident.access


__all__ = ["BUILTIN", "Identity", "access", "given_name", "resolve"]
