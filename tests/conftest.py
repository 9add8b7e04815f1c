"""Shared fixtures.

``db_url`` runs a test against SQLite and against PostgreSQL. The PostgreSQL
URL comes from ``SHIRUBE_TEST_PG_URL`` (a role allowed to CREATE DATABASE;
``.ci/run`` installs and starts PostgreSQL and sets it). Each test gets a
fresh database, dropped afterwards. Without the variable the PostgreSQL cases
are skipped with a reason — unless ``SHIRUBE_TEST_REQUIRE_PG=1`` (set by CI), which
turns the skip into a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest

PG_ENV = "SHIRUBE_TEST_PG_URL"
# Tests call shirube.cli.main in this process: `ingest` / `reindex` would lower the test
# runner's own priority for good (base/priority.py). tests/test_questions_first.py sets it.
os.environ.setdefault("SHIRUBE_WRITER_NICE", "0")


def pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        if os.environ.get("SHIRUBE_TEST_REQUIRE_PG") == "1":
            pytest.fail(f"{PG_ENV} is not set but SHIRUBE_TEST_REQUIRE_PG=1 (CI must test PostgreSQL)")
        pytest.skip(f"PostgreSQL not configured: set {PG_ENV}=postgresql+psycopg://user:pw@host/db (.ci/run does)")
    return url


def pg_database(request) -> str:
    """A fresh PostgreSQL database for ``request`` (function or module scope), dropped afterwards."""
    import sqlalchemy as sa

    base = sa.make_url(pg_admin_url())
    name = f"shirube_t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001
        admin.dispose()
        if os.environ.get("SHIRUBE_TEST_REQUIRE_PG") == "1":
            raise
        pytest.skip(f"PostgreSQL at {PG_ENV} unusable: {type(exc).__name__}: {exc}")

    def drop() -> None:
        import time

        # FORCE ends the tests' leftover connections; a moment later an autovacuum worker of
        # another role may hold the database (InsufficientPrivilege without pg_signal_backend): retry
        try:
            for attempt in range(10):
                try:
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    return
                except sa.exc.DBAPIError:
                    if attempt == 9:
                        raise
                    time.sleep(0.5)
        finally:
            admin.dispose()

    request.addfinalizer(drop)
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """A fresh, empty catalog database URL: SQLite file or PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    return pg_database(request)


def audit_rows(sh) -> list:
    """Every audit row of ``sh``'s catalog, oldest first (the AuditEvent rows themselves)."""
    from sqlalchemy import select

    from indexer.catalog import AuditEvent

    with sh.catalog.session() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)).all())
