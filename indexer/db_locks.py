"""What every server on one catalog database must agree on, kept in that database.

* :func:`database_write_lock` — one writer at a time per *database*, not only per home, so
  servers with homes of their own (shirube/index_sync.py) publish generations in turn.
  PostgreSQL: a session-level advisory lock, polled with ``pg_try_advisory_lock`` (a plain
  wait would be cut by a session's ``lock_timeout``); SQLite: a lock file beside the database
  file (an in-memory database has one process, nothing to lock).
* :func:`acl_version` / :func:`bump_acl_version` — the ``acl_state`` counter (revision 0010),
  part of every cached allowed-id set's key: a relabel on one server makes every server's
  cached sets stale at its next question.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from .catalog import Catalog
from .tables import AclState

_PG_WRITE_LOCK = 0x5348_5752  # "SHWR"; audit appends use their own key (shirube/audit.py)
_POLL_S = 0.1


@contextmanager
def database_write_lock(catalog: Catalog) -> Iterator[None]:
    """Held for a whole write (ingest, re-index, delete) by one process of one server."""
    url = catalog.engine.url
    if url.get_backend_name() == "postgresql":
        conn = catalog.engine.connect()
        try:
            while not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _PG_WRITE_LOCK}).scalar():
                conn.rollback()
                time.sleep(_POLL_S)
            conn.commit()
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_WRITE_LOCK})
                conn.commit()
            except Exception:  # noqa: BLE001 - never hand a connection that may hold the lock back to the pool
                conn.invalidate()
            conn.close()
        return
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        yield
        return
    with open(database + ".write.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def acl_version(catalog: Catalog, wait_s: float | None = None) -> int:
    """The catalog's access-list counter (0 before the first relabel)."""
    with catalog.session(wait_s=wait_s) as s:
        return int(s.scalar(select(AclState.version).where(AclState.id == 1)) or 0)


def bump_acl_version(catalog: Catalog) -> None:
    for _ in range(3):
        try:
            with catalog.session() as s:
                if not s.execute(update(AclState).where(AclState.id == 1)
                                 .values(version=AclState.version + 1)).rowcount:
                    s.add(AclState(id=1, version=1))
            return
        except IntegrityError:  # another server inserted the row first: count up again
            continue
