"""Users and the audit log, bound to one catalog: what front ends call instead of the modules.

:class:`Accounts` wraps :mod:`shirube.users` and :class:`AuditTrail` wraps
:mod:`shirube.audit` (those modules keep their functions, taking a catalog
or an engine first). An engine hands out one of each::

    sh.accounts.authenticate("tanaka", password)     # User | None
    sh.accounts.access_for("tanaka")                 # AccessFilter
    sh.audit_trail.verify()                          # [] when the hash chain is intact
    sh.audit_trail.events(limit=200, access=access)  # newest first, hidden beyond ``access``

Every account event is audited here, so the CLI and the app record the same rows:
``login`` / ``login_failed`` (the name tried and why, never the password), ``logout``,
``user_add``, ``user_update`` (old → new role, clearance, departments), ``user_disable`` /
``user_enable`` and ``password_change`` (never a password or its hash). ``by``: who acts
(the CLI's ``--by`` or the OS user, the app's logged-in admin).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import replace
from pathlib import Path
import uuid
from typing import IO, Any, Callable, Iterable

from base.errors import AccessDenied
from indexer.catalog import Catalog, User
from indexer.manifest import current_user
from base.safe_text import printable
from retrieval.access import AccessFilter, clean_departments

from . import audit, users
from .users import ROLE_LABELS, ROLES, has_role, user_dict


class Accounts:
    """Local users of one catalog (see :mod:`shirube.users`): roles, clearance, departments, passwords."""

    ROLES = ROLES
    ROLE_LABELS = ROLE_LABELS
    has_role = staticmethod(has_role)
    user_dict = staticmethod(user_dict)
    access_of = staticmethod(users.access_of)

    def __init__(self, catalog: Catalog, record: Callable[[str | None, str, dict[str, Any]], None] | None = None,
                 revoke: Callable[[str, bool, str | None], None] | None = None) -> None:
        self.catalog = catalog
        # the engine's revocation (name, tokens too, by): the app's login sessions and, when the
        # account is disabled, its API tokens (shirube/login_sessions.py, shirube/tokens.py)
        self._revoke = revoke or (lambda name, tokens, by: None)
        # the engine passes its audit append (which also moves the anchor); ``None`` as user: the OS user
        self._record = record or (lambda user, action, detail: audit.record(catalog, user or current_user(), action, detail))

    def add(
        self, name: str, password: str, role: str = "viewer", clearance: int = 1, departments: Iterable[str] = (),
        by: str | None = None,
    ) -> User:
        """Create a user; the password is stored only as an argon2id hash."""
        self._within(by, clearance)
        self._grantable(by, departments)
        u = users.add_user(self.catalog, name, password, role, clearance, departments)
        self._record(by, "user_add", {"name": u.name, **_rights(u)})
        return u

    def get(self, name: str) -> User | None:
        return users.get_user(self.catalog, name)

    def list(self) -> list[User]:
        """Every user, by name."""
        return users.list_users(self.catalog)

    def authenticate(self, name: str, password: str) -> User | None:
        """The user when the password is right and the account is enabled, else None.

        Audited as ``login`` or ``login_failed`` (the name as typed and why; never the password).
        """
        u = users.authenticate(self.catalog, name, password)
        if u is not None:
            self._record(u.name, "login", {"method": "password"})
            return u
        tried = (name or "").strip()[:100]
        known = users.get_user(self.catalog, tried) if tried else None
        self.record_login_failed(tried, "password",
                                 "unknown_user" if known is None else "disabled" if known.disabled else "wrong_password")
        return None

    def record_login(self, name: str, method: str) -> None:
        """A login proved elsewhere (``oidc``: the identity provider)."""
        self._record(name, "login", {"method": method})

    def record_login_failed(self, name: str, method: str, reason: str) -> None:
        """A refused login: the name tried (never the password) and why."""
        self._record(name[:100] or "?", "login_failed", {"name": name[:100], "method": method, "reason": reason})

    def logout(self, name: str, method: str = "password") -> None:
        self._record(name, "logout", {"method": method})

    def set_password(self, name: str, password: str, by: str | None = None) -> None:
        self._within_target(by, name)
        users.set_password(self.catalog, name, password)
        self._record(by, "password_change", {"name": self._canonical(name)})
        self._revoke(self._canonical(name), False, by)  # whoever was logged in with the old one is logged out

    def update(
        self, name: str, *, role: str | None = None, clearance: int | None = None,
        departments: Iterable[str] | None = None, by: str | None = None,
    ) -> User:
        """Change a user's role, clearance and/or departments (audited when something changed)."""
        before = self._within_target(by, name)
        if clearance is not None:
            self._within(by, clearance)
        if departments is not None:
            self._grantable(by, departments, had=(before.departments or []) if before is not None else [])
        u = users.update_user(self.catalog, name, role=role, clearance=clearance, departments=departments)
        old, new = _rights(before) if before is not None else {}, _rights(u)
        if old != new:
            self._record(by, "user_update", {"name": u.name, "old": old, "new": new})
            self._revoke(u.name, False, by)  # open app sessions start again with the new rights
        return u

    def disable(self, name: str, disabled: bool = True, by: str | None = None) -> None:
        """Disable (or re-enable) an account (audited when its state changed)."""
        before = self._within_target(by, name)
        users.disable(self.catalog, name, disabled)
        if before is not None and bool(before.disabled) != bool(disabled):
            self._record(by, "user_disable" if disabled else "user_enable", {"name": before.name})
        if before is not None and disabled:  # re-enabling must not bring old sessions or tokens back
            self._revoke(before.name, True, by)

    def _within(self, by: str | None, clearance: int) -> None:
        """No account may be given a clearance above the acting account's own (``by``: an account;
        None or a name without an account is a trusted caller, e.g. the built-in operator)."""
        actor = users.get_user(self.catalog, by) if by else None
        if actor is not None and int(clearance) > int(actor.clearance):
            raise AccessDenied(f"ご自身の閲覧可能な機密性（{actor.clearance}）を超えるユーザーは作成・変更できません"
                               f"（指定値: {clearance}）")

    def _grantable(self, by: str | None, departments: Iterable[str], had: Iterable[str] = ()) -> None:
        """An admin grants only departments they belong to, unless they hold every department of
        this home (each one a document or an account names). So an admin with no departments
        grants any only while no document or account names one (a new home's first admin).
        ``had``: the target's departments before (keeping or removing them grants nothing)."""
        actor = users.get_user(self.catalog, by) if by else None
        if actor is None:
            return  # the built-in operator, a trusted caller
        mine = set(actor.departments or [])
        new = set(clean_departments(departments)) - set(had) - mine
        if new and not users.known_departments(self.catalog) <= mine:
            raise AccessDenied("ご自身が所属していない部署は付与できません（"
                               + "、".join(printable(d) for d in sorted(new)) + "）")

    def _within_target(self, by: str | None, name: str) -> User | None:
        """The account ``name``, once checked that ``by`` may manage it (its clearance within theirs)."""
        target = users.get_user(self.catalog, name)
        if target is not None:
            self._within(by, target.clearance)
        return target

    def _canonical(self, name: str) -> str:
        u = users.get_user(self.catalog, name)
        return u.name if u is not None else name

    def access_for(self, name: str) -> AccessFilter:
        """The access filter of the named, enabled user (AccessDenied otherwise)."""
        return users.access_for(self.catalog, name)


