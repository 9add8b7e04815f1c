"""Users and the audit log, bound to one catalog: what front ends call instead of the modules.

:class:`Accounts` wraps :mod:`shirube.users` and :class:`AuditTrail` wraps
:mod:`shirube.audit` (those modules keep their functions, taking a catalog
or an engine first). An engine hands out one of each::

    sh.accounts.authenticate("tanaka", password)     # User | None
    sh.accounts.access_for("tanaka")                 # AccessFilter
    sh.audit_trail.verify()                          # [] when the hash chain is intact
    sh.audit_trail.events(limit=200, access=access)  # newest first, hidden beyond ``access``
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO, Any, Iterable

from indexer.catalog import Catalog, User
from retrieval.access import AccessFilter

from . import audit, users
from .users import ROLE_LABELS, ROLES, has_role, user_dict


class Accounts:
    """Local users of one catalog (see :mod:`shirube.users`): roles, clearance, departments, passwords."""

    ROLES = ROLES
    ROLE_LABELS = ROLE_LABELS
    has_role = staticmethod(has_role)
    user_dict = staticmethod(user_dict)
    access_of = staticmethod(users.access_of)

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def add(
        self, name: str, password: str, role: str = "viewer", clearance: int = 1, departments: Iterable[str] = (),
    ) -> User:
        """Create a user; the password is stored only as an argon2id hash."""
        return users.add_user(self.catalog, name, password, role, clearance, departments)

    def get(self, name: str) -> User | None:
        return users.get_user(self.catalog, name)

    def list(self) -> list[User]:
        """Every user, by name."""
        return users.list_users(self.catalog)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is right and the account is enabled, else None."""
        return users.authenticate(self.catalog, name, password)

    def set_password(self, name: str, password: str) -> None:
        users.set_password(self.catalog, name, password)

    def update(
        self, name: str, *, role: str | None = None, clearance: int | None = None,
        departments: Iterable[str] | None = None,
    ) -> User:
        return users.update_user(self.catalog, name, role=role, clearance=clearance, departments=departments)

    def disable(self, name: str, disabled: bool = True) -> None:
        """Disable (or re-enable) an account."""
        users.disable(self.catalog, name, disabled)

    def access_for(self, name: str) -> AccessFilter:
        """The access filter of the named, enabled user (AccessDenied otherwise)."""
        return users.access_for(self.catalog, name)


class AuditTrail:
    """The hash-chained audit log of one catalog and its anchor file (see :mod:`shirube.audit`)."""

    HIDDEN = audit.HIDDEN
    CSV_FIELDS = audit.CSV_FIELDS
    cited_documents = staticmethod(audit.cited_documents)

    def __init__(self, catalog: Catalog, anchor: str | Path | None) -> None:
        self.catalog = catalog
        self.anchor = anchor

    def record(self, user: str | None, action: str, detail: dict[str, Any] | None = None) -> None:
        """Append one event (and move the anchor)."""
        audit.record(self.catalog, user, action, detail, anchor=self.anchor)

    def verify(self) -> list[str]:
        """Problems found in the chain and against the anchor (empty list: intact)."""
        return audit.verify(self.catalog, anchor=self.anchor)

    def events(
        self, since: str | dt.date | dt.datetime | None = None, limit: int | None = 200,
        access: AccessFilter | None = None,
    ) -> list[dict[str, Any]]:
        """Newest events first; ``access``: the viewer (admins only; rows beyond their access hidden)."""
        return audit.events(self.catalog, since=since, limit=limit, access=access)

    def export_csv(
        self, path_or_file: str | Path | IO[str], since: str | dt.date | dt.datetime | None = None,
    ) -> int:
        """The log, oldest first, as UTF-8 CSV with a BOM; returns the row count."""
        return audit.export_csv(self.catalog, path_or_file, since=since)


__all__ = ["Accounts", "AuditTrail", "ROLES", "ROLE_LABELS", "has_role", "user_dict"]
