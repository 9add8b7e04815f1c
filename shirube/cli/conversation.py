"""``shirube ask --follow-up``: the last questions asked in this home, per user.

Kept in ``<home>/session/last_questions.json`` as ``{"users": {NAME: [question, …]}}``,
oldest first, at most :data:`KEEP` per user (the ``--as`` user, else the OS user).
A question asked without ``--follow-up`` starts a new conversation; a follow-up
is added to it. What is stored is the question as searched (self-contained), so
a chain of follow-ups keeps its topic.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Sequence

from base.atomic import write_json_atomic

KEEP = 5
FILE = Path("session") / "last_questions.json"


def who(as_user: str | None) -> str:
    if as_user:
        return as_user
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (containers)
        return "-"


def _load(home: Path) -> dict:
    try:
        data = json.loads((home / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"users": {}}
    return data if isinstance(data, dict) and isinstance(data.get("users"), dict) else {"users": {}}


def last_questions(home: Path, user: str) -> list[str]:
    """The conversation so far for ``user`` in ``home``, oldest first (empty when none)."""
    qs = _load(home)["users"].get(user) or []
    return [q for q in qs if isinstance(q, str) and q.strip()]


def remember(home: Path, user: str, question: str, *, history: Sequence[str] = ()) -> None:
    """Record ``question`` after ``history`` (empty: a new conversation). A home that
    cannot be written (read-only) only loses the session, never the answer."""
    data = _load(home)
    data["users"][user] = [*history, question][-KEEP:]
    try:
        write_json_atomic(home / FILE, data)
    except OSError:
        pass