def _rights(u: User) -> dict[str, Any]:
    return {"role": u.role, "clearance": int(u.clearance), "departments": list(u.departments or [])}


class AuditTrail:
    """The hash-chained audit log of one catalog and its anchor file (see :mod:`shirube.audit`)."""

    HIDDEN = audit.HIDDEN
    CSV_FIELDS = audit.CSV_FIELDS
    ACTION_LABELS = audit.ACTION_LABELS
    cited_documents = staticmethod(audit.cited_documents)

    def __init__(self, catalog: Catalog, anchor: str | Path | None, seal: "audit.Seal | None" = None) -> None:
        self.catalog = catalog
        self.anchor = anchor
        self.seal = seal  # the audit key and external checkpoint file (shirube/audit_seal.py)

    def record(self, user: str | None, action: str, detail: dict[str, Any] | None = None) -> None:
        """Append one event (and move the anchor)."""
        audit.record(self.catalog, user, action, detail, anchor=self.anchor, seal=self.seal)

    def start_evaluation(self, who: str | None, **detail: Any) -> str:
        """Record an ``evaluation`` run by ``who`` (default: the OS user) and return the actor its
        searches and questions must be recorded under (``eval:<who>/<run id>``), so they are kept
        apart from staff questions (:meth:`events` with ``include_eval=False``)."""
        who = who or current_user()
        run_id = uuid.uuid4().hex[:12]
        self.record(who, "evaluation", {"run_id": run_id, **detail})
        return audit.evaluation_actor(who, run_id)

    def verify(self) -> list[str]:
        """Problems found in the chain and against the anchor (empty list: intact)."""
        return audit.verify(self.catalog, anchor=self.anchor, seal=self.seal)

    def check(self) -> "audit.Verification":
        """Problems, and the rows this configuration cannot prove (no key, after the last checkpoint)."""
        return audit.check(self.catalog, anchor=self.anchor, seal=self.seal)

    def checkpoint(self) -> dict[str, Any]:
        """A checkpoint of the newest row, appended to the external file when configured."""
        return audit.checkpoint(self.catalog, self.seal)

    def events(
        self, since: str | dt.date | dt.datetime | None = None, limit: int | None = 200,
        access: AccessFilter | None = None, include_eval: bool = True,
    ) -> list[dict[str, Any]]:
        """Newest events first; ``access``: the viewer (admins only; rows beyond their access hidden);
        ``include_eval=False``: without the searches and questions of evaluation runs."""
        return audit.events(self.catalog, since=since, limit=limit, access=access, include_eval=include_eval)

    def export_csv(
        self, path_or_file: str | Path | IO[str], since: str | dt.date | dt.datetime | None = None,
    ) -> int:
        """The log, oldest first, as UTF-8 CSV with a BOM; returns the row count."""
        return audit.export_csv(self.catalog, path_or_file, since=since)

    def visible_events(
        self, user: str | None, access: AccessFilter, since: str | dt.date | dt.datetime | None = None,
        limit: int | None = 200, include_eval: bool = True,
    ) -> list[dict[str, Any]]:
        """The rows ``user`` (with ``access``) may read, newest first: an admin every row, anyone
        else only their own (and their evaluation runs'); either way the question, answer and
        citations of an event naming a document beyond ``access`` are hidden."""
        if access.admin:
            return self.events(since=since, limit=limit, access=access, include_eval=include_eval)
        rows = audit.events(self.catalog, since=since, limit=None, access=replace(access, admin=True),
                            include_eval=include_eval)
        mine = [r for r in rows if _own(r["user"], user)]
        return mine[:limit] if limit else mine

    def export_visible_csv(
        self, path_or_file: str | Path | IO[str], user: str | None, access: AccessFilter,
        since: str | dt.date | dt.datetime | None = None,
    ) -> int:
        """:meth:`export_csv` limited to :meth:`visible_events` (hidden rows keep only who, when and what)."""
        if access.admin and access.unrestricted:
            return self.export_csv(path_or_file, since=since)
        shown = {r["id"]: r for r in self.visible_events(user, access, since=since, limit=None)}
        buf = io.StringIO()
        self.export_csv(buf, since=since)  # the full export's own cell escaping, then only the visible rows
        buf.seek(0)
        reader = csv.DictReader(buf)
        own = isinstance(path_or_file, (str, Path))
        fh: IO[str] = open(path_or_file, "w", encoding="utf-8-sig", newline="") if own else path_or_file  # type: ignore[arg-type]
        try:
            w = csv.DictWriter(fh, fieldnames=list(reader.fieldnames or self.CSV_FIELDS), extrasaction="ignore")
            w.writeheader()
            n = 0
            for row in reader:
                r = shown.get(int(row["id"]))
                if r is None:
                    continue
                if r["detail"].get("hidden"):
                    row.update(question=r["question"] or "", answer=r["answer"] or "", citations="[]",
                               detail=json.dumps(r["detail"], ensure_ascii=False, sort_keys=True))
                w.writerow(row)
                n += 1
            return n
        finally:
            if own:
                fh.close()


def _own(row_user: str | None, user: str | None) -> bool:
    """A row ``user`` acted in: their own, or one of their evaluation runs' (``eval:<user>/<run>``)."""
    return user is not None and (row_user == user or (row_user or "").startswith(f"{audit.EVAL_PREFIX}{user}/"))


__all__ = ["Accounts", "AuditTrail", "ROLES", "ROLE_LABELS", "has_role", "user_dict"]
